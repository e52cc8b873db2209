import { mkdir, unlink } from 'node:fs/promises';
import { OncePerInterval, describeError, type Logger, type Metrics } from '@vigil/runtime';
import { edgeErrors } from '../errors.ts';
import { Appender } from './appender.ts';
import type { SpoolFsyncPolicy } from './config.ts';
import { writeCursor, type AckCursor } from './cursor.ts';
import { FRAME_HEADER_BYTES, MAX_RECORD_BYTES, frameBytes } from './frame.ts';
import { recoverSpool, type Recovered, type SpoolRecoveryReport } from './recovery.ts';
import { syncDirectory, type Hole, type Segment } from './segment.ts';
import { SpoolMetrics } from './spool-metrics.ts';
import { SpoolReader } from './spool-reader.ts';
import { WrittenTail } from './written-tail.ts';

export type { SpoolCorruption, SpoolRecoveryReport } from './recovery.ts';

/** What a spool needs; the sizes and policy come from `spoolConfigSchema`. */
export interface SpoolOptions {
  /** Directory of the segment files, created with mode 0700. One process per directory. */
  dir: string;
  /** Most bytes (framing included) of records not yet acknowledged. */
  maxBytes: number;
  /** A new segment file starts once the current one would pass this size. */
  segmentBytes: number;
  fsync: SpoolFsyncPolicy;
  fsyncIntervalMs: number;
  /** Bytes of just-written records kept in memory so `next()` need not read them back (default 16 MiB). */
  writtenTailBytes?: number;
  metrics: Metrics;
  logger: Logger;
}

const WRITTEN_TAIL_BYTES = 16 * 1024 * 1024;

/** One spooled record as `next()` returns it. */
export interface SpoolRecord {
  readonly number: bigint;
  readonly payload: Buffer;
}

/**
 * A bounded, durable, ordered on-disk queue of opaque records (sealed batches) between the
 * publisher and the bus: records are appended to segment files, read back in order with
 * `next()`, and deleted segment by segment once `ack()`ed. Delivery is at-least-once: after a
 * crash the records acknowledged since the cursor was last saved are delivered again.
 *
 * Only pending records count against `maxBytes`; acknowledged records stay on disk until their
 * whole segment is acknowledged, so disk use can pass `maxBytes` by up to two segments.
 */
export class Spool {
  /** What `open()` found on disk: pending records, corruption skipped, a torn tail cut off. */
  readonly recovery: Readonly<SpoolRecoveryReport>;
  readonly #options: SpoolOptions;
  readonly #metrics: SpoolMetrics;
  readonly #segments: Segment[];
  readonly #appender: Appender;
  readonly #reader: SpoolReader;
  readonly #roomListeners = new Set<() => void>();
  readonly #logOnce = new OncePerInterval();
  #usedBytes: number;
  #pendingRecords: number;
  #diskBytes: number;
  #largestFrame = FRAME_HEADER_BYTES;
  #full = false;
  #ackedThrough: bigint;
  #cursor: AckCursor | undefined;
  #cursorVersion = 0;
  #cursorSaved = 0;
  #cursorSaving: Promise<void> | undefined;
  #deleting: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;

  /**
   * Creates the directory (0700), verifies every pending record, recovers from corruption and a
   * torn tail (see `recovery`) and continues numbering above every record seen before.
   * Throws VIGIL_ERR_EDGE_SPOOL_OPEN_FAILED when the directory cannot be used.
   */
  static async open(options: SpoolOptions): Promise<Spool> {
    const metrics = new SpoolMetrics(options.metrics);
    try {
      await mkdir(options.dir, { recursive: true, mode: 0o700 });
      const recovered = await recoverSpool({ dir: options.dir, sync: options.fsync !== 'never', metrics, logger: options.logger });
      return new Spool(options, metrics, recovered);
    } catch (error) {
      throw edgeErrors.create('VIGIL_ERR_EDGE_SPOOL_OPEN_FAILED', { dir: options.dir, reason: describeError(error) }, { cause: error });
    }
  }

