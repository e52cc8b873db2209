import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from './pki-files.ts';

/**
 * The edge's batch sequence: strictly increasing across batches and across restarts. Numbers
 * are reserved on disk in blocks, so a restart continues above every number ever handed out
 * (it may skip the rest of a block, which the verifier accepts at a boot change).
 */
export class SequenceCounter {
  readonly #path: string;
  readonly #blockSize: bigint;
  #next: bigint;
  #reservedUpTo: bigint;

  constructor(path: string, blockSize = 10_000) {
    this.#path = path;
    this.#blockSize = BigInt(blockSize);
    const reserved = existsSync(path) ? BigInt(readFileSync(path, 'utf8').trim() || '0') : 0n;
    this.#next = reserved + 1n;
    this.#reservedUpTo = reserved;
    mkdirSync(dirname(path), { recursive: true });
  }

  /** The next sequence number; reserves a new block on disk (synchronously, durably) when needed. */
  next(): bigint {
    if (this.#next > this.#reservedUpTo) {
      const reserved = this.#next - 1n + this.#blockSize;
      // Only a block that is on disk may be handed out: otherwise a restart could repeat numbers.
      writeFileAtomic(this.#path, reserved.toString());
      this.#reservedUpTo = reserved;
    }
    return this.#next++;
  }

  /** Returns the number `next()` just handed out, unused (nothing was published with it), so no gap appears. */
  giveBack(sequence: bigint): void {
    if (sequence !== this.#next - 1n) throw new RangeError(`sequence ${sequence} is not the last one handed out (${this.#next - 1n})`);
    this.#next = sequence;
  }
}
