import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteAuditLog, createSqliteAuthRepository, createSqliteFleetRepository, createSqliteSavedSearches } from '@vigil/api';
import type { Bus } from '@vigil/bus';
import { localCaRenewal } from '@vigil/fleet';
import { loadOrCreateCa, loadOrEnrollLocalEdge } from '@vigil/provenance';
import { Metrics, startAll, stopAll, type Component, type Logger } from '@vigil/runtime';
import type { Store } from '@vigil/store';
import { loadConfig, type VigilConfig } from './config.ts';
import { dataDirOf, openBus, openStore } from './infrastructure.ts';
import { buildApi, buildEdge, buildEdgeControl, buildEngine, buildIndexer, buildRevocationWatcher, hostPort, prepareEdge } from './roles.ts';

export interface AllInOne {
  bus: Bus;
  store: Store;
  metrics: Metrics;
  /** The admin password when it was generated at this start (print it once), else null. */
  generatedAdminPassword: string | null;
  addresses: { api: string; ingest: string | null; syslogUdp: string | null; syslogTcp: string | null; syslogTls: string | null };
  stop(): Promise<void>;
}

/**
 * `vigil start`: the four roles in one process, on the embedded bus and the SQLite store by
 * default (or Kafka/OpenSearch when configured). Start order follows the data: store and bus
 * first, then indexer, engine and API, and the edge last, so nothing is accepted before the
 * pipeline behind it is running. The built-in edge enrolls itself with the local CA.
 */
export async function startAllInOne(config: Readonly<VigilConfig>, logger: Logger): Promise<AllInOne> {
  const dataDir = dataDirOf(config);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const metrics = new Metrics();
  const shared = { config, metrics, logger };

  const ca = loadOrCreateCa(join(dataDir, 'pki'));
  const identityDir = join(dataDir, 'edge', 'identity');
  const identity = loadOrEnrollLocalEdge(identityDir, ca, config.edgeId);
  const edgeSetup = prepareEdge(shared, identity, identityDir);

  const bus = await openBus(config, metrics, logger);
  const store = await openStore(config, metrics, logger);
  const auth = createSqliteAuthRepository(join(dataDir, 'auth.db'));
  const fleet = createSqliteFleetRepository(join(dataDir, 'auth.db'));
  const audit = createSqliteAuditLog(join(dataDir, 'auth.db'));
  const savedSearches = createSqliteSavedSearches(join(dataDir, 'auth.db'));
  const closeables: Component[] = [
    { name: 'store', start: async () => {}, stop: () => store.close() },
    { name: 'bus', start: async () => {}, stop: () => bus.close() },
    { name: 'auth', start: async () => {}, stop: async () => auth.close() },
    { name: 'fleet', start: async () => {}, stop: () => fleet.close() },
    { name: 'audit', start: async () => {}, stop: () => audit.close() },
    { name: 'saved-searches', start: async () => {}, stop: () => savedSearches.close() },
  ];
  let ready = false;
  let components: Component[] = [];
  let generatedAdminPassword: string | undefined;
  const producer = bus.createProducer();
  const edge = buildEdge(shared, producer, edgeSetup, (key) => auth.verifyIngestKey(key), ca.certificatePem);
  // One revocation list serves both verifiers of this process.
  const revocations = buildRevocationWatcher(shared, bus, ca.certificatePem, 'core');
  const api = buildApi(shared, store, auth, audit, savedSearches, () => ready, { repository: fleet, bus, producer, ca });
  try {
    generatedAdminPassword = await auth.ensureAdmin(config.adminPassword);
    components = [
      revocations,
      buildIndexer(shared, bus, producer, store, ca.certificatePem, revocations),
      await buildEngine(shared, bus, producer, ca.certificatePem, revocations),
      api,
      edge,
      // The built-in edge renews from the local CA and reloads from the same file and environment.
      ...buildEdgeControl(shared, bus, producer, edgeSetup, edge, { caPem: ca.certificatePem, renew: localCaRenewal(ca), reloadConfig: () => loadConfig() }),
    ];
    await startAll(components);
  } catch (error) {
    await stopAll(closeables);
    throw error;
  }
  ready = true;

  const edgeAddresses = edge.addresses();
  const apiAddress = api.addresses()[0];
  const show = (address: { host: string; port: number } | undefined) => (address ? hostPort(address.host, address.port) : null);
  return {
    bus,
    store,
    metrics,
    generatedAdminPassword: generatedAdminPassword ?? null,
    addresses: {
      api: apiAddress ? hostPort(apiAddress.address, apiAddress.port) : '',
      ingest: show(edgeAddresses.http),
      syslogUdp: show(edgeAddresses.syslogUdp),
      syslogTcp: show(edgeAddresses.syslogTcp),
      syslogTls: show(edgeAddresses.syslogTls),
    },
    async stop() {
      ready = false;
      // Edge first (stop intake, flush), then the consumers, then storage.
      await stopAll([...closeables, ...components]);
    },
  };
}
