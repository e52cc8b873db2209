/**
 * Parse+normalize benchmark: lines per CPU-second on one core, on the realistic mix of
 * `lines.ts`, through the edge's own code as the TCP and TLS listeners run it: the framed lines
 * of each 64 KB read (what Node reads from a busy socket) given to `normalizeSyslogLines` with
 * the default `ParserRegistry`. The same mix line by line (`normalizeSyslog`, the UDP path, one
 * datagram at a time) is reported alongside. Single thread; a warm-up, then several rounds over
 * the whole mix, median reported. Then the same per family and per fixture file, so a slow
 * parser stands out. Prints one JSON line at the end.
 *
 *   node test/bench/parse.ts [lines=100000] [rounds=7] [--mix-only]
 *
 * `--mix-only` measures the mix and skips the families and fixture files (the benchmark runner
 * measures the mix again later in its run: see run.ts).
 *
 * The mix is warmed up for WARMUP passes first: V8 needs about half a million mixed lines
 * before every parser's code is optimized, and a running edge is past that within seconds.
 *
 * It runs under the edge's own node settings (`VIGIL_NODE_FLAGS`, as bin/vigil and the image
 * start it), re-starting itself with them when started without: with Node's defaults, about
 * one run in three lets V8 pretenure the events into the old generation, and that run measures
 * a fifth slower.
 */
import { spawnSync } from 'node:child_process';
import { normalizeSyslog, normalizeSyslogLines, ParserRegistry, type NormalizedSyslog, type ParseStatus } from '@vigil/edge';
import { generateMix, type MixLine } from './lines.ts';
import { FAMILIES, type Family } from './mix-sources.ts';
import { VIGIL_NODE_ENV, VIGIL_NODE_FLAGS } from './edge-harness.ts';
import { describeMachine, median } from './machine.ts';

if (!VIGIL_NODE_FLAGS.every((flag) => process.execArgv.includes(flag))) {
  const child = spawnSync(process.execPath, [...VIGIL_NODE_FLAGS, ...process.argv.slice(1)], { stdio: 'inherit', env: { ...process.env, ...VIGIL_NODE_ENV } });
  process.exit(child.status ?? 1);
}

const positional = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const MIX_ONLY = process.argv.includes('--mix-only');
const LINES = Number(positional[0] ?? 100_000);
const ROUNDS = Number(positional[1] ?? 7);
const GROUP_ROUNDS = 5;
const WARMUP_LINES = 500_000;
/** Bytes Node reads from a socket at a time when more are waiting. */
const READ_BYTES = 64 * 1024;

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

/** The lines as the TCP listener hands them to the edge: slices of one received buffer, grouped by 64 KB read. */
function framed(lines: readonly MixLine[]): Buffer[][] {
  const joined = Buffer.from(lines.map((entry) => entry.line).join('\n'));
  const reads: Buffer[][] = [];
  let read: Buffer[] = [];
  let start = 0;
  let readEnd = READ_BYTES;
  for (const { line } of lines) {
    const length = Buffer.byteLength(line);
    read.push(joined.subarray(start, start + length));
    start += length + 1;
    if (start >= readEnd) {
      reads.push(read);
      read = [];
      readEnd += READ_BYTES;
    }
  }
  if (read.length > 0) reads.push(read);
  return reads;
}

type Mode = 'reads' | 'lines';

/** One pass as the edge runs it: the receipt time formatted once per millisecond, then each read normalized (or each line, `lines`). */
function pass(reads: readonly Buffer[][], mode: Mode, statuses?: Record<ParseStatus, number>): void {
  let lastMs = -1;
  let receivedAt = '';
  const count = (normalized: NormalizedSyslog) => {
    sink += normalized.event.message?.length ?? 0;
    if (statuses) statuses[normalized.status]++;
  };
  for (const read of reads) {
    const now = Date.now();
    if (now !== lastMs) {
      lastMs = now;
      receivedAt = new Date(now).toISOString();
    }
    if (mode === 'reads') normalizeSyslogLines(read, receivedAt, 'syslog_tcp', parsers, now, {}, count);
    else for (const frame of read) count(normalizeSyslog(frame, receivedAt, 'syslog_tcp', parsers, now));
  }
}

function measure(reads: readonly Buffer[][], rounds: number, warmupLines: number, mode: Mode = 'reads'): RateFigures {
  const status: Record<ParseStatus, number> = { parsed: 0, partial: 0, unparsed: 0 };
  const lines = reads.reduce((total, read) => total + read.length, 0);
  pass(reads, mode, status);
  for (let done = lines; done < warmupLines; done += lines) pass(reads, mode);
  const cpuRates: number[] = [];
  const wallRates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    pass(reads, mode);
    const cpuSeconds = cpuSecondsSince(cpu);
    const wallSeconds = (performance.now() - wall) / 1000;
    cpuRates.push(lines / cpuSeconds);
    wallRates.push(lines / wallSeconds);
  }
  const total = lines;
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
const mixReads = framed(mix);
const overall = measure(mixReads, ROUNDS, WARMUP_LINES);
const lineByLine = measure(mixReads, ROUNDS, WARMUP_LINES, 'lines');
console.log(`machine: ${describeMachine()}`);
console.log(`mix: ${LINES} lines, ${Math.round(bytes / LINES)} bytes on average, ${mixReads.length} reads of 64 KB; ${overall.linesPerCpuSecond} lines/CPU-s (${overall.linesPerSecond} lines/s wall), median of ${ROUNDS}`);
console.log(`  line by line (UDP): ${lineByLine.linesPerCpuSecond} lines/CPU-s`);

// Each group is repeated to at least 20,000 lines so small groups are timed over enough work.
const groupFrames = (lines: MixLine[]) => framed(Array.from({ length: Math.max(1, Math.ceil(20_000 / lines.length)) }, () => lines).flat());
const families: Partial<Record<Family, RateFigures & { share: number }>> = {};
const familyGroups = byKey(mix, (line) => line.family);
for (const family of MIX_ONLY ? [] : FAMILIES) {
  const lines = familyGroups.get(family);
  if (!lines) continue;
  families[family] = { ...measure(groupFrames(lines), GROUP_ROUNDS, 40_000), lines: lines.length, share: round3(lines.length / mix.length) };
  const figures = families[family];
  console.log(`  ${family.padEnd(10)} ${String(figures.linesPerCpuSecond).padStart(8)} lines/CPU-s  ${(figures.share * 100).toFixed(1)}% of the mix, parsed ${(figures.status.parsed * 100).toFixed(0)}%`);
}
const sources: Record<string, RateFigures & { family: Family }> = {};
for (const [source, lines] of MIX_ONLY ? [] : byKey(mix, (line) => `${line.family}:${line.source}`)) {
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
    lineByLinePerCpuSecond: lineByLine.linesPerCpuSecond,
    status: overall.status,
    families,
    sources,
  }),
);
