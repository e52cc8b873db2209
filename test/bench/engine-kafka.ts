/**
 * The engine process from Kafka: `vigil engine` (its own process, Vigil's node settings, the
 * whole rule pack, both stages) reading signed batches that four edges published to
 * `vigil.events` on a broker of its own. The bench publishes the realistic mix of `lines.ts`,
 * normalized by the edge's own code and signed in batches of 2,000 (zstd) as an edge sends them,
 * once the engine is idle; it then waits until the engine has matched every event and applied
 * every hit. That is a round; the median of `--rounds` is reported: events per CPU-second of
 * the engine process (all its threads, from /proc), the wall-clock rate, and the cores it used.
 * Prints one JSON line at the end.
 *
 *   node test/bench/engine-kafka.ts [--events 300000] [--rounds 3] [--brokers host:port] [--cpu-prof DIR]
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
import { TOPICS } from '@vigil/schema';
import { TOPIC_SPECS } from '../../packages/cli/src/topics.ts';
import { startDedicatedKafka, type DedicatedKafka } from '../distributed/cluster.ts';
import { REPO_ROOT, freePort } from '../e2e/harness.ts';
import { VIGIL_NODE_ENV, VIGIL_NODE_FLAGS } from './edge-harness.ts';
import { writeEnrichmentData } from './enrichment-data.ts';
import { edgeBatch } from './edge-batch.ts';
import { generateMix } from './lines.ts';
import { describeMachine } from './machine.ts';
import { sampleProcess } from './proc.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '300000' }, rounds: { type: 'string', default: '3' }, brokers: { type: 'string' }, 'cpu-prof': { type: 'string' } } });
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const BATCH_EVENTS = 2_000;
const EDGES = ['edge-a', 'edge-b', 'edge-c', 'edge-d'];
const MIX_SEED = 11;

/** Four edges' identities under one CA (its certificate written to `caDir`). */
function edgeSigners(caDir: string): { caPath: string; signers: BatchSigner[] } {
  const ca = createCertificateAuthority();
  const signers = EDGES.map((edgeId) => {
    const keys = generateRsaKeyPair();
    return new BatchSigner({ edgeId, privateKeyPem: keys.privateKeyPem, certificatePem: issueEdgeCertificate(ca, { edgeId, publicKeyPem: keys.publicKeyPem }) });
  });
  const caPath = join(caDir, 'ca.crt');
  writeFileSync(caPath, ca.certificatePem);
  return { caPath, signers };
}

/** One round's mix, normalized as the edge does (received now), signed in batches keyed by edge (round robin), sequences going on from earlier rounds. */
function signedBatches(signers: readonly BatchSigner[], round: number): { key: string; value: Buffer }[] {
  const parsers = new ParserRegistry();
  const receivedAt = new Date().toISOString();
  const nowMs = Date.parse(receivedAt);
  // Each round's events come a day after the last round's, as a stream's would: the mix's own times repeat.
  const events = generateMix(EVENTS, MIX_SEED + round).map((entry) => {
    const event = normalizeSyslog(entry.line, receivedAt, 'syslog_tcp', parsers, nowMs).event;
    if (event['@timestamp']) event['@timestamp'] = new Date(Date.parse(event['@timestamp']) + round * 86_400_000).toISOString();
    return event;
  });
  const messages: { key: string; value: Buffer }[] = [];
  const perEdge = Math.ceil(events.length / BATCH_EVENTS / signers.length);
  for (let first = 0, index = 0; first < events.length; first += BATCH_EVENTS, index++) {
    const signer = signers[index % signers.length]!;
    const sequence = BigInt(round * perEdge + Math.floor(index / signers.length) + 1);
    messages.push({ key: signer.edgeId, value: edgeBatch(signer, 'bench-boot', sequence, events.slice(first, first + BATCH_EVENTS)) });
  }
  return messages;
}

