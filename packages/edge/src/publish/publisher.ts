import type { BatchSigner, SequenceCounter } from '@vigil/provenance';
import { OncePerInterval, VigilError, backoffDelayMs, describeError, sleep, type Logger } from '@vigil/runtime';
import { PackedEventsWriter, ScratchBuffer, type EcsEvent } from '@vigil/schema';
import { edgeErrors } from '../errors.ts';
import type { EdgeMetrics } from '../metrics.ts';
import type { FlowControl } from '../syslog/flow-control.ts';
import type { BatchSink } from './batch-sink.ts';
import { OpenBatch } from './open-batch.ts';
import type { SealedBatch } from './seal.ts';

export interface EventPublisherOptions {
  /** Where sealed batches become durable: the bus itself or the on-disk spool in front of it. */
  sink: BatchSink;
  signer: BatchSigner;
  sequence: SequenceCounter;
  bootId: string;
  maxBatchEvents: number;
  maxBatchBytes: number;
  /** How a signed batch is published: one zstd frame, or the plain protobuf bytes. */
  compression: 'zstd' | 'none';
  flushIntervalMs: number;
  maxInFlightEvents: number;
  retryBaseMs: number;
  retryMaxMs: number;
  shutdownTimeoutMs: number;
  metrics: EdgeMetrics;
  logger: Logger;
  now?: () => number;
}

/** A caller waiting for its events to be durable; settled once. */
interface Ticket {
  settled: boolean;
  resolve(): void;
  reject(error: VigilError): void;
}

interface QueuedBatch extends SealedBatch {
  tickets: Ticket[];
}

/**
 * The publish path: groups events into batches (closed at `maxBatchEvents`, `maxBatchBytes` or
 * `flushIntervalMs` after their first event; each event is stamped and encoded as it arrives,
 * see `OpenBatch`), seals them (signature) and hands
 * them, in order, to the sink — the on-disk spool, or the bus directly — one group of queued
 * batches at a time, so sequence numbers arrive in order. A group the sink refuses is kept and
 * offered again with backoff; events count as in flight until the sink has them, which is what
 * the sources' flow control looks at (together with the sink being full).
 *
 * A caller of `publish()` learns when its events are durable. When the sink refuses a group,
 * every waiting caller is told at once (VIGIL_ERR_EDGE_BUS_UNAVAILABLE, _SPOOL_FULL, ...) rather
 * than held for an unbounded time; the events stay queued and are still delivered when the sink
 * recovers, so a client that retries after that error gets at-least-once delivery.
 */
export class EventPublisher implements FlowControl {
  readonly #options: EventPublisherOptions;
  readonly #now: () => number;
  readonly #roomListeners = new Set<() => void>();
  readonly #idleWaiters: Array<() => void> = [];
  readonly #abort = new AbortController();
  readonly #logOnce = new OncePerInterval();
  readonly #batch: OpenBatch;
  /** Events taken while sealing failed, not yet in a batch. */
  #waiting: EcsEvent[] = [];
  /** Events taken since the start, and how many of them are sealed into batches. */
  #accepted = 0;
  #sealedEvents = 0;
  /** Callers waiting for the batch that holds their last event (the `#accepted` count it has) to be sealed. */
  #tickets: Array<{ ticket: Ticket; lastEvent: number }> = [];
  #timer: NodeJS.Timeout | undefined;
  #queue: QueuedBatch[] = [];
  #sending = false;
  #attempt = 0;
  #sendFailing = false;
  #sealFailing = false;
  #retryAt = 0;
  #inFlight = 0;
  #full = false;
  #sinkWasFull = false;
  #stopped = false;
  readonly #unsubscribeSink: () => void;

