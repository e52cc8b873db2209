import { cpus } from 'node:os';
import { median } from './machine.ts';

/**
 * The "Edge" section of docs/benchmarks.md, from the JSON lines the edge cases print
 * (parse.ts, edge-ingest.ts, rsyslog.ts, soak.ts).
 */

/**
 * A case's figures, or why it has none. `memoryNs`: the runner's memory probe just before the case
 * (`MemoryProbe`), higher in the machine's slow phases.
 */
export type Outcome<T> = { ok: true; result: T; loadAverage: number; memoryNs: number } | { ok: false; reason: string };

export interface ParseFigures {
  lines: number;
  averageLineBytes: number;
  linesPerCpuSecond: number;
  linesPerSecond: number;
  /** The same mix normalized one line at a time (the UDP path). */
  lineByLinePerCpuSecond: number;
  families: Record<string, { share: number; linesPerCpuSecond: number; status: { parsed: number; partial: number; unparsed: number } }>;
  sources: Record<string, { linesPerCpuSecond: number; family: string }>;
}

export interface IngestFigures {
  bus: string;
  input: 'tcp' | 'http';
  events: number;
  warmup: number;
  eventsPerSecond: number;
  eventsPerCpuSecond: number;
  edgeCores: number;
  rssPeakMb: number;
  connections?: number;
  concurrency?: number;
  retries?: number;
  /** CPU seconds of the measured rounds per kind of thread (main, v8-workers, libuv-pool, other). */
  threadSeconds?: Record<string, number>;
  perRound?: { eventsPerSecond: number; eventsPerCpuSecond: number }[];
}

export type RsyslogFigures = { notRun: string } | { version: string; eventsPerSecond: number; eventsPerCpuSecond: number; cores: number; rssPeakMb: number };

export interface SoakFigures {
  bus: string;
  targetRate: number;
  achievedRate: number;
  durationSeconds: number;
  events: number;
  rssIdleMb: number;
  rssStartMb: number;
  rssMaxMb: number;
  rssEndMb: number;
  slopeMbPerMinute: number;
  verdict: string;
}

export interface EdgeResults {
  parse: Outcome<ParseFigures>;
  /** The mix measured again later in the run (`parse.ts --mix-only`): this machine has slow phases of seconds to minutes. */
  parseAgain: Outcome<ParseFigures>[];
  /** Each ingest case's runs, in the order they ran (`INGEST_RUNS` says when), the first one first. */
  ingest: { bus: 'embedded' | 'kafka'; input: 'tcp' | 'http'; runs: Outcome<IngestFigures>[] }[];
  rsyslog: Outcome<RsyslogFigures>;
  soak: Outcome<SoakFigures> & { rateNote: string };
  kafkaNote: string;
}

/** When the benchmark runner runs each ingest case (run.ts), in order. */
export const INGEST_RUNS = ['at the start', 'before the soak', 'after the soak'] as const;

export const TARGETS = { parse: 150_000, tcpKafka: 50_000, http: 30_000, rssMb: 250 } as const;

const number = (value: number) => Math.round(value).toLocaleString('en-US');
const verdict = (value: number, target: number) => (value >= target ? 'met' : `**missed** (${Math.round((100 * value) / target)}%)`);

