import type { Outcome } from './edge-report.ts';

/** What `detect.ts` prints as its last line. */
/** One ruleset's figures. */
export interface DetectRun {
  rules: { total: number; detections: number; correlations: number };
  pipeline: { perCpuSecond: number; rounds: number[] };
  detectOnly: { perCpuSecond: number; rounds: number[] };
  /** The detection library in one stage (no hits routed through the hits topic). */
  singleStage: { perCpuSecond: number; rounds: number[] };
}

/** What `engine-kafka.ts` prints as its last line. */
export interface EngineKafkaFigures {
  events: number;
  hits: number;
  alerts: number;
  eventsPerCpuSecond: number;
  eventsPerSecond: number;
  cores: number;
  /** Events per CPU-second of every round. */
  rounds: number[];
  rssPeakMb: number;
}

/** The target for the engine process reading from Kafka, per core. */
export const ENGINE_KAFKA_TARGET = 20_000;

export interface DetectFigures {
  events: number;
  /** The first rules of the pack (the 100), then the whole pack. */
  runs: DetectRun[];
  memory: { distinct: number; stepMs: number; samples: { events: number; groups: number; heapMb: number; rssMb: number }[]; groupsExpired: number; groupsEvicted: number };
}

/** The targets for the engine's per-event path on one core. */
export const DETECT_TARGET = 100_000;

export const DETECT_HEADING = '## Detection:';

/** The "Detection" section of docs/benchmarks.md. */
export function renderDetectSection(outcome: Outcome<DetectFigures>, kafka: Outcome<EngineKafkaFigures>, notes?: string): string[] {
  const heading = `${DETECT_HEADING} the engine's per-event path on one core`;
  if (!outcome.ok) return [heading, '', `Not run: ${outcome.reason}.`, ''];
  const { result, memoryNs } = outcome;
  const verdict = (value: number, target = DETECT_TARGET) => (value >= target ? `met (≥ ${target.toLocaleString('en-US')})` : `**missed** (${Math.round((value / target) * 100)}% of ${target.toLocaleString('en-US')})`);
  const { memory } = result;
  const rounds = (values: number[]) => values.map((value) => value.toLocaleString('en-US')).join(' / ');
  const rulesText = (run: DetectRun) => `${run.rules.total} (${run.rules.detections} single-event, ${run.rules.correlations} correlations)`;
  return [
    heading,
    '',
    "Vigil's rule pack through its pipelines: its first rules in the pack's order (with the rules their correlations read) and the",
    `whole pack. The events are the edge benchmark's realistic mix (${result.events.toLocaleString('en-US')} lines of \`lines.ts\`) as the edge's own code`,
    'normalizes them and its sealing stamps them (`event.id`, `vigil.edge`, `vigil.batch`: `edge-batch.ts`), in batches of 2,000',
    'compressed and signed as an edge publishes them (the signature over the zstd frame) and handed to detection a batch at a time, as the',
    "engine does: stage one verifies the batch, matches the rules and enriches the events that raise alerts (hits routed as",
    'hits-topic messages), stage two applies the hits in their partitions (correlation windows, alerts) and enriches the event',
    'that completes a correlation, with no bus in between. Enrichment is configured as a deployment would be (`enrichment-data.ts`:',
    'GeoIP city and ASN databases with a network for every public /16, a STIX bundle of 10,000 indicators, an asset inventory',
    'of a quarter of the hosts and the internal networks). "One stage" is the detection library',
    `without routing (as backtests run it), for reference. Median of the rounds after a warm-up round, in one process on one core;`,
    `the memory probe read ${memoryNs} ns per load before the case.`,
    '',
    '| rules | verify → enrich → detect (match, apply) | rounds | target | the same, texts decoded | verify → detect, one stage |',
    '|---|---|---|---|---|---|',
    ...result.runs.map(
      (run) =>
        `| ${rulesText(run)} | ${run.pipeline.perCpuSecond.toLocaleString('en-US')} | ${rounds(run.pipeline.rounds)} | ${verdict(run.pipeline.perCpuSecond)} | ${run.detectOnly.perCpuSecond.toLocaleString('en-US')} | ${run.singleStage.perCpuSecond.toLocaleString('en-US')} |`,
    ),
    '',
    ...engineKafkaLines(kafka, verdict),
    `Correlation state: ${memory.distinct.toLocaleString('en-US')} failed SSH logins, each from its own address, ${memory.stepMs} ms of event time apart, through the`,
    "pack (the brute-force correlation groups by source.ip, 5-minute timespan). Live heap after a full collection (RSS keeps",
    "the high-water mark of the throughput runs before it in the same process):",
    '',
    '| distinct sources so far | correlation groups | live heap | RSS |',
    '|---|---|---|---|',
    ...memory.samples.map((sample) => `| ${sample.events.toLocaleString('en-US')} | ${sample.groups.toLocaleString('en-US')} | ${sample.heapMb} MB | ${sample.rssMb} MB |`),
    '',
    `Groups expired: ${memory.groupsExpired.toLocaleString('en-US')}; evicted at the per-rule cap: ${memory.groupsEvicted.toLocaleString('en-US')}.`,
    '',
    ...(notes ? [notes.trim(), ''] : []),
    'Run it again with `node test/bench/run.ts --only detect` (or `node test/bench/detect.ts` for the figures alone).',
    '',
  ];
}

function engineKafkaLines(outcome: Outcome<EngineKafkaFigures>, verdict: (value: number, target?: number) => string): string[] {
  if (!outcome.ok) return [`The engine process from Kafka: not run: ${outcome.reason}.`, ''];
  const { result, memoryNs } = outcome;
  return [
    `**The engine process from Kafka** (\`engine-kafka.ts\`): \`vigil engine\` as its own process with the whole pack, both stages and the same enrichment, on`,
    `a broker of its own; rounds of ${result.events.toLocaleString('en-US')} events of the same mix from four edges, each published once the engine was idle and`,
    `measured until stage two had applied every hit; the median round. Memory probe ${memoryNs} ns per load.`,
    '',
    '| events per CPU-second of the engine process | rounds | target | events/s (wall clock) | cores used | hit records applied | peak RSS |',
    '|---|---|---|---|---|---|---|',
    `| ${result.eventsPerCpuSecond.toLocaleString('en-US')} | ${result.rounds.map((value) => value.toLocaleString('en-US')).join(' / ')} | ${verdict(result.eventsPerCpuSecond, ENGINE_KAFKA_TARGET)} | ${result.eventsPerSecond.toLocaleString('en-US')} | ${result.cores} | ${result.hits.toLocaleString('en-US')} | ${result.rssPeakMb} MB |`,
    '',
  ];
}
