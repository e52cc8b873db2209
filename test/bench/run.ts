/**
 * Runs Vigil's benchmarks, each case in its own process, prints the figures with the machine,
 * and writes docs/benchmarks.md. Cases whose prerequisites are missing are reported "not run".
 *
 *   node test/bench/run.ts [--only edge|detect|search|latency] [--soak-seconds N] [--shared-kafka]
 *
 * - Edge cases: parse+normalize, TCP and HTTP ingest on the embedded bus and on Kafka, rsyslog
 *   as a reference peer (needs `rsyslogd`), and a memory soak. The Kafka cases need
 *   VIGIL_KAFKA_BROKERS (deploy/local/stack.sh start kafka; eval "$(deploy/local/stack.sh env)").
 *   They run against a broker of their own, started with the same stack script in a temp dir
 *   and stopped afterwards: the benchmark publishes millions of events to `vigil.events`, and on
 *   the shared broker the next engine or indexer (fixed consumer groups) would have to read them
 *   all. `--shared-kafka` uses the VIGIL_KAFKA_BROKERS broker itself.
 * - The soak runs for 60 s unless VIGIL_BENCH_SOAK_SECONDS or --soak-seconds says otherwise
 *   (600 for the 10-minute check the docs report), at 75% of the TCP rate measured on the same
 *   bus in the same run.
 * - Detection: the engine's per-event path on one core with the rule pack, and its correlation
 *   state under a million distinct group-by values (`detect.ts`); the engine process reading
 *   from Kafka, on a broker of its own (`engine-kafka.ts`).
 * - Search: analysts' field queries with time ranges over 1,000,000 events in the SQLite store
 *   (`search.ts`), against the issue's target of p95 under 500 ms. test/bench/search-notes.md,
 *   the hand-written reading of those figures, is copied under them.
 * - Latency cases: end-to-end latency, all-in-one and distributed (needs VIGIL_KAFKA_BROKERS and
 *   VIGIL_OPENSEARCH_URL).
 * - The ingest cases run three times (`INGEST_RUNS`: at the start, before the soak, after the
 *   soak), and each is reported as the median of all its runs' rounds (every run listed), as the
 *   parse mix is: this machine has slow phases of minutes. Before each case the runner takes its
 *   memory probe (`MemoryProbe`), and the report lists it next to each run's figure, so that
 *   every figure says which phase it was taken in.
 * - With --only, the other sections of docs/benchmarks.md are kept as they are.
 * - test/bench/edge-notes.md and test/bench/detect-notes.md, when present, are copied under the
 *   edge and detection figures: the hand-written reading of the latest profiles (what limits the
 *   figures and what to change).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { startDedicatedKafka, type DedicatedKafka } from '../distributed/cluster.ts';
import { REPO_ROOT } from '../e2e/harness.ts';
import { DETECT_HEADING, renderDetectSection, type DetectFigures, type EngineKafkaFigures } from './detect-report.ts';
import { renderEdgeSection, type EdgeResults, type IngestFigures, type Outcome, type ParseFigures, type RsyslogFigures, type SoakFigures } from './edge-report.ts';
import { MemoryProbe, describeMachine } from './machine.ts';
import { SEARCH_HEADING, renderSearchSection, type SearchFigures } from './search-report.ts';

const DOC = join(REPO_ROOT, 'docs/benchmarks.md');
// Hand-written analysis of the edge figures (profiles, causes), kept next to the code and dated.
const EDGE_NOTES = join(REPO_ROOT, 'test/bench/edge-notes.md');
const SEARCH_NOTES = join(REPO_ROOT, 'test/bench/search-notes.md');
const DETECT_NOTES = join(REPO_ROOT, 'test/bench/detect-notes.md');
const EDGE_HEADING = '## Edge:';
const LATENCY_HEADING = '## End-to-end latency';
const SOAK_DEFAULT_SECONDS = 60;
const SOAK_RATE_SHARE = 0.75;

const { values } = parseArgs({ options: { only: { type: 'string' }, 'soak-seconds': { type: 'string' }, 'shared-kafka': { type: 'boolean', default: false } } });
const only = values.only;
const SECTIONS = ['edge', 'detect', 'search', 'latency'] as const;
type Section = (typeof SECTIONS)[number];
if (only !== undefined && !SECTIONS.includes(only as Section)) throw new Error('--only takes edge, detect, search or latency');

const memoryProbe = new MemoryProbe();

/** Runs one case script, echoing its output; resolves with its last line parsed as JSON. */
async function runCase<T>(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Outcome<T>> {
  const loadAverage = loadavg()[0]!;
  const memoryNs = memoryProbe.nanosecondsPerLoad();
  console.log(`memory probe before ${script} ${args.join(' ')}: ${memoryNs} ns per load`);
  const child = spawn(process.execPath, [join(REPO_ROOT, 'test/bench', script), ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    process.stdout.write(chunk);
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const last = output.trim().split('\n').pop() ?? '';
  if (code !== 0 || !last.startsWith('{')) return { ok: false, reason: `failed (exit ${code}; see the runner's output)` };
  return { ok: true, result: JSON.parse(last) as T, loadAverage, memoryNs };
}

/** The part of the current docs/benchmarks.md from `heading` to the next section, or null. */
function existingSection(heading: string): string[] | null {
  let text: string;
  try {
    text = readFileSync(DOC, 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(heading));
  if (start < 0) return null;
  const end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  return lines.slice(start, end < 0 ? lines.length : end);
}

const INGEST_CASES = [
  { bus: 'embedded', input: 'tcp' },
  { bus: 'embedded', input: 'http' },
  { bus: 'kafka', input: 'tcp' },
  { bus: 'kafka', input: 'http' },
] as const;

async function edgeCases(): Promise<EdgeResults> {
  const parse = await runCase<ParseFigures>('parse.ts', []);
  const brokers = process.env.VIGIL_KAFKA_BROKERS;
  let kafka: DedicatedKafka | undefined;
  let kafkaDir: string | undefined;
  let kafkaNote = 'Kafka cases not run: VIGIL_KAFKA_BROKERS is not set.';
  const kafkaEnv: NodeJS.ProcessEnv = { ...process.env };
  if (brokers && values['shared-kafka']) {
    kafkaNote = `Kafka: the shared broker at ${brokers} (Kafka 3.9, KRaft, one broker on the same machine).`;
  } else if (brokers) {
    kafkaDir = mkdtempSync(join(tmpdir(), 'vigil-bench-kafka-'));
    kafka = await startDedicatedKafka(kafkaDir);
    kafkaEnv.VIGIL_KAFKA_BROKERS = kafka.brokers;
    kafkaNote = 'Kafka: a broker of the benchmark\'s own (`deploy/local/stack.sh`, Kafka 3.9, KRaft, one broker) on the same machine, so the shared test broker is not filled with benchmark events.';
  }
  try {
    const runIngest = async (): Promise<Outcome<IngestFigures>[]> => {
      const outcomes: Outcome<IngestFigures>[] = [];
      for (const { bus, input } of INGEST_CASES) {
        outcomes.push(bus === 'kafka' && !brokers ? { ok: false, reason: 'not run (VIGIL_KAFKA_BROKERS not set)' } : await runCase<IngestFigures>('edge-ingest.ts', [bus, input], kafkaEnv));
      }
      return outcomes;
    };
    const first = await runIngest();
    const parseAgain = [await runCase<ParseFigures>('parse.ts', ['--mix-only'])];
    const rsyslog = await runCase<RsyslogFigures>('rsyslog.ts', []);
    const beforeSoak = await runIngest();
    const soakBus = brokers ? 'kafka' : 'embedded';
    const measured = first[INGEST_CASES.findIndex((entry) => entry.bus === soakBus && entry.input === 'tcp')];
    const seconds = Number(values['soak-seconds'] ?? process.env.VIGIL_BENCH_SOAK_SECONDS ?? SOAK_DEFAULT_SECONDS);
    let soak: EdgeResults['soak'];
    if (measured?.ok) {
      const rate = Math.max(1_000, Math.floor((measured.result.eventsPerSecond * SOAK_RATE_SHARE) / 1_000) * 1_000);
      const rateNote = `${Math.round(SOAK_RATE_SHARE * 100)}% of the ${measured.result.eventsPerSecond.toLocaleString('en-US')} events/s measured above, rounded down`;
      soak = { ...(await runCase<SoakFigures>('soak.ts', [soakBus, '--rate', String(rate), '--duration', String(seconds)], kafkaEnv)), rateNote };
    } else {
      soak = { ok: false, reason: `the TCP → ${soakBus} case did not run, so there is no rate to hold`, rateNote: '' };
    }
    // Like the parse mix, each ingest case is reported as the median of all its runs' rounds.
    const afterSoak = await runIngest();
    parseAgain.push(await runCase<ParseFigures>('parse.ts', ['--mix-only']));
    const ingest = INGEST_CASES.map((entry, index) => ({ ...entry, runs: [first[index]!, beforeSoak[index]!, afterSoak[index]!] }));
    return { parse, parseAgain, ingest, rsyslog, soak, kafkaNote };
  } finally {
    kafka?.stop();
    if (kafkaDir) rmSync(kafkaDir, { recursive: true, force: true });
  }
}

interface LatencyCase {
  title: string;
  mode: 'embedded' | 'distributed';
  needs: string[];
}

const BACKGROUND_RATE = '2000';
const SAMPLES = '40';
const LATENCY_CASES: LatencyCase[] = [
  { title: 'End-to-end latency, all-in-one (embedded bus, SQLite)', mode: 'embedded', needs: [] },
  { title: 'End-to-end latency, distributed (Kafka, OpenSearch, separate roles)', mode: 'distributed', needs: ['VIGIL_KAFKA_BROKERS', 'VIGIL_OPENSEARCH_URL'] },
];

async function latencySection(): Promise<string[]> {
  const rows: string[] = [];
  for (const benchmark of LATENCY_CASES) {
    const missing = benchmark.needs.filter((name) => !process.env[name]);
    if (missing.length > 0) {
      console.log(`skipped ${benchmark.title}: ${missing.join(', ')} not set`);
      rows.push(`| ${benchmark.title} | not run (${missing.join(', ')} not set) | | | |`);
      continue;
    }
    const outcome = await runCase<{ backgroundEventsPerSecond: number; p50Ms: number; p99Ms: number; samples: number }>('latency.ts', [benchmark.mode, BACKGROUND_RATE, SAMPLES]);
    if (!outcome.ok) {
      rows.push(`| ${benchmark.title} | ${outcome.reason} | | | |`);
      continue;
    }
    const result = outcome.result;
    rows.push(`| ${benchmark.title} | ${result.backgroundEventsPerSecond} events/s | ${result.samples} | ${result.p50Ms} ms | ${result.p99Ms} ms |`);
  }
  return [
    '## End-to-end latency: edge receipt → alert visible through the API',
    '',
    'Each sample sends nine failed SSH logins from a fresh source over TCP syslog, then the tenth, and',
    'polls `GET /api/v1/alerts` every 10 ms until the brute-force alert for that source is there. The',
    'time runs from sending the tenth line to seeing the alert. A steady load of HTTP events (batches of 100) runs',
    'in the background at the stated rate. Everything (Kafka, OpenSearch, the roles and the load',
    'generator) shares the one machine.',
    '',
    '| case | background rate | samples | p50 | p99 |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ];
}

const machine = describeMachine();
console.log(`machine: ${machine}`);
const runs = (section: Section) => only === undefined || only === section;
const edge = runs('edge') ? renderEdgeSection(await edgeCases(), existsSync(EDGE_NOTES) ? readFileSync(EDGE_NOTES, 'utf8') : undefined) : existingSection(EDGE_HEADING);
const detect = runs('detect')
  ? renderDetectSection(
      await runCase<DetectFigures>('detect.ts', []),
      await runCase<EngineKafkaFigures>('engine-kafka.ts', []),
      existsSync(DETECT_NOTES) ? readFileSync(DETECT_NOTES, 'utf8') : undefined,
    )
  : existingSection(DETECT_HEADING);
const search = runs('search')
  ? renderSearchSection(
      await runCase<SearchFigures>('search.ts', []),
      existsSync(SEARCH_NOTES) ? readFileSync(SEARCH_NOTES, 'utf8') : undefined,
      process.env.VIGIL_OPENSEARCH_URL ? await runCase<SearchFigures>('search.ts', ['--store', 'opensearch']) : undefined,
    )
  : existingSection(SEARCH_HEADING);
const latency = runs('latency') ? await latencySection() : existingSection(LATENCY_HEADING);
const document = [
  '# Benchmarks',
  '',
  '<!-- Written by `node test/bench/run.ts`; each case runs in its own process. -->',
  '',
  `Machine: ${machine}. Run on ${new Date().toISOString().slice(0, 10)}${only ? ` (${only} cases; the other sections are from earlier runs)` : ''}.`,
  '',
  ...(edge ?? []),
  ...(detect ?? []),
  ...(search ?? []),
  ...(latency ?? []),
];
writeFileSync(DOC, `${document.join('\n').trimEnd()}\n`);
console.log('wrote docs/benchmarks.md');
