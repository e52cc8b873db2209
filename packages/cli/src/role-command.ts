import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteAuditLog, createSqliteAuthRepository, createSqliteFleetRepository, createSqliteSavedSearches } from '@vigil/api';
import { createRemoteKeyVerifier } from '@vigil/edge';
import { loadEdgeIdentity } from '@vigil/provenance';
import { Metrics, OpsServer, createLogger, startAll, stopAll, type Component } from '@vigil/runtime';
import { loadConfig, type VigilConfig } from './config.ts';
import { stopOnSignal } from './host.ts';
import { dataDirOf, openBus, openStore } from './infrastructure.ts';
import { enrollCommandHint, renewOverHttp } from './enroll-command.ts';
import { apiCa, buildApi, buildEdge, buildEdgeControl, buildEngine, buildIndexer, buildRevocationWatcher, caCertificatePem, edgeCaCertificatePem, hostPort, prepareEdge, type Shared } from './roles.ts';

export type Role = 'edge' | 'engine' | 'indexer' | 'api';

interface Assembly {
  /** Started in order, stopped in reverse. */
  components: Component[];
  /** Where to reach the role, for the start-up line. */
  describe(): string;
}

/**
 * `vigil edge|engine|indexer|api`: one role as its own process, for the distributed mode
 * (Kafka and OpenSearch). Several engines or indexers share the work through their consumer
 * group. Each has `/healthz` and `/metrics`: the edge and API on their HTTP ports, the engine
 * and indexer on an ops port.
 */
export async function roleCommand(role: Role): Promise<void> {
  const config = loadConfig();
  mkdirSync(dataDirOf(config), { recursive: true, mode: 0o700 });
  const logger = createLogger({ level: config.logLevel, name: `vigil-${role}` });
  const shared: Shared = { config, metrics: new Metrics(), logger };
  let ready = false;
  const assembly = await assemble(role, shared, () => ready);
  await startAll(assembly.components);
  ready = true;
  process.stdout.write(`vigil ${role} running: ${assembly.describe()}\n`);
  stopOnSignal(async () => {
    ready = false;
    await stopAll(assembly.components);
  }, logger);
}

async function assemble(role: Role, shared: Shared, ready: () => boolean): Promise<Assembly> {
  const { config, metrics, logger } = shared;
  const closing = (name: string, stop: () => Promise<void> | void): Component => ({ name, start: async () => {}, stop: async () => stop() });
  const opsFor = (settings: VigilConfig['engine']['ops']) => new OpsServer({ host: settings.host, port: settings.port, metrics, ready });

  switch (role) {
    case 'engine': {
      const caPem = caCertificatePem(config);
      const bus = await openBus(config, metrics, logger);
      const ops = opsFor(config.engine.ops);
      const revocations = buildRevocationWatcher(shared, bus, caPem, 'engine');
      const engine = await buildEngine(shared, bus, bus.createProducer(), caPem, revocations);
      return { components: [closing('bus', () => bus.close()), revocations, engine, ops], describe: () => `health and metrics on ${opsAddress(ops)}` };
    }
    case 'indexer': {
      const caPem = caCertificatePem(config);
      const bus = await openBus(config, metrics, logger);
      const store = await openStore(config, metrics, logger);
      const ops = opsFor(config.indexer.ops);
      const revocations = buildRevocationWatcher(shared, bus, caPem, 'indexer');
      const indexer = buildIndexer(shared, bus, bus.createProducer(), store, caPem, revocations);
      return {
        components: [closing('store', () => store.close()), closing('bus', () => bus.close()), revocations, indexer, ops],
        describe: () => `health and metrics on ${opsAddress(ops)}`,
      };
    }
    case 'api': {
      const ca = apiCa(config);
      const store = await openStore(config, metrics, logger);
      const bus = await openBus(config, metrics, logger);
      const auth = createSqliteAuthRepository(join(dataDirOf(config), 'auth.db'));
      const fleet = createSqliteFleetRepository(join(dataDirOf(config), 'auth.db'));
      const audit = createSqliteAuditLog(join(dataDirOf(config), 'auth.db'));
      const savedSearches = createSqliteSavedSearches(join(dataDirOf(config), 'auth.db'));
      const generated = await auth.ensureAdmin(config.adminPassword);
      if (generated) process.stdout.write(`admin login: user "admin", password "${generated}" (generated now and shown only this once)\n`);
      const api = buildApi(shared, store, auth, audit, savedSearches, ready, { repository: fleet, bus, producer: bus.createProducer(), ca });
      return {
        components: [closing('store', () => store.close()), closing('bus', () => bus.close()), closing('auth', () => auth.close()), closing('fleet', () => fleet.close()), closing('audit', () => audit.close()), closing('saved-searches', () => savedSearches.close()), api],
        describe: () => api.addresses().map((address) => `${config.api.tls.enabled ? 'https' : 'http'}://${hostPort(address.address, address.port)}/`).join(', '),
      };
    }
    case 'edge': {
      const identityDir = config.edgeIdentityDir ?? join(dataDirOf(config), 'edge', 'identity');
      const identity = loadEdgeIdentity(identityDir, config.edgeId);
      if (!identity) throw new Error(`edge ${config.edgeId} has no identity in ${identityDir}: ${enrollCommandHint(config.edgeId, identityDir)}`);
      if (!config.apiUrl) throw new Error('a standalone edge needs VIGIL_API_URL to check ingest API keys');
      const verifyIngestKey = createRemoteKeyVerifier({ apiUrl: config.apiUrl, validTtlMs: 60_000, invalidTtlMs: 5_000, requestTimeoutMs: 5_000 });
      const caPem = edgeCaCertificatePem(config, identityDir);
      const setup = prepareEdge(shared, identity, identityDir);
      const bus = await openBus(config, metrics, logger);
      const producer = bus.createProducer();
      const edge = buildEdge(shared, producer, setup, verifyIngestKey, caPem);
      const control = buildEdgeControl(shared, bus, producer, setup, edge, { caPem, renew: renewOverHttp(config.apiUrl, config.edgeId), reloadConfig: () => loadConfig() });
      return {
        components: [closing('bus', () => bus.close()), edge, ...control],
        describe: () => {
          const { http, syslogTcp, syslogTls, syslogUdp } = edge.addresses();
          return [
            http && `HTTP ingest http://${hostPort(http.host, http.port)}/api/v1/events`,
            syslogUdp && `syslog UDP ${hostPort(syslogUdp.host, syslogUdp.port)}`,
            syslogTcp && `syslog TCP ${hostPort(syslogTcp.host, syslogTcp.port)}`,
            syslogTls && `syslog TLS ${hostPort(syslogTls.host, syslogTls.port)}`,
          ]
            .filter(Boolean)
            .join(', ');
        },
      };
    }
  }
}

function opsAddress(ops: OpsServer): string {
  const address = ops.address();
  return address ? `http://${hostPort(address.address, address.port)}/healthz` : '(not listening)';
}
