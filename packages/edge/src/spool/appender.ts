import { open, unlink, type FileHandle } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { OncePerInterval, describeError, type Logger, type VigilError } from '@vigil/runtime';
import { edgeErrors } from '../errors.ts';
import type { SpoolFsyncPolicy } from './config.ts';
import { frameHeader } from './frame.ts';
import { newSegment, syncDirectory, type Segment } from './segment.ts';
import type { SpoolMetrics } from './spool-metrics.ts';

export interface AppenderOptions {
  dir: string;
  segmentBytes: number;
  fsync: SpoolFsyncPolicy;
  fsyncIntervalMs: number;
  /** Number of the first record this appender writes. */
  nextNumber: bigint;
  metrics: SpoolMetrics;
  logger: Logger;
  /** A new segment was created and is now the one appended to. */
  onSegment(segment: Segment): void;
  /** The segment appended to until now is final. */
  onSealed(segment: Segment): void;
  /** A record was written (not yet durable) at `offset` of `segment`. */
  onWritten(segment: Segment, offset: number, frameBytes: number, payload: Uint8Array): void;
  /** A failed write or fsync cut `segment` back to `size` bytes: records from there on are gone. */
  onTruncated(segment: Segment, size: number): void;
  /** Records of `segment` became durable (per the fsync policy); their appends resolve right after. */
  onDurable(segment: Segment, records: number, bytes: number): void;
}

interface PendingAppend {
  payload: Uint8Array;
  frameBytes: number;
  number: bigint;
  resolve(number: bigint): void;
  reject(error: VigilError): void;
}

/**
 * Writes records to the newest segment, one writer at a time, and resolves each append once it
 * is durable per the fsync policy. With `always`, the appends queued while an fsync runs are
 * written together and share the next fsync (group commit); with `interval`, written records
 * wait for the periodic fsync. A failed write is truncated away so the segment stays valid.
 */
export class Appender {
  readonly #options: AppenderOptions;
  readonly #logOnce = new OncePerInterval();
  #queue: PendingAppend[] = [];
  /** Written to the active segment, waiting for an fsync. */
  #unsynced: PendingAppend[] = [];
  #active: { segment: Segment; file: FileHandle } | undefined;
  /** The active segment could not be restored after a failed write: the next append starts a new one. */
  #broken = false;
  #nextNumber: bigint;
  #pumping: Promise<void> | undefined;
  #syncDue = false;
  #timer: NodeJS.Timeout | undefined;
  #closing = false;

  constructor(options: AppenderOptions) {
    this.#options = options;
    this.#nextNumber = options.nextNumber;
  }

  /** Writes one record; resolves with its number once durable, rejects with VIGIL_ERR_EDGE_SPOOL_WRITE_FAILED. */
  append(payload: Uint8Array, frameBytes: number): Promise<bigint> {
    if (this.#closing) return Promise.reject(edgeErrors.create('VIGIL_ERR_EDGE_STOPPING'));
    return new Promise<bigint>((resolve, reject) => {
      this.#queue.push({ payload, frameBytes, number: 0n, resolve, reject });
      this.#kick();
    });
  }

  /** Writes and syncs what is queued, then closes the segment file. */
  async close(): Promise<void> {
    this.#closing = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#syncDue = true;
    this.#kick();
    while (this.#pumping) await this.#pumping;
    if (this.#active) {
      await this.#active.file.close();
      this.#active = undefined;
    }
  }

  #kick(): void {
    this.#pumping ??= this.#pump().finally(() => {
      this.#pumping = undefined;
      if (this.#queue.length > 0 || (this.#syncDue && this.#unsynced.length > 0)) this.#kick();
    });
  }

