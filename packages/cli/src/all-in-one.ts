import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createSqliteAuthRepository } from '@vigil/api';
import type { Bus } from '@vigil/bus';
import { loadOrCreateCa, loadOrEnrollLocalEdge } from '@vigil/provenance';
import { Metrics, startAll, stopAll, type Component, type Logger } from '@vigil/runtime';
import type { Store } from '@vigil/store';
import type { VigilConfig } from './config.ts';
import { dataDirOf, openBus, openStore } from './infrastructure.ts';
import { buildApi, buildEdge, buildEngine, buildIndexer, hostPort } from './roles.ts';

export interface AllInOne {
  bus: Bus;
  store: Store;
  metrics: Metrics;
  /** The admin password when it was generated at this start (print it once), else null. */
  generatedAdminPassword: string | null;
  addresses: { api: string; ingest: string | null; syslogUdp: string | null; syslogTcp: string | null };
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
  const identity = loadOrEnrollLocalEdge(join(dataDir, 'edge', 'identity'), ca, config.edgeId);

  const bus = await openBus(config, metrics, logger);
  const store = await openStore(config, metrics, logger);
  const auth = createSqliteAuthRepository(join(dataDir, 'auth.db'));
  const closeables: Component[] = [
    { name: 'store', start: async () => {}, stop: () => store.close() },
    { name: 'bus', start: async () => {}, stop: () => bus.close() },
    { name: 'auth', start: async () => {}, stop: async () => auth.close() },
  ];
  let ready = false;
  let components: Component[] = [];
  let generatedAdminPassword: string | undefined;
  const producer = bus.createProducer();
  const edge = buildEdge(shared, producer, identity, (key) => auth.verifyIngestKey(key));
  const api = buildApi(shared, store, auth, () => ready);
  try {
    generatedAdminPassword = await auth.ensureAdmin(config.adminPassword);
    components = [
      buildIndexer(shared, bus, producer, store, ca.certificatePem),
      await buildEngine(shared, bus, producer, ca.certificatePem),
      api,
      edge,
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
    },
    async stop() {
      ready = false;
      // Edge first (stop intake, flush), then the consumers, then storage.
      await stopAll([...closeables, ...components]);
    },
  };
}
