/**
 * The edge under benchmark, as its own process: assembled exactly as `vigil start` assembles
 * its built-in edge (the CLI's `loadConfig`, `openBus`, `prepareEdge`, `buildEdge` and
 * `buildEdgeControl`: spool, signing, heartbeats, certificate renewal, commands), with the
 * identity enrolled at a local CA in its data directory. The one difference from `vigil edge`
 * is where ingest keys are checked: the remote key verifier (same cache, same code) is given a
 * stand-in for the API that knows one key, `VIGIL_BENCH_INGEST_KEY`, named `bench`.
 *
 * Configuration comes from `VIGIL_CONFIG` and the environment, as for `vigil edge`. Prints
 * `BENCH_EDGE_READY <json addresses>` once listening; SIGTERM stops it gracefully.
 */
import { join } from 'node:path';
import { createRemoteKeyVerifier } from '@vigil/edge';
import { localCaRenewal } from '../../packages/fleet/src/index.ts';
import { loadOrCreateCa, loadOrEnrollLocalEdge } from '@vigil/provenance';
import { Metrics, createLogger, startAll, stopAll, type Component } from '@vigil/runtime';
import { loadConfig } from '../../packages/cli/src/config.ts';
import { stopOnSignal } from '../../packages/cli/src/host.ts';
import { dataDirOf, openBus } from '../../packages/cli/src/infrastructure.ts';
import { buildEdge, buildEdgeControl, prepareEdge } from '../../packages/cli/src/roles.ts';

const READY_MARKER = 'BENCH_EDGE_READY ';

const config = loadConfig();
const ingestKey = process.env.VIGIL_BENCH_INGEST_KEY ?? '';
const logger = createLogger({ level: config.logLevel, name: 'vigil-edge' });
const metrics = new Metrics();
const shared = { config, metrics, logger };

const ca = loadOrCreateCa(join(dataDirOf(config), 'pki'));
const identityDir = join(dataDirOf(config), 'edge', 'identity');
const setup = prepareEdge(shared, loadOrEnrollLocalEdge(identityDir, ca, config.edgeId), identityDir);
const bus = await openBus(config, metrics, logger);
const producer = bus.createProducer();

const api: typeof fetch = async (_url, init) => {
  const authorization = new Headers(init?.headers).get('authorization');
  if (ingestKey !== '' && authorization === `Bearer ${ingestKey}`) return Response.json({ role: 'ingest', name: 'bench' });
  return new Response('{}', { status: 401 });
};
const verifyIngestKey = createRemoteKeyVerifier({ apiUrl: 'http://api.bench.invalid', validTtlMs: 60_000, invalidTtlMs: 5_000, requestTimeoutMs: 5_000, fetch: api });

const edge = buildEdge(shared, producer, setup, verifyIngestKey, ca.certificatePem);
const control = buildEdgeControl(shared, bus, producer, setup, edge, { caPem: ca.certificatePem, renew: localCaRenewal(ca), reloadConfig: () => loadConfig() });
const components: Component[] = [{ name: 'bus', start: async () => {}, stop: () => bus.close() }, edge, ...control];
await startAll(components);
process.stdout.write(`${READY_MARKER}${JSON.stringify(edge.addresses())}\n`);
stopOnSignal(() => stopAll(components), logger);
