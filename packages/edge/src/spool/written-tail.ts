import type { Segment } from './segment.ts';

/** A record as it was written: where it lies in its segment and its payload. */
export interface WrittenRecord {
  segment: Segment;
  offset: number;
  frameBytes: number;
  payload: Buffer;
}

/**
 * The records written most recently, still in memory, so the reader can hand them on without
 * reading them back from disk: when the bus keeps up, the forwarder sends what was just written,
 * and reading it back would double the bytes the process allocates per event. Bounded by bytes:
 * the oldest are forgotten first (a backlog is read from disk, as after a restart). The reader
 * takes a record from here only when it is the very next one at its position, so what it gets
 * is what the disk holds there.
 */
export class WrittenTail {
  readonly #maxBytes: number;
  #records: Array<WrittenRecord | undefined> = [];
  #head = 0;
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** Remembers a record just written (its payload must not change afterwards). */
  remember(record: WrittenRecord): void {
    if (record.payload.length > this.#maxBytes) return;
    this.#records.push(record);
    this.#bytes += record.payload.length;
    while (this.#bytes > this.#maxBytes) this.#drop();
  }

  /**
   * The record at `offset` of `segment` when it is remembered and ends by `end` (durable bytes);
   * forgets every record before it. Undefined when the next remembered record is elsewhere (then
   * read from disk) or not durable yet.
   */
  takeAt(segment: Segment, offset: number, end: number): WrittenRecord | undefined {
    while (this.#head < this.#records.length) {
      const record = this.#records[this.#head]!;
      const behind = record.segment === segment ? record.offset < offset : record.segment.first < segment.first;
      if (!behind) break;
      this.#drop();
    }
    const record = this.#records[this.#head];
    if (!record || record.segment !== segment || record.offset !== offset || offset + record.frameBytes > end) return undefined;
    this.#drop();
    return record;
  }

  /** Forgets the records of `segment` from `offset` on (they were cut off after a failed write). */
  forgetFrom(segment: Segment, offset: number): void {
    const kept = this.#records.slice(this.#head).filter((record) => record !== undefined && (record.segment !== segment || record.offset < offset));
    this.#records = kept;
    this.#head = 0;
    this.#bytes = kept.reduce((sum, record) => sum + (record?.payload.length ?? 0), 0);
  }

  #drop(): void {
    this.#bytes -= this.#records[this.#head]!.payload.length;
    this.#records[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#records.length) {
      this.#records = this.#records.slice(this.#head);
      this.#head = 0;
    }
  }
}