  async #pump(): Promise<void> {
    while (this.#queue.length > 0 || (this.#syncDue && this.#unsynced.length > 0)) {
      for (const item of this.#queue.splice(0)) await this.#write(item);
      if (this.#unsynced.length === 0) continue;
      if (this.#options.fsync === 'never') this.#settle(this.#unsynced.splice(0));
      else if (this.#options.fsync === 'always' || this.#syncDue || this.#closing) await this.#sync();
      else this.#scheduleSync();
    }
    this.#syncDue = false;
  }

  async #write(item: PendingAppend): Promise<void> {
    let active: { segment: Segment; file: FileHandle };
    try {
      active = await this.#activeFor(item.frameBytes);
    } catch (error) {
      item.reject(this.#failure(error));
      return;
    }
    const { segment, file } = active;
    const at = segment.bytes;
    try {
      await writeFully(file, [frameHeader(item.payload), item.payload], at);
    } catch (error) {
      await this.#restore(segment, file, at);
      item.reject(this.#failure(error));
      return;
    }
    segment.bytes = at + item.frameBytes;
    item.number = this.#nextNumber++;
    this.#options.onWritten(segment, at, item.frameBytes, item.payload);
    this.#unsynced.push(item);
  }

  /** The segment to write a record of `frameBytes` to: rolls when the current one is full or broken. */
  async #activeFor(frameBytes: number): Promise<{ segment: Segment; file: FileHandle }> {
    const active = this.#active;
    if (active && !this.#broken && (active.segment.bytes === 0 || active.segment.bytes + frameBytes <= this.#options.segmentBytes)) return active;
    if (active) {
      if (this.#unsynced.length > 0) {
        if (this.#options.fsync === 'never') this.#settle(this.#unsynced.splice(0));
        else await this.#sync();
      }
      this.#active = undefined;
      active.segment.sealed = true;
      this.#options.onSealed(active.segment);
      await active.file.close().catch((error: unknown) => this.#logFailure(error));
    }
    const segment = newSegment(this.#options.dir, this.#nextNumber);
    const file = await open(segment.path, 'wx', 0o600);
    try {
      if (this.#options.fsync !== 'never') {
        await syncDirectory(this.#options.dir);
        this.#options.metrics.fsyncs.inc({ target: 'directory' });
      }
    } catch (error) {
      // Remove the empty file so the next attempt can create the segment under the same name.
      await file.close();
      await unlink(segment.path).catch(() => undefined);
      throw error;
    }
    this.#active = { segment, file };
    this.#broken = false;
    this.#options.onSegment(segment);
    return this.#active;
  }

  /** fsyncs the active segment and settles what was written before it. */
  async #sync(): Promise<void> {
    this.#syncDue = false;
    const items = this.#unsynced.splice(0);
    const active = this.#active;
    if (items.length === 0 || !active) return;
    const started = performance.now();
    try {
      await active.file.datasync();
    } catch (error) {
      const restored = await this.#restore(active.segment, active.file, active.segment.visibleBytes);
      // Restored: the failed records are gone and their numbers are reused, so numbering stays contiguous.
      if (restored) this.#nextNumber -= BigInt(items.length);
      const failure = this.#failure(error);
      for (const item of items) item.reject(failure);
      return;
    }
    this.#options.metrics.fsyncs.inc({ target: 'segment' });
    this.#options.metrics.fsyncSeconds.observe((performance.now() - started) / 1000);
    this.#settle(items);
  }

  #settle(items: PendingAppend[]): void {
    const segment = this.#active!.segment;
    const bytes = segment.bytes - segment.visibleBytes;
    segment.visibleBytes = segment.bytes;
    this.#options.onDurable(segment, items.length, bytes);
    for (const item of items) item.resolve(item.number);
  }

  #scheduleSync(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#syncDue = true;
      this.#kick();
    }, this.#options.fsyncIntervalMs);
  }

  /** Cuts a failed write off the segment; when even that fails, the next append starts a new segment. */
  async #restore(segment: Segment, file: FileHandle, size: number): Promise<boolean> {
    try {
      await file.truncate(size);
      segment.bytes = size;
      this.#options.onTruncated(segment, size);
      return true;
    } catch (error) {
      this.#broken = true;
      this.#logFailure(error);
      return false;
    }
  }

  #failure(error: unknown): VigilError {
    const failure = edgeErrors.create('VIGIL_ERR_EDGE_SPOOL_WRITE_FAILED', { reason: describeError(error) }, { cause: error });
    this.#logFailure(error);
    return failure;
  }

  #logFailure(error: unknown): void {
    if (!this.#logOnce.shouldLog('write')) return;
    const failure = edgeErrors.create('VIGIL_ERR_EDGE_SPOOL_WRITE_FAILED', { reason: describeError(error) });
    this.#options.logger.error({ code: failure.code, dir: this.#options.dir, errno: (error as NodeJS.ErrnoException).code }, failure.message);
  }
}

/** Writes every byte or throws: a short write (disk full) is retried so the real error surfaces. */
async function writeFully(file: FileHandle, buffers: Uint8Array[], position: number): Promise<void> {
  const total = buffers.reduce((sum, buffer) => sum + buffer.byteLength, 0);
  let written = (await file.writev(buffers, position)).bytesWritten;
  if (written === total) return;
  const rest = Buffer.concat(buffers);
  while (written < total) {
    const { bytesWritten } = await file.write(rest, written, total - written, position + written);
    if (bytesWritten === 0) throw new Error(`only ${written} of ${total} bytes could be written`);
    written += bytesWritten;
  }
}
