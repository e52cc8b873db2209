/**
 * End-to-end latency benchmark: the time from the edge receiving the line that completes an
 * SSH brute force (the 10th failed login from one source) to the alert being visible through
 * the API, under a steady background load of HTTP events. Runs against `vigil start`
 * (embedded) or against separate roles on Kafka and OpenSearch (distributed). Prints one JSON
 * line with the figures; `run.ts` collects them into docs/benchmarks.md.
 *
 *   node test/bench/latency.ts embedded|distributed [backgroundEventsPerSecond] [samples]
 */
import { join } from 'node:path';
import { apiClient, allocatePorts, freePort, makeDataDir, removeDataDir, startVigil, stopVigil, ADMIN_PASSWORD } from '../e2e/harness.ts';
import { sendTcpOctetCounted } from '../e2e/syslog-client.ts';
import { requiredEnv, runVigil, startRole, stopRoles, writeDistributedConfig, type RoleProcess } from '../distributed/cluster.ts';
import { percentile } from './machine.ts';

const mode = process.argv[2] === 'distributed' ? 'distributed' : 'embedded';
const backgroundRate = Number(process.argv[3] ?? 2_000);
const samples = Number(process.argv[4] ?? 30);
const POLL_MS = 10;

interface Target {
  apiUrl: string;
  ingestUrl: string;
  syslogPort: number;
  stop(): Promise<void>;
}

async function embedded(dataDir: string): Promise<Target> {
  const vigil = await startVigil({ dataDir, ports: await allocatePorts() });
  return { apiUrl: vigil.apiUrl(''), ingestUrl: vigil.ingestUrl('/api/v1/events'), syslogPort: vigil.ports.syslog, stop: async () => void (await stopVigil(vigil)) };
}

async function distributed(dataDir: string): Promise<Target> {
  const brokers = requiredEnv('VIGIL_KAFKA_BROKERS');
  const openSearchUrl = requiredEnv('VIGIL_OPENSEARCH_URL');
  const core = join(dataDir, 'core');
  runVigil(['pki', 'init'], { VIGIL_DATA_DIR: core });
  runVigil(['pki', 'issue-edge', '--id', 'bench-edge', '--out', join(dataDir, 'edge', 'identity')], { VIGIL_DATA_DIR: core });
  const config = writeDistributedConfig(join(dataDir, 'config.yaml'), { brokers, openSearchUrl, indexPrefix: `vigil-bench-${Date.now()}` });
  const caCert = join(core, 'pki', 'ca.crt');
  const roles: RoleProcess[] = [];
  const api = await startRole('api', { VIGIL_CONFIG: config, VIGIL_DATA_DIR: join(dataDir, 'api'), VIGIL_ADMIN_PASSWORD: ADMIN_PASSWORD });
  roles.push(api);
  roles.push(await startRole('indexer', { VIGIL_CONFIG: config, VIGIL_DATA_DIR: join(dataDir, 'indexer'), VIGIL_CA_CERT: caCert }));
  roles.push(await startRole('engine', { VIGIL_CONFIG: config, VIGIL_DATA_DIR: join(dataDir, 'engine'), VIGIL_CA_CERT: caCert }));
  const syslogPort = await freePort('tcp+udp');
  const edge = await startRole('edge', {
    VIGIL_CONFIG: config,
    VIGIL_DATA_DIR: join(dataDir, 'edge'),
    VIGIL_EDGE_ID: 'bench-edge',
    VIGIL_EDGE_IDENTITY_DIR: join(dataDir, 'edge', 'identity'),
    VIGIL_API_URL: `http://127.0.0.1:${api.port}`,
    VIGIL_SYSLOG_HOST: '127.0.0.1',
    VIGIL_SYSLOG_PORT: String(syslogPort),
  });
  roles.push(edge);
  return { apiUrl: `http://127.0.0.1:${api.port}`, ingestUrl: `http://127.0.0.1:${edge.port}/api/v1/events`, syslogPort, stop: () => stopRoles(roles) };
}

const dataDir = makeDataDir();
const target = mode === 'distributed' ? await distributed(dataDir) : await embedded(dataDir);
try {
  const api = await apiClient({ apiUrl: (path) => `${target.apiUrl}${path}` });
  const { body: key } = await api<{ key: string }>('/api/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'bench', role: 'ingest' }) });

  // Background load: several senders, each posting batches of 100 at its share of the rate
  // (one sender alone would be held back by the edge's batch flush interval on every request).
  let running = true;
  let backgroundSent = 0;
  const batch = 100;
  const senders = Math.max(1, Math.ceil(backgroundRate / 400));
  const intervalMs = (batch * senders * 1000) / backgroundRate;
  const background = Promise.all(
    Array.from({ length: senders }, async () => {
      while (running) {
        const started = Date.now();
        const body = Array.from({ length: batch }, (_, i) => JSON.stringify({ message: `background event ${backgroundSent + i}`, event: { category: ['web'] } })).join('\n');
        const response = await fetch(target.ingestUrl, { method: 'POST', headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/x-ndjson' }, body });
        if (response.status === 202) backgroundSent += batch;
        await new Promise((r) => setTimeout(r, Math.max(0, intervalMs - (Date.now() - started))));
      }
    }),
  );

  const latencies: number[] = [];
  const backgroundStart = Date.now();
  for (let sample = 0; sample < samples; sample++) {
    const source = `198.18.${Math.floor(sample / 250)}.${(sample % 250) + 1}`;
    const now = new Date();
    const lines = Array.from({ length: 10 }, (_, i) => `<86>1 ${new Date(now.getTime() + i).toISOString()} bench-host sshd ${4000 + i} - - Failed password for root from ${source} port ${40_000 + i} ssh2`);
    await sendTcpOctetCounted(target.syslogPort, lines.slice(0, 9));
    const sentAt = performance.now();
    await sendTcpOctetCounted(target.syslogPort, lines.slice(9));
    for (;;) {
      const { body } = await api<{ alerts: { vigil: { alert: { group: Record<string, string> } } }[] }>(
        `/api/v1/alerts?${new URLSearchParams({ rule: 'SSH brute force', q: `"${source}"`, size: '5' })}`,
      );
      if (body.alerts.some((alert) => alert.vigil.alert.group['source.ip'] === source)) break;
      if (performance.now() - sentAt > 60_000) throw new Error(`no alert for ${source} within 60 s`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    latencies.push(performance.now() - sentAt);
    await new Promise((r) => setTimeout(r, 200));
  }
  running = false;
  await background;
  const achievedRate = Math.round(backgroundSent / ((Date.now() - backgroundStart) / 1000));
  console.log(
    JSON.stringify({
      case: `end-to-end latency (${mode})`,
      mode,
      samples,
      backgroundEventsPerSecond: achievedRate,
      p50Ms: Math.round(percentile(latencies, 50)),
      p99Ms: Math.round(percentile(latencies, 99)),
      maxMs: Math.round(Math.max(...latencies)),
      pollIntervalMs: POLL_MS,
    }),
  );
} finally {
  await target.stop();
  removeDataDir(dataDir);
}