/** Markdown for the Edge section; `notes` (hand-written analysis, markdown) goes after the figures. */
export function renderEdgeSection(results: EdgeResults, notes?: string): string[] {
  const rows: string[] = [];
  const { parse, rsyslog, soak } = results;
  if (parse.ok) {
    const p = parse.result;
    const measured = [parse, ...results.parseAgain].flatMap((outcome) => (outcome.ok ? [outcome] : []));
    const runs = measured.map((outcome) => outcome.result);
    const perCpu = median(runs.map((run) => run.linesPerCpuSecond));
    const perWall = median(runs.map((run) => run.linesPerSecond));
    const spread = runs.length > 1 ? `<br>median of ${runs.length} runs spread over the benchmark: ${measured.map((outcome) => withProbe(outcome.result.linesPerCpuSecond, outcome)).join(', ')}` : '';
    rows.push(`| Parse + normalize, realistic mix, 64 KB reads as TCP/TLS hand them over (one thread) | ${number(perWall)} lines/s | **${number(perCpu)} lines/s**${spread} | ≥ ${number(TARGETS.parse)} lines/s: ${verdict(perCpu, TARGETS.parse)} | 1 thread | — | — |`);
    rows.push(`| Parse + normalize, the same mix line by line as UDP hands it over (one thread) | | ${number(p.lineByLinePerCpuSecond)} lines/s | — | 1 thread | — | — |`);
  } else rows.push(`| Parse + normalize, realistic mix (one thread) | ${parse.reason} | | ≥ ${number(TARGETS.parse)} lines/s | | | |`);
  const reference = rsyslog.ok && 'eventsPerCpuSecond' in rsyslog.result ? rsyslog.result : undefined;
  for (const { bus, input, runs } of results.ingest) {
    const outcome = runs[0]!;
    const title = `${input === 'tcp' ? 'TCP syslog (octet counted)' : 'HTTP NDJSON, batches of 100'} → ${bus === 'kafka' ? 'Kafka' : 'embedded bus'}`;
    const target = input === 'http' ? TARGETS.http : bus === 'kafka' ? TARGETS.tcpKafka : undefined;
    const combined = combineRuns(runs);
    const targetCell = target === undefined ? '—' : `≥ ${number(target)}/s${combined ? `: ${verdict(combined.eventsPerCpuSecond, target)}` : ''}`;
    if (!combined) {
      rows.push(`| ${title} | ${outcome.ok ? '' : outcome.reason} | | ${targetCell} | | | |`);
      continue;
    }
    const ratio = input === 'tcp' && reference ? (combined.eventsPerCpuSecond / reference.eventsPerCpuSecond).toFixed(2) : '—';
    rows.push(`| ${title} | ${number(combined.eventsPerSecond)}/s | **${number(combined.eventsPerCpuSecond)}/s**${combined.spread} | ${targetCell} | ${combined.edgeCores} | ${combined.rssPeakMb} MB | ${ratio} |`);
  }
  if (reference) {
    rows.push(`| rsyslog ${reference.version} (reference): imtcp → omfile, JSON template | ${number(reference.eventsPerSecond)}/s | **${number(reference.eventsPerCpuSecond)}/s**${rsyslog.ok ? ` (${rsyslog.memoryNs} ns)` : ''} | — | ${reference.cores} | ${reference.rssPeakMb} MB | 1 |`);
  } else rows.push(`| rsyslog (reference) | not run: ${rsyslog.ok && 'notRun' in rsyslog.result ? rsyslog.result.notRun : rsyslog.ok ? '' : rsyslog.reason} | | | | | |`);

  const figures = (input: 'tcp' | 'http') => results.ingest.map((entry) => entry.runs[0]!).find((o): o is Extract<Outcome<IngestFigures>, { ok: true }> => o.ok && o.result.input === input);
  const tcp = figures('tcp');
  const http = figures('http');
  const loads = [parse, ...results.parseAgain, ...results.ingest.flatMap((entry) => entry.runs), rsyslog, soak].filter((o) => o.ok).map((o) => (o as { loadAverage: number }).loadAverage);
  return [
    '## Edge: parse, ingest and memory',
    '',
    'Throughput of the edge collector on a realistic line mix (`test/bench/lines.ts`): the edge\'s own fixture lines',
    '(`packages/edge/testdata/**`) weighted like a Linux and web estate — 30% web access/error and HAProxy, 15% sshd and',
    'PAM, 10% sudo/su/cron/systemd/accounts, 10% netfilter, 10% auditd, 10% CEF/LEEF/kv appliances, 5% JSON, 10% other',
    '(generic programs, odd headers, lines no parser knows) — with RFC 3164 (65%) and RFC 5424 (35%) headers, thousands of',
    'hosts, random addresses, source ports and user names. Seeded, so every run and rsyslog see the same lines.',
    parse.ok ? `Average line: ${parse.result.averageLineBytes} bytes.` : '',
    '',
    '- **per core** is events per CPU-second of the edge process: its utime + stime from `/proc/<pid>/stat` (all threads:',
    '  JavaScript, garbage collector, libuv, Kafka client) over the measured run, so a figure does not depend on how many',
    '  cores the machine has or on what else runs. The load generator and the bus counter run in another process.',
    '  *events/s* is wall clock, from the first byte sent to the bus holding the last event (counted from the bus, not',
    '  the sender). *edge cores* is CPU-seconds per wall second.',
    '- The edge runs as `vigil start` assembles it (`test/bench/edge-process.ts`: config defaults, spool on with fsync',
    '  `interval`, signing, heartbeats, commands); the only changes are loopback ports and no HTTP rate limit for the',
    '  benchmark key (the default is 10,000 events/s per key). Each case: a warm-up, then three rounds of the measured',
    `  events. Each ingest case runs ${INGEST_RUNS.length} times (${INGEST_RUNS.join(', ')}) and is reported as the median of the rounds`,
    '  of all its runs (each run\'s own median listed): like the parse mix, because this machine has slow phases of minutes',
    '  in which the same build measures up to a fifth less, and up to two fifths in the worst of them.',
    '- *(N ns)* after a run\'s figure: the runner\'s memory probe just before that run, in nanoseconds per load of a chase',
    '  through a random cycle over 32 MB (`MemoryProbe` in `test/bench/machine.ts`). It rises in the machine\'s slow phases,',
    '  when another tenant competes for cache and memory, and says which phase a figure was taken in.',
    `- TCP: ${tcp ? `${number(tcp.result.warmup)} + ${number(tcp.result.events)} lines on ${tcp.result.connections} connections` : 'see the commands'}, as fast as the edge reads them. HTTP: ${http ? `${number(http.result.warmup)} + ${number(http.result.events)} events, ${http.result.concurrency} requests in flight, each answered once durable` : 'see the commands'}; the events are the mix normalized to ECS, as an integrator would send them.`,
    '- *rsyslog ratio* = Vigil\'s events per CPU-second ÷ rsyslog\'s, on the same lines over the same TCP connections.',
    '  rsyslog only parses the header and writes a JSON line to a file; the edge also parses the message into ECS,',
    '  signs batches, spools them to disk and publishes to the bus.',
    `- ${results.kafkaNote}`,
    loads.length > 0 ? `- Machine load (1-minute load average at the start of the cases): ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)} on ${cpus().length} cores; the machine was shared with other work.` : '',
    '',
    '| case | events/s (wall clock) | per core (events per CPU-second) | target (per core) | edge cores | edge RSS peak | rsyslog ratio |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...renderThreads(results.ingest),
    ...renderFamilies(parse),
    ...renderSoak(soak),
    ...(notes ? [notes.trim(), ''] : []),
    '### Commands',
    '',
    '```sh',
    'apt-get install -y rsyslog                                  # the reference peer (optional)',
    'deploy/local/stack.sh start kafka; eval "$(deploy/local/stack.sh env)"   # for the Kafka cases',
    'node test/bench/run.ts --only edge                          # all edge cases, writes this file',
    'VIGIL_BENCH_SOAK_SECONDS=600 node test/bench/run.ts --only edge   # with the 10-minute memory soak',
    'node test/bench/parse.ts                                    # one case on its own',
    'node test/bench/edge-ingest.ts kafka tcp --cpu-prof /tmp/prof && node test/bench/profile-top.ts /tmp/prof/*.cpuprofile',
    'node test/bench/soak.ts kafka --rate 10000 --duration 600',
    '```',
    '',
  ].filter((line, index, all) => line !== '' || all[index - 1] !== '');
}

