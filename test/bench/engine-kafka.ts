/**
 * The engine process from Kafka: `vigil engine` (its own process, Vigil's node settings, the
 * whole rule pack, both stages) reading signed batches that four edges published to
 * `vigil.events` on a broker of its own. The bench publishes the realistic mix of `lines.ts`,
 * normalized by the edge's own code and signed in batches of 2,000 (zstd) as an edge sends them,
 * once the engine is idle; it then waits until the engine has matched every event and applied
 * every hit. Reported: events per CPU-second of the engine process (all its threads, from
 * /proc), the wall-clock rate, and the cores it used. Prints one JSON line at the end.
 *
 *   node test/bench/engine-kafka.ts [--events 400000] [--brokers host:port] [--cpu-prof DIR]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { createKafkaBus } from '@vigil/bus';
import { normalizeSyslog, ParserRegistry } from '@vigil/edge';
import { BatchSigner, createCertificateAuthority, generateRsaKeyPair, issueEdgeCertificate } from '@vigil/provenance';
import { TOPICS, compressSignedBatch } from '@vigil/schema';
import { TOPIC_SPECS } from '../../packages/cli/src/topics.ts';
import { startDedicatedKafka, type DedicatedKafka } from '../distributed/cluster.ts';
import { REPO_ROOT, freePort } from '../e2e/harness.ts';
import { VIGIL_NODE_ENV, VIGIL_NODE_FLAGS } from './edge-harness.ts';
import { generateMix } from './lines.ts';
import { describeMachine } from './machine.ts';
import { sampleProcess } from './proc.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '400000' }, brokers: { type: 'string' }, 'cpu-prof': { type: 'string' } } });
const EVENTS = Number(values.events);
const BATCH_EVENTS = 2_000;
const EDGES = ['edge-a', 'edge-b', 'edge-c', 'edge-d'];
const MIX_SEED = 11;

/** The mix, normalized as the edge does, signed in batches keyed by edge (round robin). */
function signedBatches(caDir: string): { caPath: string; messages: { key: string; value: Buffer }[] } {
  const ca = createCertificateAuthority();
  const signers = EDGES.map((edgeId) => {
    const keys = generateRsaKeyPair();
    return new BatchSigner({ edgeId, privateKeyPem: keys.privateKeyPem, certificatePem: issueEdgeCertificate(ca, { edgeId, publicKeyPem: keys.publicKeyPem }) });
  });
  const parsers = new ParserRegistry();
  const receivedAt = new Date().toISOString();
  const nowMs = Date.parse(receivedAt);
  const texts = generateMix(EVENTS, MIX_SEED).map((entry) => Buffer.from(JSON.stringify(normalizeSyslog(entry.line, receivedAt, 'syslog_tcp', parsers, nowMs).event)));
  const messages: { key: string; value: Buffer }[] = [];
  for (let first = 0, index = 0; first < texts.length; first += BATCH_EVENTS, index++) {
    const signer = signers[index % signers.length]!;
    const sequence = BigInt(Math.floor(index / signers.length) + 1);
    const batch = { edgeId: signer.edgeId, bootId: 'bench-boot', sequence, sentAtMs: Date.now(), events: texts.slice(first, first + BATCH_EVENTS) };
    messages.push({ key: signer.edgeId, value: compressSignedBatch(signer.sign(batch)) });
  }
  const caPath = join(caDir, 'ca.crt');
  writeFileSync(caPath, ca.certificatePem);
  return { caPath, messages };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(name) && (line[name.length] === ' ' || line[name.length] === '{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-engine-'));
