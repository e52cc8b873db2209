import { createLogger } from '@vigil/runtime';
import { startAllInOne } from './all-in-one.ts';
import { loadConfig } from './config.ts';
import { stopOnSignal } from './host.ts';

/** `vigil start`: runs everything in one process until SIGINT/SIGTERM. */
export async function startCommand(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.logLevel });
  const vigil = await startAllInOne(config, logger);
  const { api, ingest, syslogTcp, syslogTls, syslogUdp } = vigil.addresses;
  const lines = [
    '',
    'Vigil is running (all-in-one, embedded bus and SQLite store).',
    `  dashboard and API   ${config.api.tls.enabled ? 'https' : 'http'}://${api}/  (API under /api/v1, OpenAPI at /api/v1/openapi.json)`,
    ingest ? `  HTTP ingest         http://${ingest}/api/v1/events  (needs an API key with role ingest)` : '',
    syslogUdp ? `  syslog UDP          ${syslogUdp}` : '',
    syslogTcp ? `  syslog TCP          ${syslogTcp}` : '',
    syslogTls ? `  syslog TLS          ${syslogTls}  (RFC 5425)` : '',
    `  data directory      ${config.dataDir}`,
    vigil.generatedAdminPassword
      ? `  admin login         user "admin", password "${vigil.generatedAdminPassword}" (generated now and shown only this once; only its hash is stored)`
      : `  admin login         user "admin", password from VIGIL_ADMIN_PASSWORD (or the one printed at first start)`,
    '',
  ];
  process.stdout.write(lines.filter((line, i) => line !== '' || i === 0 || i === lines.length - 1).join('\n') + '\n');

  stopOnSignal(() => vigil.stop(), logger);
}
