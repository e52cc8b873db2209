/**
 * Parse+normalize benchmark: lines per CPU-second on one core, on the realistic mix of
 * `lines.ts`, through the edge's own per-line code (`normalizeSyslog` with the default
 * `ParserRegistry`, given the framed bytes as the TCP listener hands them over). Single
 * thread; a warm-up, then several rounds over the whole mix, median reported. Then the same per
 * family and per fixture file, so a slow parser stands out. Prints one JSON line at the end.
 *
 *   node test/bench/parse.ts [lines=100000] [rounds=7]
 *
 * The mix is warmed up for WARMUP passes first: V8 needs about half a million mixed lines
 * before every parser's code is optimized, and a running edge is past that within seconds.
 */
import { normalizeSyslog, ParserRegistry, type ParseStatus } from '@vigil/edge';
import { generateMix, type MixLine } from './lines.ts';
import { FAMILIES, type Family } from './mix-sources.ts';
import { describeMachine, median } from './machine.ts';

const LINES = Number(process.argv[2] ?? 100_000);
const ROUNDS = Number(process.argv[3] ?? 7);
const GROUP_ROUNDS = 5;
const WARMUP_LINES = 500_000;

/** What one measured group of lines did. */
export interface RateFigures {
  lines: number;
  /** Median lines per CPU-second of this process (user + system, all threads). */
  linesPerCpuSecond: number;
  /** Median lines per wall-clock second. */
  linesPerSecond: number;
  /** Share of lines that were parsed / partial / unparsed (0–1). */
  status: Record<ParseStatus, number>;
}

const parsers = new ParserRegistry();
let sink = 0;

/** The lines as the TCP listener hands them to the edge: slices of one received buffer. */
function framed(lines: readonly MixLine[]): Buffer[] {
  const joined = Buffer.from(lines.map((entry) => entry.line).join('\n'));
  const frames: Buffer[] = [];
  let start = 0;
  for (const { line } of lines) {
    const length = Buffer.byteLength(line);
    frames.push(joined.subarray(start, start + length));
    start += length + 1;
  }
  return frames;
}

/** One pass as the edge runs it: the receipt time formatted once per millisecond, then normalizeSyslog. */
function pass(frames: readonly Buffer[], statuses?: Record<ParseStatus, number>): void {
  let lastMs = -1;
  let receivedAt = '';
  for (const frame of frames) {
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      receivedAt = new Date(now).toISOString();
    }
    const { status, event } = normalizeSyslog(frame, receivedAt, 'syslog_tcp', parsers, now);
    sink += event.message?.length ?? 0;
    if (statuses) statuses[status]++;
  }
}

function measure(frames: readonly Buffer[], rounds: number, warmupLines: number): RateFigures {
  const status: Record<ParseStatus, number> = { parsed: 0, partial: 0, unparsed: 0 };
  pass(frames, status);
  for (let done = frames.length; done < warmupLines; done += frames.length) pass(frames);
  const cpuRates: number[] = [];
  const wallRates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    pass(frames);
    const cpuSeconds = cpuSecondsSince(cpu);
    const wallSeconds = (performance.now() - wall) / 1000;
    cpuRates.push(frames.length / cpuSeconds);
    wallRates.push(frames.length / wallSeconds);
  }
  const total = frames.length;
  return {
    lines: total,
    linesPerCpuSecond: Math.round(median(cpuRates)),
    linesPerSecond: Math.round(median(wallRates)),
    status: { parsed: round3(status.parsed / total), partial: round3(status.partial / total), unparsed: round3(status.unparsed / total) },
  };
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function byKey<K extends string>(lines: readonly MixLine[], key: (line: MixLine) => K): Map<K, MixLine[]> {
  const groups = new Map<K, MixLine[]>();
  for (const line of lines) {
    const k = key(line);
    const group = groups.get(k);
    if (group) group.push(line);
    else groups.set(k, [line]);
  }
  return groups;
}

const mix = generateMix(LINES, 1);
const bytes = mix.reduce((total, entry) => total + Buffer.byteLength(entry.line), 0);
const overall = measure(framed(mix), ROUNDS, WARMUP_LINES);
console.log(`machine: ${describeMachine()}`);
console.log(`mix: ${LINES} lines, ${Math.round(bytes / LINES)} bytes on average; ${overall.linesPerCpuSecond} lines/CPU-s (${overall.linesPerSecond} lines/s wall), median of ${ROUNDS}`);

// Each group is repeated to at least 20,000 lines so small groups are timed over enough work.
const groupFrames = (lines: MixLine[]) => framed(Array.from({ length: Math.max(1, Math.ceil(20_000 / lines.length)) }, () => lines).flat());
const families: Partial<Record<Family, RateFigures & { share: number }>> = {};
const familyGroups = byKey(mix, (line) => line.family);
for (const family of FAMILIES) {
  const lines = familyGroups.get(family);
  if (!lines) continue;
  families[family] = { ...measure(groupFrames(lines), GROUP_ROUNDS, 40_000), lines: lines.length, share: round3(lines.length / mix.length) };
  const figures = families[family];
  console.log(`  ${family.padEnd(10)} ${String(figures.linesPerCpuSecond).padStart(8)} lines/CPU-s  ${(figures.share * 100).toFixed(1)}% of the mix, parsed ${(figures.status.parsed * 100).toFixed(0)}%`);
}
const sources: Record<string, RateFigures & { family: Family }> = {};
for (const [source, lines] of byKey(mix, (line) => `${line.family}:${line.source}`)) {
  sources[source] = { ...measure(groupFrames(lines), GROUP_ROUNDS, 40_000), lines: lines.length, family: lines[0]!.family };
}
for (const [source, figures] of Object.entries(sources).sort((a, b) => a[1].linesPerCpuSecond - b[1].linesPerCpuSecond)) {
  console.log(`    ${source.padEnd(44)} ${String(figures.linesPerCpuSecond).padStart(8)} lines/CPU-s`);
}
if (sink === 0) throw new Error('nothing was normalized');
console.log(
  JSON.stringify({
    case: 'parse+normalize',
    lines: LINES,
    rounds: ROUNDS,
    averageLineBytes: Math.round(bytes / LINES),
    linesPerCpuSecond: overall.linesPerCpuSecond,
    linesPerSecond: overall.linesPerSecond,
    status: overall.status,
    families,
    sources,
  }),
);