let kafka: DedicatedKafka | undefined;
let engineProcess: ChildProcess | undefined;
try {
  const brokers = values.brokers ?? (kafka = await startDedicatedKafka(join(dir, 'kafka'))).brokers;
  console.log(`machine: ${describeMachine()}`);
  const { caPath, messages } = signedBatches(dir);
  const bus = await createKafkaBus({ brokers: brokers.split(','), clientId: 'bench-engine-publisher', logLevel: 'error' });
  await bus.ensureTopics([...TOPIC_SPECS]);

  const opsPort = await freePort('tcp');
  const configPath = join(dir, 'config.json');
  writeFileSync(configPath, JSON.stringify({ dataDir: join(dir, 'data'), caCertificatePath: caPath, bus: { kind: 'kafka', kafka: { brokers: brokers.split(',') } }, engine: { ops: { host: '127.0.0.1', port: opsPort } } }));
  const env: NodeJS.ProcessEnv = { ...process.env, ...VIGIL_NODE_ENV, VIGIL_CONFIG: configPath, VIGIL_LOG_LEVEL: 'warn', VIGIL_KAFKA_BROKERS: '', VIGIL_OPENSEARCH_URL: '' };
  const child = (engineProcess = spawn(process.execPath, [...VIGIL_NODE_FLAGS, ...(values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['cpu-prof']}`] : []), join(REPO_ROOT, 'packages/cli/src/main.ts'), 'engine'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr!.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  const metricsUrl = `http://127.0.0.1:${opsPort}/metrics`;
  const deadline = Date.now() + 180_000;
  while (!output.includes('vigil engine running')) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`vigil engine did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Idle: both consumer groups have joined and fetch nothing.
  await new Promise((resolve) => setTimeout(resolve, 3_000));

  const before = sampleProcess(child.pid!);
  const producer = bus.createProducer();
  for (const message of messages) await producer.send(TOPICS.events, [message]);
  await producer.close();
  // Done when every event is matched and stage two has applied every message of the hits topic.
  const kafkaAdmin = new Kafka({ clientId: 'bench-engine-watch', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await kafkaAdmin.connect();
  let last = before;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (child.exitCode !== null) throw new Error(`vigil engine exited:\n${output}`);
    const processed = await metric(metricsUrl, 'vigil_engine_events_processed_total');
    const applied = await metric(metricsUrl, 'vigil_engine_hit_messages_total');
    last = sampleProcess(child.pid!);
    if (processed >= EVENTS) {
      const published = (await kafkaAdmin.fetchTopicOffsets(TOPICS.hits)).reduce((sum, { high }) => sum + Number(high), 0);
      if (applied >= published) break;
    }
    if (last.atMs - before.atMs > 600_000) throw new Error(`the engine did not finish within 10 minutes (${processed} events processed, ${applied} hit messages applied):\n${output}`);
  }
  await kafkaAdmin.disconnect();
  const hits = await metric(metricsUrl, 'vigil_engine_hits_applied_total');
  const cpuSeconds = last.cpuSeconds - before.cpuSeconds;
  const wallSeconds = (last.atMs - before.atMs) / 1000;
  const alerts = await metric(metricsUrl, 'vigil_engine_alerts_published_total');
  const failedBatches = await metric(metricsUrl, 'vigil_bus_handler_errors_total');
  if (failedBatches > 0) throw new Error(`${failedBatches} engine batches failed and were retried:\n${output}`);
  const result = {
    case: 'engine-kafka',
    events: EVENTS,
    hits,
    alerts,
    eventsPerCpuSecond: Math.round(EVENTS / cpuSeconds),
    eventsPerSecond: Math.round(EVENTS / wallSeconds),
    cores: Math.round((cpuSeconds / wallSeconds) * 100) / 100,
    rssPeakMb: Math.round(last.peakRssBytes / 2 ** 20),
  };
  console.log(`engine from Kafka: ${EVENTS} events, ${hits} hit records applied, ${alerts} alerts published`);
  console.log(`  ${result.eventsPerCpuSecond} events per CPU-second of the engine process; ${result.eventsPerSecond} events/s wall clock on ${result.cores} cores; peak RSS ${result.rssPeakMb} MB`);
  child.kill('SIGTERM');
  await once(child, 'exit');
  await bus.close();
  console.log(JSON.stringify(result));
} finally {
  if (engineProcess && engineProcess.exitCode === null) engineProcess.kill('SIGKILL');
  kafka?.stop();
  rmSync(dir, { recursive: true, force: true });
}
