import { cpus, totalmem, release, platform } from 'node:os';

/** One line describing the machine a benchmark ran on. */
export function describeMachine(): string {
  const cores = cpus();
  const model = cores[0]?.model.trim() ?? 'unknown CPU';
  return `${model}, ${cores.length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ${platform()} ${release()}, Node ${process.versions.node}`;
}

/** The p-th percentile (0–100) of a list of numbers, nearest-rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** The median of a list of numbers (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * How fast this machine's memory answers right now: nanoseconds per load in a chase through one
 * random cycle over 32 MB, each load waiting for the one before. This shared machine has phases of
 * minutes in which the same work takes up to two fifths longer; a compute-bound probe does not
 * see them, this one does (another tenant competing for cache and memory). The benchmark runner
 * measures it before each case, so every figure says which phase it was taken in.
 */
export class MemoryProbe {
  readonly #next: Int32Array;
  /** Where the last chase ended: kept, so that the compiler cannot drop the chase as unused. */
  #end = 0;

  constructor(bytes = 32 * 2 ** 20) {
    const slots = bytes / Int32Array.BYTES_PER_ELEMENT;
    this.#next = new Int32Array(slots);
    for (let i = 0; i < slots; i++) this.#next[i] = i;
    // Sattolo's shuffle: one cycle through every slot, so the chase never settles in a short loop.
    for (let i = slots - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * i);
      const swap = this.#next[i]!;
      this.#next[i] = this.#next[j]!;
      this.#next[j] = swap;
    }
  }

  /** Median over three chases of a million loads. */
  nanosecondsPerLoad(): number {
    const loads = 1_000_000;
    const chases: number[] = [];
    let at = this.#end;
    for (let chase = 0; chase < 3; chase++) {
      const started = process.hrtime.bigint();
      for (let i = 0; i < loads; i++) at = this.#next[at]!;
      chases.push(Number(process.hrtime.bigint() - started) / loads);
    }
    this.#end = at;
    return Math.round(median(chases) * 10) / 10;
  }
}
