/**
 * Detection benchmark, on one core:
 * 1. Events per CPU-second through the engine's per-event path: verify each signed batch
 *    (RSA signature over its zstd frame, zstd, protobuf), decode each event's text, run the rules on the batch (they
 *    read their fields from the text; an event is parsed in full only for an alert) and enrich
 *    the events that raise alerts, then apply the batch's hits in their partitions of the hits
 *    topic (correlations, alerts; the event that completes a correlation is enriched there): both
 *    stages of the engine, without the bus between them (that is `engine-kafka.ts`). Enrichment
 *    is configured as a deployment's would be (`enrichment-data.ts`). For reference, the
 *    detection library in one stage (no hits routed), as backtests run it. Measured
 *    with the whole pack and with `--subset` rules of it (100: the issue's figure), taken in the
 *    pack's order with the rules their correlations read. "Detect alone" is the same without
 *    the verify step (texts already decoded). The events are the
 *    realistic mix of `lines.ts` as the edge's own code normalizes them, signed in batches of
 *    2,000 as an edge does; the rules are Vigil's pack through its pipelines. Reported for the
 *    whole path and for detection alone (events already parsed).
 * 2. Correlation state: `--distinct` failed SSH logins, each from its own address, through the
 *    pack (its brute-force correlation groups by source.ip), event time advancing
 *    `--step-ms` per event. The live heap and the number of correlation groups are sampled after
 *    full collections as the events pass: they level off once groups start to expire.
 * Prints one JSON line at the end.
 *
 *   node test/bench/detect.ts [--events 200000] [--rounds 5] [--subset 100] [--distinct 1000000] [--step-ms 10]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { normalizeSyslog, ParserRegistry } from '@vigil/edge';
import { partitionForKey } from '@vigil/bus';
import { BUILTIN_RULES_DIR, DetectionEngine, PartitionedDetection, applyEngineHeapSettings, engineConfigSchema, eventTexts, loadRules, splitHitBundle, type Ruleset } from '@vigil/engine';
import { BatchSigner, BatchVerifier, createCertificateAuthority, generateRsaKeyPair, issueEdgeCertificate } from '@vigil/provenance';
import type { EcsEvent } from '@vigil/schema';
import { edgeBatch } from './edge-batch.ts';
import { VIGIL_NODE_ENV, VIGIL_NODE_FLAGS } from './edge-harness.ts';
import { startEnrichment, writeEnrichmentData } from './enrichment-data.ts';
import { generateMix } from './lines.ts';
import { describeMachine, median } from './machine.ts';

// The engine runs with the same node settings as the edge (bin/vigil); --expose-gc for the live-heap samples.
const FLAGS = [...VIGIL_NODE_FLAGS, '--expose-gc'];
if (!FLAGS.every((flag) => process.execArgv.includes(flag))) {
  const child = spawnSync(process.execPath, [...FLAGS, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, ...VIGIL_NODE_ENV } });
  process.exit(child.status ?? 1);
}

// As `vigil engine` starts its role.
applyEngineHeapSettings(engineConfigSchema.parse({}).heapGrowthPercent);

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    rounds: { type: 'string', default: '5' },
    distinct: { type: 'string', default: '1000000' },
    'step-ms': { type: 'string', default: '10' },
    subset: { type: 'string', default: '100' },
  },
});
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const DISTINCT = Number(values.distinct);
const STEP_MS = Number(values['step-ms']);
const SUBSET = Number(values.subset);
const BATCH_EVENTS = 2_000;
/** Partitions of the hits topic (as Vigil creates it). */
const HIT_PARTITIONS = 4;
const MIX_SEED = 11;
const SAMPLES = 10;

const gc = (globalThis as { gc?: () => void }).gc!;