  constructor(options: EventPublisherOptions) {
    this.#options = options;
    this.#unsubscribeSink = options.sink.onRoom(() => this.#checkRoom());
    this.#now = options.now ?? Date.now;
    this.#batch = new OpenBatch({
      edgeId: options.signer.edgeId,
      bootId: options.bootId,
      signer: options.signer,
      sequence: options.sequence,
      maxBatchBytes: options.maxBatchBytes,
      now: this.#now,
      packed: new PackedEventsWriter(),
      compression: options.compression,
      signed: new ScratchBuffer(),
    });
  }

  /** Events held that the bus has not acknowledged yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** The most events held before sources are paused, dropped or refused. */
  get maxInFlightEvents(): number {
    return this.#options.maxInFlightEvents;
  }

  /** True while the last attempt to seal or send a batch failed. */
  get failing(): boolean {
    return this.#sendFailing || this.#sealFailing;
  }

  /** Seconds a client should wait before retrying (at least 1). */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.#retryAt - this.#now()) / 1000));
  }

  isFull(): boolean {
    if (this.#options.sink.isFull()) {
      // Remembered so that the sink's room signal wakes the sources that saw it full.
      this.#sinkWasFull = true;
      return true;
    }
    return this.#memoryFull();
  }

  /** Why the edge cannot take more: `memory` (too many events not yet durable) or `spool` (the spool is full). */
  fullReason(): 'memory' | 'spool' | null {
    if (this.#options.sink.isFull()) return 'spool';
    return this.#memoryFull() ? 'memory' : null;
  }

  #memoryFull(): boolean {
    return this.#inFlight >= this.#options.maxInFlightEvents;
  }

  onRoom(listener: () => void): () => void {
    this.#roomListeners.add(listener);
    return () => this.#roomListeners.delete(listener);
  }

  /** Queues one event without waiting (syslog: the sender gets no acknowledgement). False when stopped. */
  enqueue(event: EcsEvent): boolean {
    if (this.#stopped) {
      this.#options.metrics.dropped.inc({ reason: 'stopped' });
      return false;
    }
    this.#push(event);
    return true;
  }

  /** Queues events and resolves once every batch holding them is durable on the bus. */
  publish(events: readonly EcsEvent[]): Promise<void> {
    if (this.#stopped) return Promise.reject(edgeErrors.create('VIGIL_ERR_EDGE_STOPPING'));
    if (events.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      // Registered first: pushing the last event may already seal its batch.
      this.#tickets.push({ ticket: { settled: false, resolve, reject }, lastEvent: this.#accepted + events.length });
      for (const event of events) this.#push(event);
    });
  }

  /** Stops taking events, publishes what is held (for up to shutdownTimeoutMs) and counts what is left as dropped. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#close();
    const timeout = new AbortController();
    const drained = new Promise<boolean>((resolve) => {
      this.#idleWaiters.push(() => resolve(true));
      this.#notifyIdle();
    });
    const timedOut = sleep(this.#options.shutdownTimeoutMs, timeout.signal).then(() => false);
    const done = await Promise.race([drained, timedOut]);
    timeout.abort();
    this.#unsubscribeSink();
    if (done) return;
    this.#abort.abort();
    clearTimeout(this.#timer);
    const lost = this.#inFlight;
    this.#options.metrics.dropped.inc({ reason: 'shutdown' }, lost);
    const error = edgeErrors.create('VIGIL_ERR_EDGE_SHUTDOWN_DROPPED', { count: lost, timeoutMs: this.#options.shutdownTimeoutMs });
    this.#options.logger.error({ code: error.code, count: lost }, error.message);
    this.#rejectAll(error);
    this.#queue = [];
    this.#batch.discard();
    this.#waiting = [];
    this.#inFlight = 0;
    this.#options.metrics.inFlight.set(0);
  }

  #push(event: EcsEvent): void {
    this.#inFlight++;
    this.#accepted++;
    if (this.#inFlight >= this.#options.maxInFlightEvents) this.#full = true;
    // While sealing fails, events wait as they are, in order, for the retry.
    if (this.#sealFailing || this.#waiting.length > 0 || !this.#add(event)) this.#waiting.push(event);
    if (this.#timer === undefined && (this.#batch.count > 0 || this.#waiting.length > 0)) this.#timer = setTimeout(() => this.#close(), this.#options.flushIntervalMs);
  }

  /** Encodes the event into the open batch, sealing the batch when it is full; false when sealing failed (the event was not taken). */
  #add(event: EcsEvent): boolean {
    try {
      if (!this.#batch.add(event)) {
        if (!this.#sealOpen()) return false;
        this.#batch.add(event);
      }
    } catch (error) {
      this.#sealFailed(error);
      return false;
    }
    if (this.#batch.count >= this.#options.maxBatchEvents) this.#sealOpen();
    return true;
  }

  /** Seals the open batch and, after a failure, the events that waited: the flush timer, a retry, stop. */
  #close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#abort.signal.aborted || !this.#sealOpen()) return;
    if (this.#waiting.length > 0) {
      const waiting = this.#waiting;
      this.#waiting = [];
      for (let i = 0; i < waiting.length; i++) {
        if (!this.#add(waiting[i]!)) {
          this.#waiting = waiting.slice(i);
          return;
        }
      }
      this.#sealOpen();
    }
  }

  /** Seals the open batch into the queue and starts sending; false when sealing failed (the batch is kept, a retry is scheduled). */
  #sealOpen(): boolean {
    if (this.#batch.count === 0) return true;
    let sealed: SealedBatch[];
    try {
      sealed = this.#batch.seal();
    } catch (error) {
      this.#sealFailed(error);
      return false;
    }
    // The flush timer belongs to the batch just sealed; the next one starts its own.
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#sealFailing) {
      this.#sealFailing = false;
      this.#options.logger.info('batches are being signed again');
    }
    for (const batch of sealed) {
      this.#sealedEvents += batch.count;
      // A caller's ticket rides with the batch that holds its last event: batches are acknowledged in order.
      let end = 0;
      while (end < this.#tickets.length && this.#tickets[end]!.lastEvent <= this.#sealedEvents) end++;
      this.#queue.push({ ...batch, tickets: this.#tickets.splice(0, end).map(({ ticket }) => ticket) });
    }
    this.#options.metrics.inFlight.set(this.#inFlight);
    void this.#drain();
    return true;
  }

  /** Sealing failed (sequence file or key unusable): keep the events and try again after a backoff. */
  #sealFailed(error: unknown): void {
    const { metrics, logger, retryBaseMs, retryMaxMs } = this.#options;
    metrics.publishFailures.inc({ stage: 'seal' });
    this.#sealFailing = true;
    const delay = Math.max(retryBaseMs, backoffDelayMs(this.#attempt++, retryBaseMs, retryMaxMs));
    this.#retryAt = this.#now() + delay;
    const failure = edgeErrors.create('VIGIL_ERR_EDGE_SEAL_FAILED', { reason: describeError(error) });
    if (this.#logOnce.shouldLog(failure.code)) logger.error({ code: failure.code, retryInMs: delay }, failure.message);
    this.#rejectAll(failure);
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#close(), delay);
  }

  async #drain(): Promise<void> {
    if (this.#sending) return;
    this.#sending = true;
    const { sink, metrics, logger, retryBaseMs, retryMaxMs } = this.#options;
    try {
      while (this.#queue.length > 0) {
        const group = this.#nextGroup(sink.maxDeliveryBytes);
        try {
          await sink.deliver(group);
        } catch (error) {
          if (this.#abort.signal.aborted) return;
          metrics.publishFailures.inc({ stage: 'deliver' });
          const delay = backoffDelayMs(this.#attempt++, retryBaseMs, retryMaxMs);
          this.#sendFailing = true;
          this.#retryAt = this.#now() + delay;
          const failure = isVigilError(error) ? error : edgeErrors.create('VIGIL_ERR_EDGE_BUS_UNAVAILABLE', { reason: describeError(error) });
          if (this.#logOnce.shouldLog(failure.code)) {
            logger.warn({ code: failure.code, sequence: group[0]!.sequence.toString(), attempt: this.#attempt, retryInMs: delay }, failure.message);
          }
          this.#rejectAll(failure);
          await sleep(delay, this.#abort.signal);
          if (this.#abort.signal.aborted) return;
          continue;
        }
        if (this.#abort.signal.aborted) return;
        this.#queue.splice(0, group.length);
        this.#attempt = 0;
        if (this.#sendFailing) {
          this.#sendFailing = false;
          logger.info({ sequence: group[0]!.sequence.toString() }, 'batches are accepted again');
        }
        for (const batch of group) {
          this.#inFlight -= batch.count;
          for (const ticket of batch.tickets) settle(ticket);
        }
        metrics.inFlight.set(this.#inFlight);
        this.#checkRoom();
      }
    } finally {
      this.#sending = false;
      this.#notifyIdle();
    }
  }

  /** The queued batches at the head that fit in one delivery (always at least one). */
  #nextGroup(maxBytes: number): QueuedBatch[] {
    let bytes = this.#queue[0]!.bytes.length;
    let end = 1;
    while (end < this.#queue.length && bytes + this.#queue[end]!.bytes.length <= maxBytes) bytes += this.#queue[end++]!.bytes.length;
    return this.#queue.slice(0, end);
  }

  #checkRoom(): void {
    if (!this.#full && !this.#sinkWasFull) return;
    if (this.isFull()) return;
    this.#sinkWasFull = false;
    this.#full = false;
    for (const listener of this.#roomListeners) listener();
  }

  #rejectAll(error: VigilError): void {
    for (const batch of this.#queue) {
      for (const ticket of batch.tickets) settle(ticket, error);
      batch.tickets = [];
    }
    for (const { ticket } of this.#tickets) settle(ticket, error);
    this.#tickets = [];
  }

  #notifyIdle(): void {
    if (this.#sending || this.#queue.length > 0 || this.#batch.count > 0 || this.#waiting.length > 0) return;
    for (const waiter of this.#idleWaiters.splice(0)) waiter();
  }
}

function isVigilError(error: unknown): error is VigilError {
  return error instanceof VigilError;
}

function settle(ticket: Ticket, error?: VigilError): void {
  if (ticket.settled) return;
  ticket.settled = true;
  if (error) ticket.reject(error);
  else ticket.resolve();
}