/**
 * One ingest case over its runs: the median of every measured round of every run (per core and
 * wall clock), the highest RSS peak, and the runs' own figures listed when there are several.
 */
export function combineRuns(outcomes: Outcome<IngestFigures>[]): { eventsPerSecond: number; eventsPerCpuSecond: number; edgeCores: number; rssPeakMb: number; spread: string } | undefined {
  const measured = outcomes.flatMap((outcome) => (outcome.ok ? [outcome] : []));
  const runs = measured.map((outcome) => outcome.result);
  if (runs.length === 0) return undefined;
  const rounds = runs.flatMap((run) => run.perRound ?? [{ eventsPerSecond: run.eventsPerSecond, eventsPerCpuSecond: run.eventsPerCpuSecond }]);
  const spread = runs.length > 1 ? `<br>median of ${rounds.length} rounds in ${runs.length} runs (${INGEST_RUNS.slice(0, runs.length).join(', ')}): ${measured.map((outcome) => withProbe(outcome.result.eventsPerCpuSecond, outcome)).join(', ')}` : '';
  return {
    eventsPerSecond: median(rounds.map((round) => round.eventsPerSecond)),
    eventsPerCpuSecond: median(rounds.map((round) => round.eventsPerCpuSecond)),
    edgeCores: Math.round(median(runs.map((run) => run.edgeCores)) * 100) / 100,
    rssPeakMb: Math.max(...runs.map((run) => run.rssPeakMb)),
    spread,
  };
}

