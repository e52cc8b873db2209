import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time and memory of another process, from Linux's /proc, so a benchmark charges the
 * process under test (all its threads) and not the load generator.
 */

/** What /proc says about a process at one moment. */
export interface ProcSample {
  /** When the sample was taken (ms, `performance.now()` clock). */
  atMs: number;
  /** utime + stime of every thread, in seconds. */
  cpuSeconds: number;
  /** Resident set size now, in bytes. */
  rssBytes: number;
  /** Highest resident set size since the process started (VmHWM), in bytes. */
  peakRssBytes: number;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Samples a running process; throws when it has gone. */
export function sampleProcess(pid: number): ProcSample {
  const atMs = performance.now();
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return { atMs, cpuSeconds: (utime + stime) / clockTicks(), rssBytes: statusBytes(status, 'VmRSS'), peakRssBytes: statusBytes(status, 'VmHWM') };
}

function statusBytes(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : 0;
}

/** Bytes as MiB, one decimal. */
export function mib(bytes: number): number {
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}

/** Samples a process every `intervalMs` until stopped; keeps every sample. */
export class ProcSampler {
  readonly samples: ProcSample[] = [];
  readonly #timer: NodeJS.Timeout;
  readonly #pid: number;

  constructor(pid: number, intervalMs: number) {
    this.#pid = pid;
    this.samples.push(sampleProcess(pid));
    this.#timer = setInterval(() => {
      try {
        this.samples.push(sampleProcess(this.#pid));
      } catch {
        clearInterval(this.#timer);
      }
    }, intervalMs);
  }

  /** Stops sampling, taking one last sample. */
  stop(): ProcSample[] {
    clearInterval(this.#timer);
    try {
      const last = sampleProcess(this.#pid);
      if (last.atMs - this.samples.at(-1)!.atMs > 100) this.samples.push(last);
    } catch {
      // The process is gone; the samples so far stand.
    }
    return this.samples;
  }

  /** Highest resident set size seen in any sample. */
  get maxRssBytes(): number {
    return Math.max(...this.samples.map((sample) => sample.rssBytes));
  }
}

/**
 * CPU seconds per kind of thread of a Node process: the main thread (JavaScript and the
 * garbage collector's pauses), V8's workers (concurrent GC, compilers), the libuv pool (file
 * system, crypto, zlib) and the rest, so a profile of the main thread can be put in proportion.
 */
export function sampleThreads(pid: number): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let comm: string;
    let stat: string;
    try {
      comm = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue;
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / clockTicks();
    const kind = Number(tid) === pid ? 'main' : comm.startsWith('V8') ? 'v8-workers' : comm.startsWith('libuv') ? 'libuv-pool' : 'other';
    totals[kind] = (totals[kind] ?? 0) + seconds;
  }
  return totals;
}

/** The difference of two thread samples, rounded to 0.01 s. */
export function threadDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([kind, seconds]) => [kind, Math.round((seconds - (before[kind] ?? 0)) * 100) / 100]));
}