/** The mix as signed batches, the way an edge publishes them. */
function signedBatches(events: readonly EcsEvent[]): { batches: Buffer[]; verifier: BatchVerifier } {
  const ca = createCertificateAuthority();
  const keys = generateRsaKeyPair();
  const signer = new BatchSigner({ edgeId: 'bench-edge', privateKeyPem: keys.privateKeyPem, certificatePem: issueEdgeCertificate(ca, { edgeId: 'bench-edge', publicKeyPem: keys.publicKeyPem }) });
  const batches: Buffer[] = [];
  for (let first = 0; first < events.length; first += BATCH_EVENTS) {
    batches.push(edgeBatch(signer, 'bench-boot', BigInt(batches.length + 1), events.slice(first, first + BATCH_EVENTS)));
  }
  return { batches, verifier: new BatchVerifier({ caCertificatePem: ca.certificatePem }) };
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
}

/** Median events per CPU-second over the rounds, after one warm-up round. */
function measure(run: () => number): { perCpuSecond: number; rounds: number[]; alerts: number } {
  let alerts = run();
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage();
    alerts += run();
    rounds.push(Math.round(EVENTS / cpuSeconds(start)));
  }
  return { perCpuSecond: median(rounds), rounds, alerts };
}

/** The realistic mix as the edge normalizes it, signed in batches. */
async function mixEvents() {
  const parsers = new ParserRegistry();
  const receivedAt = '2026-11-25T10:00:00.000Z';
  const nowMs = Date.parse(receivedAt);
  const events = generateMix(EVENTS, MIX_SEED).map((entry) => normalizeSyslog(entry.line, receivedAt, 'syslog_tcp', parsers, nowMs).event);
  // Enriched as a deployment's engine enriches them (GeoIP, threat intel, assets: `enrichment-data.ts`).
  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-enrichment-'));
  const enrichment = await startEnrichment(await writeEnrichmentData(dataDir, events));
  const stop = async () => {
    await enrichment.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { ...signedBatches(events), enricher: enrichment.enricher, stop };
}

type Mix = Awaited<ReturnType<typeof mixEvents>>;

/**
 * The mix's texts as the verifier hands them over, for the cases without the verify step. Made
 * just before those cases: held during the others, their ~200 MB would make the engine's heap
 * look far larger to the garbage collector than an engine's is.
 */
function mixTexts(mix: Mix): string[] {
  return mix.batches.flatMap((bytes) => {
    const verified = mix.verifier.verify(bytes);
    if (!verified.ok) throw new Error(`a bench batch did not verify: ${verified.error.message}`);
    return [...eventTexts(verified.batch.events)];
  });
}

const failOnInvalid = () => {
  throw new Error('a bench event is not JSON');
};

/**
 * Both stages of the engine on one batch: the rules over its events, then each hit applied in
 * its partition of the hits topic (as the instance owning all of them would), correlations that
 * fire routed on until none is left. The alerts written.
 */
function detect(engine: PartitionedDetection, texts: Iterable<string>): number {
  let alerts = 0;
  let routed = engine.match(texts, failOnInvalid);
  while (routed.length > 0) {
    const partitions = new Map<number, string[]>();
    for (const message of routed) {
      const partition = partitionForKey(Buffer.from(message.key as string), HIT_PARTITIONS);
      const values = partitions.get(partition);
      if (values) values.push(message.value as string);
      else partitions.set(partition, [message.value as string]);
    }
    routed = [];
    for (const [partition, values] of partitions) {
      const applied = engine.apply(partition, values.flatMap(splitHitBundle));
      alerts += applied.alerts.length;
      routed.push(...applied.forward);
    }
  }
  return alerts;
}

function throughput(ruleset: Ruleset, mix: Mix) {
  const pipeline = measure(() => {
    const engine = new PartitionedDetection(ruleset, { enricher: mix.enricher });
    let alerts = 0;
    for (const bytes of mix.batches) {
      const verified = mix.verifier.verify(bytes);
      if (!verified.ok) throw new Error(`a bench batch did not verify: ${verified.error.message}`);
      alerts += detect(engine, eventTexts(verified.batch.events));
    }
    return alerts;
  });
  const texts = mixTexts(mix);
  const detectOnly = measure(() => {
    const engine = new PartitionedDetection(ruleset, { enricher: mix.enricher });
    let alerts = 0;
    for (let first = 0; first < texts.length; first += BATCH_EVENTS) alerts += detect(engine, texts.slice(first, first + BATCH_EVENTS));
    return alerts;
  });
  texts.length = 0;
  // The detection library in one stage (as backtests and `vigil rules test` run it): no hits routed.
  const singleStage = measure(() => {
    const engine = new DetectionEngine(ruleset, { enricher: mix.enricher });
    let alerts = 0;
    for (const bytes of mix.batches) {
      const verified = mix.verifier.verify(bytes);
      if (!verified.ok) throw new Error(`a bench batch did not verify: ${verified.error.message}`);
      alerts += engine.processTexts(eventTexts(verified.batch.events), failOnInvalid).length;
    }
    return alerts;
  });
  const rules = { total: ruleset.rules.length, detections: ruleset.detections.length, correlations: ruleset.correlations.length };
  return { rules, pipeline, detectOnly, singleStage };
}

/** The first rules of the pack, in its order, with what their correlations read, until there are `count`. */
function firstRules(pack: Ruleset, count: number): Ruleset {
  const ids: string[] = [];
  let subset = pack.subset([]);
  for (const rule of pack.rules) {
    if (subset.rules.length >= count) break;
    const next = pack.subset([...ids, rule.id]);
    if (next.rules.length > count) continue;
    ids.push(rule.id);
    subset = next;
  }
  return subset;
}

/** One failed SSH login from the i-th address, `i * STEP_MS` after the start. */
function failedLogin(i: number, startMs: number): EcsEvent {
  const ip = `10.${(i >>> 16) & 255}.${(i >>> 8) & 255}.${i & 255}`;
  return {
    '@timestamp': new Date(startMs + i * STEP_MS).toISOString(),
    message: `Failed password for root from ${ip} port 52814 ssh2`,
    event: { kind: 'event', category: ['authentication'], type: ['start'], action: 'ssh_login', outcome: 'failure', dataset: 'sshd.auth', module: 'sshd' },
    process: { name: 'sshd', pid: 2400 },
    source: { ip, address: ip, port: 52814 },
    user: { name: 'root' },
  };
}

function correlationMemory(ruleset: Ruleset) {
  const engine = new DetectionEngine(ruleset);
  const startMs = Date.parse('2026-11-25T00:00:00.000Z');
  const samples: { events: number; groups: number; heapMb: number; rssMb: number }[] = [];
  const every = Math.max(1, Math.floor(DISTINCT / SAMPLES));
  for (let i = 0; i < DISTINCT; i++) {
    engine.process(failedLogin(i, startMs));
    if ((i + 1) % every === 0) {
      gc();
      const memory = process.memoryUsage();
      samples.push({ events: i + 1, groups: engine.stats().correlationGroups, heapMb: mb(memory.heapUsed), rssMb: mb(memory.rss) });
    }
  }
  const stats = engine.stats();
  return { distinct: DISTINCT, stepMs: STEP_MS, samples, groupsExpired: stats.groupsExpired, groupsEvicted: stats.groupsEvicted };
}

function mb(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

const pack = await loadRules(BUILTIN_RULES_DIR);
console.log(`machine: ${describeMachine()}`);
// The mix is made and dropped inside, so the correlation-state figures below see only the engine's heap.
const runs = await (async (mix) => {
  const measured = [throughput(firstRules(pack, SUBSET), mix), throughput(pack, mix)];
  await mix.stop();
  return measured;
})(await mixEvents());
for (const run of runs) {
  console.log(`${run.rules.total} rules (${run.rules.detections} single-event, ${run.rules.correlations} correlations):`);
  console.log(`  verify → detect: ${run.pipeline.perCpuSecond} events per CPU-second (rounds ${run.pipeline.rounds.join(', ')})`);
  console.log(`  detect alone: ${run.detectOnly.perCpuSecond} events per CPU-second (rounds ${run.detectOnly.rounds.join(', ')})`);
  console.log(`  verify → detect in one stage (the library): ${run.singleStage.perCpuSecond} events per CPU-second (rounds ${run.singleStage.rounds.join(', ')})`);
}
const memory = correlationMemory(pack);
for (const sample of memory.samples) console.log(`  after ${sample.events} distinct sources: ${sample.groups} groups, live heap ${sample.heapMb} MB, RSS ${sample.rssMb} MB`);
console.log(JSON.stringify({ case: 'detection', events: EVENTS, runs, memory }));
