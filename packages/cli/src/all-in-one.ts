import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createApiServer, createSqliteAuthRepository } from '@vigil/api';
import { createEmbeddedBus, type Bus } from '@vigil/bus';
import { createEdge } from '@vigil/edge';
import { createEngine, createDetectionEngine } from '@vigil/engine';
import { createIndexer } from '@vigil/indexer';
import { BatchSigner, BatchVerifier, SequenceCounter, loadOrCreateCa, loadOrEnrollLocalEdge } from '@vigil/provenance';
import { Metrics, startAll, stopAll, type Component, type Logger } from '@vigil/runtime';
import { createSqliteStore, type Store } from '@vigil/store';
import type { VigilConfig } from './config.ts';
import { TOPIC_SPECS } from './topics.ts';

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
 * `vigil start`: the four roles in one process on the embedded bus and the SQLite store.
 * Start order follows the data: store and bus first, then indexer, engine and API, and the
 * edge last, so nothing is accepted before the pipeline behind it is running.
 */
export async function startAllInOne(config: Readonly<VigilConfig>, logger: Logger): Promise<AllInOne> {
  const dataDir = resolve(config.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const metrics = new Metrics();

  const ca = loadOrCreateCa(join(dataDir, 'pki'));
  const identity = loadOrEnrollLocalEdge(join(dataDir, 'edge', 'identity'), ca, config.localEdgeId);

  const bus = await createEmbeddedBus({ ...config.bus.embedded, directory: join(dataDir, 'bus') }, { metrics, logger });
  await bus.ensureTopics([...TOPIC_SPECS]);
  const store = await createSqliteStore({ path: join(dataDir, 'store', 'vigil.db') });
  await store.init();
  const auth = createSqliteAuthRepository(join(dataDir, 'auth.db'));
  const generatedAdminPassword = await auth.ensureAdmin(config.adminPassword);

  const producer = bus.createProducer();
  const verifier = new BatchVerifier({ caCertificatePem: ca.certificatePem });
  const detector = await createDetectionEngine(config.engine);
  let ready = false;

  const indexer = createIndexer(config.indexer, { bus, producer, store, verifier, metrics, logger: logger.child({ role: 'indexer' }) });
  const engine = createEngine(config.engine, {
    bus,
    producer,
    verifier,
    detector,
    stateDir: join(dataDir, 'engine'),
    metrics,
    logger: logger.child({ role: 'engine' }),
  });
  const api = createApiServer(config.api, { store, auth, metrics, logger: logger.child({ role: 'api' }), health: () => ({ ready }) });
  const edge = createEdge(config.edge, {
    producer,
    signer: new BatchSigner(identity),
    sequence: new SequenceCounter(join(dataDir, 'edge', 'sequence')),
    bootId: randomUUID(),
    metrics,
    logger: logger.child({ role: 'edge' }),
    verifyIngestKey: (key: string) => auth.verifyIngestKey(key),
  });

  const components: Component[] = [indexer, engine, api, edge];
  const closeables: Component[] = [
    { name: 'store', start: async () => {}, stop: () => store.close() },
    { name: 'bus', start: async () => {}, stop: () => bus.close() },
    { name: 'auth', start: async () => {}, stop: async () => auth.close() },
  ];
  try {
    await startAll(components);
  } catch (error) {
    await stopAll(closeables);
    throw error;
  }
  ready = true;

  const edgeAddresses = edge.addresses();
  const apiAddress = api.addresses()[0];
  return {
    bus,
    store,
    metrics,
    generatedAdminPassword: generatedAdminPassword ?? null,
    addresses: {
      api: apiAddress ? hostPort(apiAddress.address, apiAddress.port) : '',
      ingest: edgeAddresses.http ? hostPort(edgeAddresses.http.host, edgeAddresses.http.port) : null,
      syslogUdp: edgeAddresses.syslogUdp ? hostPort(edgeAddresses.syslogUdp.host, edgeAddresses.syslogUdp.port) : null,
      syslogTcp: edgeAddresses.syslogTcp ? hostPort(edgeAddresses.syslogTcp.host, edgeAddresses.syslogTcp.port) : null,
    },
    async stop() {
      ready = false;
      // Edge first (stop intake, flush), then the consumers, then storage.
      await stopAll([...closeables, ...components]);
    },
  };
}

/** `host:port`, with IPv6 hosts in brackets and the wildcard address shown as localhost. */
function hostPort(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return shown.includes(':') ? `[${shown}]:${port}` : `${shown}:${port}`;
}
