import { open, type FileHandle } from 'node:fs/promises';
import { describeError } from '@vigil/runtime';
import { edgeErrors } from '../errors.ts';
import { findNextFrame, readFrames } from './frame.ts';
import type { Hole, Segment } from './segment.ts';
import type { WrittenTail } from './written-tail.ts';

/** A record read back from a segment, held until it is acknowledged. */
export interface ReadRecord {
  number: bigint;
  segment: Segment;
  /** Offset just after the record in its segment: where the ack cursor goes once it is acknowledged. */
  end: number;
  frameBytes: number;
  payload: Buffer;
}

export interface SpoolReaderOptions {
  /** The spool's segments, oldest first (a live array the spool appends to and deletes from). */
  segments: readonly Segment[];
  /** Records just written, still in memory: taken from there instead of read back when they are next. */
  tail: WrittenTail;
  /** A corrupt region was found while reading (the disk changed after the records were verified). */
  onCorrupt(segment: Segment, hole: Hole): void;
  /** Every durable record of `segment` has been read (for a sealed one: it is left for the next). */
  onReadAll(segment: Segment): void;
}

/**
 * Reads durable records back from the segments in order, a chunk (about a megabyte) at a time,
 * so pending payloads live on disk, not in memory. Records read stay in a window until they are
 * acknowledged; `next()` calls are served one at a time.
 */
export class SpoolReader {
  readonly #options: SpoolReaderOptions;
  #position: { segment: Segment; offset: number; number: bigint } | undefined;
  #file: { segment: Segment; handle: FileHandle } | undefined;
  #window: ReadRecord[] = [];
  #highest = 0n;
  #version = 0;
  #waiters: Array<() => void> = [];
  #closed = false;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(options: SpoolReaderOptions) {
    this.#options = options;
  }

  /** Number of the last record read from disk (0 before any). */
  get highestRead(): bigint {
    return this.#highest;
  }

  /**
   * The oldest record not yet taken (or, with `after`, the oldest numbered above it), waiting for
   * one to become durable when there is none; undefined once the reader is closed.
   */
  next(after?: bigint): Promise<ReadRecord | undefined> {
    const result = this.#lock.then(() => this.#next(after));
    this.#lock = result.catch(() => undefined);
    return result;
  }

  /** Removes and returns the records numbered up to `through` (they were acknowledged). */
  take(through: bigint): ReadRecord[] {
    let count = 0;
    while (count < this.#window.length && this.#window[count]!.number <= through) count++;
    return this.#window.splice(0, count);
  }

  /** Records of `segment` read but not taken yet. */
  held(segment: Segment): { records: number; bytes: number } {
    let records = 0;
    let bytes = 0;
    for (const record of this.#window) {
      if (record.segment !== segment) continue;
      records++;
      bytes += record.frameBytes;
    }
    return { records, bytes };
  }

  /** True while the reader is still positioned in `segment` (it must not be deleted yet). */
  isReading(segment: Segment): boolean {
    return this.#position?.segment === segment;
  }

  /** Wakes waiting `next()` calls: records became durable. */
  notify(): void {
    this.#version++;
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  /** Ends waiting `next()` calls (they resolve undefined) and closes the open segment file. */
  async close(): Promise<void> {
    this.#closed = true;
    this.notify();
    await this.#lock;
    await this.#closeFile();
  }

  async #next(after: bigint | undefined): Promise<ReadRecord | undefined> {
    for (;;) {
      const found = after === undefined ? this.#window[0] : this.#window.find((record) => record.number > after);
      if (found) return found;
      if (this.#closed) return undefined;
      const version = this.#version;
      if (await this.#readMore()) continue;
      if (this.#closed) return undefined;
      if (version === this.#version) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Reads the next chunk of durable records into the window; false when there is none yet. */
  async #readMore(): Promise<boolean> {
    for (;;) {
      const position = (this.#position ??= this.#start());
      if (!position) return false;
      const { segment } = position;
      const hole = segment.holes.find((candidate) => candidate.offset + candidate.bytes > position.offset);
      if (hole && hole.offset <= position.offset) {
        position.offset = hole.offset + hole.bytes;
        position.number += BigInt(hole.records);
        continue;
      }
      const end = Math.min(hole?.offset ?? Number.MAX_SAFE_INTEGER, segment.visibleBytes);
      if (position.offset < end) {
        if (!(await this.#readBlock(position, end))) continue;
        if (position.offset >= segment.visibleBytes) this.#options.onReadAll(segment);
        return true;
      }
      const next = segment.sealed ? this.#options.segments.find((candidate) => candidate.first > segment.first) : undefined;
      if (!next) {
        this.#options.onReadAll(segment);
        return false;
      }
      await this.#closeFile();
      this.#position = { segment: next, offset: next.startOffset, number: next.startNumber };
      this.#options.onReadAll(segment);
    }
  }

  #start(): { segment: Segment; offset: number; number: bigint } | undefined {
    const first = this.#options.segments[0];
    return first && { segment: first, offset: first.startOffset, number: first.startNumber };
  }

  async #readBlock(position: { segment: Segment; offset: number; number: bigint }, end: number): Promise<boolean> {
    const { segment } = position;
    if (this.#takeWritten(position, end)) return true;
    try {
      const handle = await this.#handleFor(segment);
      const block = await readFrames(handle, position.offset, end);
      for (const frame of block.frames) {
        this.#window.push({ number: position.number, segment, end: frame.end, frameBytes: frame.end - frame.offset, payload: frame.payload });
        this.#highest = position.number;
        position.number++;
      }
      position.offset = block.next;
      if (block.bad) {
        const next = (await findNextFrame(handle, position.offset + 1, end)) ?? end;
        const hole: Hole = { offset: position.offset, bytes: next - position.offset, records: 1 };
        segment.holes.push(hole);
        segment.holes.sort((a, b) => a.offset - b.offset);
        this.#options.onCorrupt(segment, hole);
      }
      return block.frames.length > 0;
    } catch (error) {
      await this.#closeFile();
      throw edgeErrors.create('VIGIL_ERR_EDGE_SPOOL_READ_FAILED', { segment: segment.name, reason: describeError(error) }, { cause: error });
    }
  }

  /** Moves the records at the position that are still in memory into the window; false when there is none. */
  #takeWritten(position: { segment: Segment; offset: number; number: bigint }, end: number): boolean {
    let taken = false;
    for (;;) {
      const record = this.#options.tail.takeAt(position.segment, position.offset, end);
      if (!record) return taken;
      const recordEnd = record.offset + record.frameBytes;
      this.#window.push({ number: position.number, segment: position.segment, end: recordEnd, frameBytes: record.frameBytes, payload: record.payload });
      this.#highest = position.number;
      position.number++;
      position.offset = recordEnd;
      taken = true;
    }
  }

  async #handleFor(segment: Segment): Promise<FileHandle> {
    if (this.#file?.segment === segment) return this.#file.handle;
    await this.#closeFile();
    this.#file = { segment, handle: await open(segment.path, 'r') };
    return this.#file.handle;
  }

  async #closeFile(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    await file?.handle.close().catch(() => undefined);
  }
}