/** A run's figure with the memory probe taken just before it. */
function withProbe(figure: number, outcome: { memoryNs: number }): string {
  return `${number(figure)} (${outcome.memoryNs} ns)`;
}

function renderThreads(ingest: EdgeResults['ingest']): string[] {
  const rows = ingest.flatMap(({ bus, input, runs }) => {
    const outcome = runs[0]!;
    const threads = outcome.ok ? outcome.result.threadSeconds : undefined;
    if (!threads) return [];
    const total = Object.values(threads).reduce((sum, seconds) => sum + seconds, 0);
    const share = (kind: string) => `${Math.round((100 * (threads[kind] ?? 0)) / total)}%`;
    return [`| ${input === 'tcp' ? 'TCP' : 'HTTP'} → ${bus === 'kafka' ? 'Kafka' : 'embedded bus'} | ${share('main')} | ${share('v8-workers')} | ${share('libuv-pool')} | ${share('other')} |`];
  });
  if (rows.length === 0) return [];
  return [
    '### Where the edge\'s CPU goes, by thread',
    '',
    'Share of the edge process\'s CPU-seconds in the measured rounds, per thread (`/proc/<pid>/task`): the main thread runs',
    'all JavaScript and the garbage collector\'s pauses; V8\'s workers run concurrent marking and sweeping and the',
    'optimizing compilers; the libuv pool runs file writes, fsync and crypto work handed off by Node.',
    '',
    '| case | main thread | V8 workers (GC, compilers) | libuv pool | other |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ];
}

function renderFamilies(parse: Outcome<ParseFigures>): string[] {
  if (!parse.ok) return [];
  const families = Object.entries(parse.result.families);
  const slowest = Object.entries(parse.result.sources)
    .sort((a, b) => a[1].linesPerCpuSecond - b[1].linesPerCpuSecond)
    .slice(0, 4)
    .map(([source, figures]) => `\`${source.split(':')[1]}\` ${number(figures.linesPerCpuSecond)}`);
  const percent = (value: number) => `${Math.round(value * 100)}%`;
  return [
    '### Parse + normalize by family',
    '',
    'Each family measured alone (its lines of the mix, repeated to at least 20,000, in 64 KB reads), lines per CPU-second.',
    'A family alone runs faster than the mix: in the mix, line after line needs other parser code, regular expressions and',
    'event shapes than the line before, and neither the processor\'s caches nor V8\'s property caches hold them all.',
    '',
    '| family | share of the mix | lines per CPU-second | parsed | partial | unparsed |',
    '|---|---|---|---|---|---|',
    ...families.map(([family, f]) => `| ${family} | ${percent(f.share)} | ${number(f.linesPerCpuSecond)} | ${percent(f.status.parsed)} | ${percent(f.status.partial)} | ${percent(f.status.unparsed)} |`),
    '',
    `Slowest fixture files (lines per CPU-second): ${slowest.join(', ')}.`,
    '',
  ];
}

function renderSoak(soak: EdgeResults['soak']): string[] {
  const head = ['### Memory under steady load', ''];
  if (!soak.ok) return [...head, `Not run: ${soak.reason}.`, ''];
  const s = soak.result;
  return [
    ...head,
    `TCP syslog → ${s.bus === 'kafka' ? 'Kafka' : 'embedded bus'} at a steady ${number(s.achievedRate)} events/s (${soak.rateNote}) for ${Math.round(s.durationSeconds / 60 * 10) / 10} minutes,`,
    `${number(s.events)} events, all on the bus at the end. Resident memory of the edge process sampled every 5 s; the slope is a least-squares`,
    `fit over the second half. Limits: RSS under ${TARGETS.rssMb} MB and a slope under 0.5 MB/min.`,
    '',
    '| RSS idle (before load) | RSS at start | RSS max | RSS at end | slope, second half | verdict |',
    '|---|---|---|---|---|---|',
    `| ${s.rssIdleMb} MB | ${s.rssStartMb} MB | ${s.rssMaxMb} MB | ${s.rssEndMb} MB | ${s.slopeMbPerMinute} MB/min | ${s.verdict.startsWith('ok') ? 'ok' : `**${s.verdict}**`} |`,
    '',
  ];
}
