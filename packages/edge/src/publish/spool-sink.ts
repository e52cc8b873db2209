import type { BusProducer } from '@vigil/bus';
import { OncePerInterval, backoffDelayMs, describeError, sleep, type Logger, type Metrics } from '@vigil/runtime';
import { edgeErrors } from '../errors.ts';
import type { EdgeMetrics } from '../metrics.ts';
import { Spool, type SpoolRecord } from '../spool/spool.ts';
import type { SpoolConfig } from '../spool/config.ts';
import { sendBatches, type BatchSink } from './batch-sink.ts';
import type { SealedBatch } from './seal.ts';
import { decodeSpoolRecord, encodeSpoolRecord } from './spool-record.ts';

export interface SpoolSinkOptions {
  config: SpoolConfig;
  dir: string;
  producer: BusProducer;
  edgeId: string;
  maxMessageBytes: number;
  retryBaseMs: number;
  retryMaxMs: number;
  metrics: Metrics;
  edgeMetrics: EdgeMetrics;
  logger: Logger;
}

/**
 * Store-and-forward: a group of batches is durable once it is in the on-disk spool, and a
 * forwarder sends the spool's records to the bus in order, acknowledging each record only
 * after the bus has every batch in it. A restart resends what was not acknowledged (the
 * engine recognises an identical batch it already has); a bus outage only grows the spool.
 */
export class SpoolSink implements BatchSink {
  readonly #options: SpoolSinkOptions;
  readonly #logOnce = new OncePerInterval();
  readonly #abort = new AbortController();
  readonly #roomListeners = new Set<() => void>();
  #spool: Spool | undefined;
  #forwarding: Promise<void> | undefined;
  /** The send + ack in progress; stop() lets it finish so a sent record is also acknowledged. */
  #step: Promise<unknown> | undefined;
  readonly maxDeliveryBytes: number;

  constructor(options: SpoolSinkOptions) {
    this.#options = options;
    // A record holds a group of batches; keep it well inside one segment.
    this.maxDeliveryBytes = Math.max(options.maxMessageBytes, Math.min(8 * options.maxMessageBytes, Math.floor(options.config.segmentBytes / 2)));
  }

  get spool(): Spool | undefined {
    return this.#spool;
  }

  async start(): Promise<void> {
    const { config, dir, metrics, logger } = this.#options;
    const spool = await Spool.open({ dir, maxBytes: config.maxBytes, segmentBytes: config.segmentBytes, fsync: config.fsync, fsyncIntervalMs: config.fsyncIntervalMs, metrics, logger });
    this.#spool = spool;
    spool.onRoom(() => {
      for (const listener of this.#roomListeners) listener();
    });
    if (spool.recovery.pendingRecords > 0) logger.info({ records: spool.recovery.pendingRecords, dir }, 'spool holds batches from before the restart; sending them first');
    this.#forwarding = this.#forward(spool);
  }

  async stop(): Promise<void> {
    const spool = this.#spool;
    if (!spool) return;
    this.#abort.abort();
    // A failed step was already handled by the forwarder (the record stays in the spool).
    await this.#step?.catch(() => undefined);
    await spool.close();
    await this.#forwarding;
    this.#spool = undefined;
  }

  async deliver(batches: readonly SealedBatch[]): Promise<void> {
    const spool = this.#spool;
    if (!spool) throw edgeErrors.create('VIGIL_ERR_EDGE_STOPPING');
    await spool.append(encodeSpoolRecord(batches));
  }

  isFull(): boolean {
    return this.#spool?.isFull() ?? false;
  }

  onRoom(listener: () => void): () => void {
    this.#roomListeners.add(listener);
    return () => this.#roomListeners.delete(listener);
  }

  async #forward(spool: Spool): Promise<void> {
    const { producer, edgeId, maxMessageBytes, retryBaseMs, retryMaxMs, edgeMetrics, logger } = this.#options;
    const signal = this.#abort.signal;
    let attempt = 0;
    let failing = false;
    for (;;) {
      let record: SpoolRecord | undefined;
      try {
        record = await spool.next();
      } catch (error) {
        if (signal.aborted) return;
        this.#logFailure('VIGIL_ERR_EDGE_SPOOL_READ_FAILED', error);
        await sleep(backoffDelayMs(attempt++, retryBaseMs, retryMaxMs), signal);
        continue;
      }
      if (record === undefined || signal.aborted) return;
      let batches: SealedBatch[];
      try {
        batches = decodeSpoolRecord(record.payload);
      } catch (error) {
        // Only this code writes records and each is checksummed, so this is a bug or a foreign file: skip it, loudly.
        edgeMetrics.dropped.inc({ reason: 'spool_record_unreadable' });
        this.#logFailure('VIGIL_ERR_EDGE_SPOOL_CORRUPT', error);
        await spool.ack(record.number);
        continue;
      }
      try {
        this.#step = sendBatches(producer, edgeId, batches, maxMessageBytes, edgeMetrics);
        await this.#step;
      } catch (error) {
        if (signal.aborted) return;
        edgeMetrics.publishFailures.inc({ stage: 'send' });
        failing = true;
        const delay = backoffDelayMs(attempt++, retryBaseMs, retryMaxMs);
        if (this.#logOnce.shouldLog('send')) {
          const failure = edgeErrors.create('VIGIL_ERR_EDGE_BUS_UNAVAILABLE', { reason: describeError(error) });
          logger.warn({ code: failure.code, pendingRecords: spool.pendingRecords, retryInMs: delay }, `${failure.message}; batches stay in the spool`);
        }
        await sleep(delay, signal);
        continue;
      }
      attempt = 0;
      if (failing) {
        failing = false;
        logger.info({ pendingRecords: spool.pendingRecords }, 'the bus accepts batches again; sending the spool backlog');
      }
      try {
        this.#step = spool.ack(record.number);
        await this.#step;
      } catch (error) {
        // The batches are on the bus; an unrecorded ack only means they are sent again after a restart.
        this.#logFailure('VIGIL_ERR_EDGE_SPOOL_CURSOR_WRITE_FAILED', error);
      }
    }
  }

  #logFailure(code: 'VIGIL_ERR_EDGE_SPOOL_READ_FAILED' | 'VIGIL_ERR_EDGE_SPOOL_CORRUPT' | 'VIGIL_ERR_EDGE_SPOOL_CURSOR_WRITE_FAILED', error: unknown): void {
    if (this.#logOnce.shouldLog(code)) this.#options.logger.error({ code, reason: describeError(error) }, 'spool forwarder');
  }
}
