import type { EcsEvent } from '@vigil/schema';
import { batchStamp, encode, rawBatchBytes, sealEvents, stamp, type BatchStamp, type SealContext, type SealedBatch } from './seal.ts';

/**
 * The batch being filled. Each event is numbered, stamped and JSON-encoded into the batch's
 * buffer as it arrives, so its object tree becomes garbage at once, while it is still in the
 * young generation. Kept as objects until the batch closed (up to 2,000 events or
 * `flushIntervalMs`), those trees outlived the young generation: the collector copied them,
 * promoted them and had to collect them again from the old generation.
 *
 * The batch takes its sequence number with its first event.
 */
export class OpenBatch {
  readonly #context: SealContext;
  readonly #rawLimit: number;
  #sequence = 0n;
  #stamp: BatchStamp | undefined;

  constructor(context: SealContext) {
    this.#context = context;
    this.#rawLimit = rawBatchBytes(context.maxBatchBytes, context.compression);
  }

  /** Events held. */
  get count(): number {
    return this.#context.packed.count;
  }

  /**
   * Stamps and encodes the event into the batch. False, with nothing added, when the batch
   * already holds events and this one would take it past the raw size limit: seal it first.
   * Throws, with nothing added, when no sequence number can be taken for a new batch.
   */
  add(event: EcsEvent): boolean {
    const { packed } = this.#context;
    if (!this.#stamp) {
      this.#sequence = this.#context.sequence.next();
      this.#stamp = batchStamp(this.#context, this.#sequence);
    }
    packed.add(stamp(event, this.#stamp, packed.count));
    if (packed.count > 1 && packed.size > this.#rawLimit) {
      packed.removeLast();
      return false;
    }
    return true;
  }

  /**
   * Signs the batch and empties it: the batches to publish (none when it is empty). A zstd
   * frame that still does not fit a bus message (content that hardly compresses) gives its
   * sequence number back and is sealed again from the decoded events, in halves
   * (`sealEvents`), so the sequence has no gap. When signing throws, the batch keeps its events
   * and its number, to be sealed again.
   */
  seal(): SealedBatch[] {
    const { packed, compression, maxBatchBytes } = this.#context;
    const count = packed.count;
    if (count === 0) return [];
    const sequence = this.#sequence;
    const bytes = encode(this.#context, sequence);
    if (compression === 'zstd' && bytes.length > maxBatchBytes && count > 1) {
      const events = decodePacked(this.#context);
      this.discard();
      return sealEvents(events, this.#context);
    }
    this.#reset();
    return [{ sequence, bytes, count }];
  }

  /** Drops the events held and gives the batch's sequence number back. */
  discard(): void {
    if (this.#stamp) this.#context.sequence.giveBack(this.#sequence);
    this.#reset();
  }

  #reset(): void {
    this.#context.packed.clear();
    this.#stamp = undefined;
  }
}

function decodePacked({ packed }: SealContext): EcsEvent[] {
  const events: EcsEvent[] = [];
  let start = 0;
  for (const end of packed.ends) {
    events.push(JSON.parse(packed.bytes.toString('utf8', start, end)) as EcsEvent);
    start = end;
  }
  return events;
}