async function metric(url: string, name: string): Promise<number> {
  // A kept-alive connection the server closes while the bench prepares the next round fails once: ask again.
  let text: string | undefined;
  for (let attempt = 0; text === undefined; attempt++) {
    try {
      text = await (await fetch(url)).text();
    } catch (error) {
      if (attempt >= 2) throw error;
    }
  }
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
  const { caPath, signers } = edgeSigners(dir);
  const bus = await createKafkaBus({ brokers: brokers.split(','), clientId: 'bench-engine-publisher', logLevel: 'error' });
  await bus.ensureTopics([...TOPIC_SPECS]);

  const opsPort = await freePort('tcp');
  const configPath = join(dir, 'config.json');
  // Enrichment as a deployment configures it (GeoIP, threat intel, assets of the mix's hosts: `enrichment-data.ts`).
  const parsers = new ParserRegistry();
  const enrichment = await writeEnrichmentData(dir, generateMix(EVENTS, MIX_SEED).map((entry) => normalizeSyslog(entry.line, new Date().toISOString(), 'syslog_tcp', parsers, Date.now()).event));
  writeFileSync(configPath, JSON.stringify({ dataDir: join(dir, 'data'), caCertificatePath: caPath, bus: { kind: 'kafka', kafka: { brokers: brokers.split(',') } }, engine: { ops: { host: '127.0.0.1', port: opsPort }, enrichment } }));
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

  // Rounds of the mix, each published once the engine is idle and measured until stage two has applied every hit message.
  const kafkaAdmin = new Kafka({ clientId: 'bench-engine-watch', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await kafkaAdmin.connect();
  const rounds: { eventsPerCpuSecond: number; eventsPerSecond: number; cores: number; hits: number }[] = [];
  let peakRssBytes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const messages = signedBatches(signers, round);
    const hitsBefore = await metric(metricsUrl, 'vigil_engine_hits_applied_total');
    const before = sampleProcess(child.pid!);
    const producer = bus.createProducer();
    for (const message of messages) await producer.send(TOPICS.events, [message]);
    await producer.close();
    let last = before;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      if (child.exitCode !== null) throw new Error(`vigil engine exited:\n${output}`);
      const processed = await metric(metricsUrl, 'vigil_engine_events_processed_total');
      const applied = await metric(metricsUrl, 'vigil_engine_hit_messages_total');
      last = sampleProcess(child.pid!);
      if (processed >= EVENTS * (round + 1)) {
        const published = (await kafkaAdmin.fetchTopicOffsets(TOPICS.hits)).reduce((sum, { high }) => sum + Number(high), 0);
        if (applied >= published) break;
      }
      if (last.atMs - before.atMs > 600_000) throw new Error(`the engine did not finish within 10 minutes (${processed} events processed, ${applied} hit messages applied):\n${output}`);
    }
    const cpuSeconds = last.cpuSeconds - before.cpuSeconds;
    const wallSeconds = (last.atMs - before.atMs) / 1000;
    peakRssBytes = last.peakRssBytes;
    rounds.push({
      eventsPerCpuSecond: Math.round(EVENTS / cpuSeconds),
      eventsPerSecond: Math.round(EVENTS / wallSeconds),
      cores: Math.round((cpuSeconds / wallSeconds) * 100) / 100,
      hits: (await metric(metricsUrl, 'vigil_engine_hits_applied_total')) - hitsBefore,
    });
    console.log(`  round ${round + 1}: ${rounds.at(-1)!.eventsPerCpuSecond} events per CPU-second, ${rounds.at(-1)!.eventsPerSecond} events/s on ${rounds.at(-1)!.cores} cores`);
  }
  await kafkaAdmin.disconnect();
  const alerts = await metric(metricsUrl, 'vigil_engine_alerts_published_total');
  const failedBatches = await metric(metricsUrl, 'vigil_bus_handler_errors_total');
  if (failedBatches > 0) throw new Error(`${failedBatches} engine batches failed and were retried:\n${output}`);
  const middle = [...rounds].sort((a, b) => a.eventsPerCpuSecond - b.eventsPerCpuSecond)[Math.floor(rounds.length / 2)]!;
  const result = {
    case: 'engine-kafka',
    events: EVENTS,
    hits: middle.hits,
    alerts,
    eventsPerCpuSecond: middle.eventsPerCpuSecond,
    eventsPerSecond: middle.eventsPerSecond,
    cores: middle.cores,
    rounds: rounds.map((entry) => entry.eventsPerCpuSecond),
    rssPeakMb: Math.round(peakRssBytes / 2 ** 20),
  };
  console.log(`engine from Kafka: ${ROUNDS} rounds of ${EVENTS} events; the median round: ${result.hits} hit records applied`);
  console.log(`  ${result.eventsPerCpuSecond} events per CPU-second of the engine process (rounds ${result.rounds.join(', ')}); ${result.eventsPerSecond} events/s wall clock on ${result.cores} cores; ${alerts} alerts published in all; peak RSS ${result.rssPeakMb} MB`);
  child.kill('SIGTERM');
  await once(child, 'exit');
  await bus.close();
  console.log(JSON.stringify(result));
} finally {
  if (engineProcess && engineProcess.exitCode === null) engineProcess.kill('SIGKILL');
  kafka?.stop();
  rmSync(dir, { recursive: true, force: true });
}