  private constructor(options: SpoolOptions, metrics: SpoolMetrics, recovered: Recovered) {
    this.#options = options;
    this.#metrics = metrics;
    this.#segments = recovered.segments;
    this.recovery = Object.freeze(recovered.report);
    this.#usedBytes = recovered.report.pendingBytes;
    this.#pendingRecords = recovered.report.pendingRecords;
    this.#diskBytes = recovered.segments.reduce((sum, segment) => sum + segment.bytes, 0);
    this.#cursor = recovered.cursor;
    this.#ackedThrough = recovered.cursor?.number ?? 0n;
    const tail = new WrittenTail(options.writtenTailBytes ?? WRITTEN_TAIL_BYTES);
    this.#reader = new SpoolReader({
      segments: this.#segments,
      tail,
      onCorrupt: (segment, hole) => this.#corruptWhileReading(segment, hole),
      onReadAll: (segment) => this.#readAll(segment),
    });
    this.#appender = new Appender({
      dir: options.dir,
      segmentBytes: options.segmentBytes,
      fsync: options.fsync,
      fsyncIntervalMs: options.fsyncIntervalMs,
      nextNumber: recovered.nextNumber,
      metrics,
      logger: options.logger,
      onSegment: (segment) => this.#segments.push(segment),
      onSealed: () => void this.#deleteConsumed(),
      onWritten: (segment, offset, frameBytes, payload) => tail.remember({ segment, offset, frameBytes, payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength) }),
      onTruncated: (segment, size) => tail.forgetFrom(segment, size),
      onDurable: (segment, records, bytes) => this.#durable(segment, records, bytes),
    });
    metrics.maxBytes.set(options.maxBytes);
    this.#updateGauges();
    options.logger.info(
      { dir: options.dir, pendingRecords: this.#pendingRecords, pendingBytes: this.#usedBytes, segments: this.#segments.length, fsync: options.fsync },
      'spool opened',
    );
  }

  /** Bytes (framing included) of records not yet acknowledged, plus appends being written. */
  get usedBytes(): number {
    return this.#usedBytes;
  }

  /** Durable records not yet acknowledged. */
  get pendingRecords(): number {
    return this.#pendingRecords;
  }

  /** Bytes of the segment files, acknowledged records not deleted yet included. */
  get diskBytes(): number {
    return this.#diskBytes;
  }

  /** True when a record as large as the largest offered so far (appended or refused) would not fit under `maxBytes`. */
  isFull(): boolean {
    return this.#usedBytes + this.#largestFrame > this.#options.maxBytes;
  }

  /** Calls `listener` each time the spool goes from full to not full; returns an unsubscribe function. */
  onRoom(listener: () => void): () => void {
    this.#roomListeners.add(listener);
    return () => this.#roomListeners.delete(listener);
  }

  /**
   * Appends one record and resolves with its number once it is durable per the fsync policy.
   * Rejects with VIGIL_ERR_EDGE_SPOOL_FULL (retryable) when it does not fit, ..._RECORD_TOO_LARGE
   * when it never can, ..._WRITE_FAILED on an I/O error (the spool stays consistent) and
   * VIGIL_ERR_EDGE_STOPPING once closing. `payload` must not change afterwards: `next()` may hand
   * it on from memory instead of reading it back.
   */
  async append(payload: Uint8Array): Promise<bigint> {
    const { maxBytes } = this.#options;
    if (this.#closing) {
      this.#metrics.rejected.inc({ reason: 'closed' });
      throw edgeErrors.create('VIGIL_ERR_EDGE_STOPPING');
    }
    const bytes = frameBytes(payload.byteLength);
    if (payload.byteLength > MAX_RECORD_BYTES || bytes > maxBytes) {
      this.#metrics.rejected.inc({ reason: 'too_large' });
      throw edgeErrors.create('VIGIL_ERR_EDGE_SPOOL_RECORD_TOO_LARGE', { size: payload.byteLength, max: Math.min(MAX_RECORD_BYTES, maxBytes - FRAME_HEADER_BYTES) });
    }
    if (this.#usedBytes + bytes > maxBytes) {
      // Remembered, so that the spool says it is full (and sources wait) until this record would fit.
      this.#largestFrame = Math.max(this.#largestFrame, bytes);
      this.#full = true;
      this.#metrics.rejected.inc({ reason: 'full' });
      throw edgeErrors.create('VIGIL_ERR_EDGE_SPOOL_FULL', { usedBytes: this.#usedBytes, maxBytes });
    }
    this.#usedBytes += bytes;
    this.#largestFrame = Math.max(this.#largestFrame, bytes);
    if (this.isFull()) this.#full = true;
    this.#updateGauges();
    try {
      return await this.#appender.append(payload, bytes);
    } catch (error) {
      this.#usedBytes -= bytes;
      this.#metrics.rejected.inc({ reason: edgeErrors.is(error, 'VIGIL_ERR_EDGE_STOPPING') ? 'closed' : 'write_failed' });
      this.#updateGauges();
      this.#checkRoom();
      throw error;
    }
  }

  /**
   * The oldest record not yet acknowledged, read back from disk; with `after`, the oldest
   * numbered above it (to send several before acknowledging). Waits while there is none and
   * resolves undefined once the spool is closed. Records returned stay in memory until
   * acknowledged, so keep the number of unacknowledged ones small.
   * Rejects with VIGIL_ERR_EDGE_SPOOL_READ_FAILED (retryable) on an I/O error.
   */
  async next(after?: bigint): Promise<SpoolRecord | undefined> {
    const record = await this.#reader.next(after);
    return record && { number: record.number, payload: record.payload };
  }

  /**
   * Records up to `number` were delivered: frees their room, saves the ack cursor (resolves once
   * it is written) and deletes segments with nothing left pending. Acknowledging a number
   * again is a no-op; a number `next()` has not returned yet is a RangeError.
   */
  async ack(number: bigint): Promise<void> {
    if (number <= this.#ackedThrough) return;
    if (number > this.#reader.highestRead) throw new RangeError(`spool record ${number} cannot be acknowledged: next() has not returned it yet`);
    this.#ackedThrough = number;
    const taken = this.#reader.take(number);
    const last = taken.at(-1);
    if (!last) return;
    for (const record of taken) {
      record.segment.pending--;
      record.segment.pendingBytes -= record.frameBytes;
      this.#usedBytes -= record.frameBytes;
    }
    this.#pendingRecords -= taken.length;
    this.#metrics.acks.inc(taken.length);
    this.#updateGauges();
    this.#checkRoom();
    this.#cursor = { segment: last.segment.first, offset: last.end, number: last.number };
    await this.#saveCursor();
    await this.#deleteConsumed();
  }

  /** Stops appends (VIGIL_ERR_EDGE_STOPPING), makes queued ones durable, saves the cursor, ends `next()` waits. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#appender.close();
      while (this.#cursorSaving) await this.#cursorSaving;
      await this.#deleting;
      await this.#reader.close();
    })();
    return this.#closing;
  }

  #durable(segment: Segment, records: number, bytes: number): void {
    segment.pending += records;
    segment.pendingBytes += bytes;
    this.#pendingRecords += records;
    this.#diskBytes += bytes;
    this.#metrics.appends.inc(records);
    this.#metrics.appendedBytes.inc(bytes);
    this.#updateGauges();
    this.#reader.notify();
  }

  /** Everything durable in `segment` was read: records the reader does not hold are not pending (corruption lost them). */
  #readAll(segment: Segment): void {
    const held = this.#reader.held(segment);
    if (held.records === segment.pending && held.bytes === segment.pendingBytes) {
      if (segment.sealed) void this.#deleteConsumed();
      return;
    }
    this.#pendingRecords -= segment.pending - held.records;
    this.#usedBytes -= segment.pendingBytes - held.bytes;
    segment.pending = held.records;
    segment.pendingBytes = held.bytes;
    this.#updateGauges();
    this.#checkRoom();
    void this.#deleteConsumed();
  }

  #corruptWhileReading(segment: Segment, hole: Hole): void {
    this.#metrics.corruptBytes.inc(hole.bytes);
    this.#metrics.corruptRecords.inc(hole.records);
    const error = edgeErrors.create('VIGIL_ERR_EDGE_SPOOL_CORRUPT', { segment: segment.name, offset: hole.offset, bytes: hole.bytes, records: hole.records });
    this.#options.logger.error({ code: error.code, dir: this.#options.dir, segment: segment.name, offset: hole.offset, bytes: hole.bytes }, error.message);
  }

  /** Writes the newest cursor; concurrent acks share one write (temp file + rename). */
  async #saveCursor(): Promise<void> {
    const wanted = ++this.#cursorVersion;
    while (this.#cursorSaved < wanted) {
      if (this.#cursorSaving) {
        await this.#cursorSaving;
        continue;
      }
      const version = this.#cursorVersion;
      this.#cursorSaving = writeCursor(this.#options.dir, this.#cursor!)
        .catch((error: unknown) => {
          // A cursor that lags only means redelivery after a restart, so acknowledging goes on.
          const failure = edgeErrors.create('VIGIL_ERR_EDGE_SPOOL_CURSOR_WRITE_FAILED', { reason: describeError(error) });
          if (this.#logOnce.shouldLog(failure.code)) this.#options.logger.error({ code: failure.code, dir: this.#options.dir }, failure.message);
        })
        .finally(() => {
          this.#cursorSaved = Math.max(this.#cursorSaved, version);
          this.#cursorSaving = undefined;
        });
    }
  }

  /** Deletes sealed segments with nothing pending that the reader has moved past. */
  #deleteConsumed(): Promise<void> {
    this.#deleting = this.#deleting.then(async () => {
      const doomed = this.#segments.filter((segment) => segment.sealed && segment.pending === 0 && !this.#reader.isReading(segment));
      if (doomed.length === 0) return;
      for (const segment of doomed) {
        this.#segments.splice(this.#segments.indexOf(segment), 1);
        try {
          await unlink(segment.path);
          this.#diskBytes -= segment.bytes;
        } catch (error) {
          this.#logHousekeeping('VIGIL_ERR_EDGE_SPOOL_DELETE_FAILED', error, segment.name);
        }
      }
      this.#updateGauges();
      if (this.#options.fsync === 'never') return;
      try {
        await syncDirectory(this.#options.dir);
        this.#metrics.fsyncs.inc({ target: 'directory' });
      } catch (error) {
        this.#logHousekeeping('VIGIL_ERR_EDGE_SPOOL_DELETE_FAILED', error, 'directory');
      }
    });
    return this.#deleting;
  }

  #logHousekeeping(code: 'VIGIL_ERR_EDGE_SPOOL_DELETE_FAILED', error: unknown, segment: string): void {
    const failure = edgeErrors.create(code, { segment, reason: describeError(error) });
    if (this.#logOnce.shouldLog(code)) this.#options.logger.error({ code, dir: this.#options.dir }, failure.message);
  }

  #checkRoom(): void {
    if (!this.#full || this.isFull()) return;
    this.#full = false;
    for (const listener of [...this.#roomListeners]) {
      try {
        listener();
      } catch (error) {
        this.#options.logger.error({ code: 'VIGIL_ERR_EDGE_INTERNAL', reason: describeError(error) }, 'a spool onRoom listener threw');
      }
    }
  }

  #updateGauges(): void {
    this.#metrics.usedBytes.set(this.#usedBytes);
    this.#metrics.pendingRecords.set(this.#pendingRecords);
    this.#metrics.diskBytes.set(this.#diskBytes);
  }
}
