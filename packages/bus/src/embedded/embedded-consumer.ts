import { backoffDelayMs, describeError, errorCode, sleep, type Logger, type OncePerInterval } from '@vigil/runtime';
import { resolveConsumerOptions } from '../consumer-options.ts';
import type { BatchHandler, BatchOutcome, BusBatch, BusConsumer, ConsumerOptions } from '../bus.ts';
import { busErrors } from '../errors.ts';
import type { GroupCoordinator, GroupMember } from './group-coordinator.ts';
import { partitionKey, type LogStore, type StoredTopic } from './log-store.ts';
import type { Notifier } from './notifier.ts';

/** What a consumer needs from the bus that made it. */
export interface ConsumerContext {
  store: LogStore;
  coordinator: GroupCoordinator;
  notifier: Notifier;
  topic(name: string): StoredTopic | undefined;
  pollIntervalMs: number;
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  logger: Logger;
  logLimiter: OncePerInterval;
  batchesHandled: LabelledCounter;
  handlerErrors: LabelledCounter;
  closed(): boolean;
  /** Lets the bus stop the consumer on close. */
  track(consumer: EmbeddedConsumer, running: boolean): void;
}

/** The part of a prom-client counter the consumer uses. */
export interface LabelledCounter {
  inc(labels: Record<string, string>, value?: number): void;
}

interface Worker {
  topic: string;
  partition: number;
  controller: AbortController;
}

/**
 * A member of a consumer group. Each assigned partition has its own worker loop: read a batch,
 * hand it to the handler, commit after it resolves, retry the same batch after a backoff when
 * it throws. One batch per partition is in flight at a time; partitions never wait on each other.
 */
export class EmbeddedConsumer implements BusConsumer, GroupMember {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly #context: ConsumerContext;
  readonly #fromBeginning: boolean;
  readonly #maxBatchSize: number;
  readonly #onError: ConsumerOptions['onError'];
  readonly #workers = new Map<string, Worker>();
  readonly #running = new Set<Promise<void>>();
  readonly #paused = new Set<string>();
  #handler: BatchHandler | null = null;
  #state: 'idle' | 'running' | 'stopped' = 'idle';

  constructor(context: ConsumerContext, options: ConsumerOptions) {
    const resolved = resolveConsumerOptions(options);
    this.#context = context;
    this.groupId = resolved.groupId;
    this.topics = resolved.topics;
    this.#fromBeginning = resolved.fromBeginning;
    this.#maxBatchSize = resolved.maxBatchSize;
    this.#onError = resolved.onError;
  }

  async run(handler: BatchHandler): Promise<void> {
    if (this.#state === 'running') throw busErrors.create('VIGIL_ERR_BUS_ALREADY_RUNNING', { groupId: this.groupId });
    if (this.#state === 'stopped' || this.#context.closed()) throw busErrors.create('VIGIL_ERR_BUS_CLOSED', { what: 'consumer' });
    for (const topic of this.topics) {
      if (!this.#context.topic(topic)) throw busErrors.create('VIGIL_ERR_BUS_UNKNOWN_TOPIC', { topic });
    }
    this.#handler = handler;
    this.#state = 'running';
    this.#context.track(this, true);
    this.#context.coordinator.join(this);
  }

  async stop(): Promise<void> {
    if (this.#state !== 'running') {
      this.#state = 'stopped';
      return;
    }
    this.#state = 'stopped';
    this.#context.coordinator.leave(this);
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
    this.#context.track(this, false);
  }

  pause(topics: string[]): void {
    for (const topic of topics) this.#paused.add(topic);
  }

  resume(topics: string[]): void {
    for (const topic of topics) this.#paused.delete(topic);
    for (const [key, worker] of this.#workers) {
      if (topics.includes(worker.topic)) this.#context.notifier.notify(key);
    }
  }

  async lag(): Promise<Record<string, number>> {
    if (this.#context.closed()) throw busErrors.create('VIGIL_ERR_BUS_CLOSED', { what: 'embedded log' });
    const lag: Record<string, number> = {};
    for (const name of this.topics) {
      const topic = this.#context.topic(name);
      if (!topic) throw busErrors.create('VIGIL_ERR_BUS_UNKNOWN_TOPIC', { topic: name });
      let total = 0;
      for (let partition = 0; partition < topic.partitions; partition++) {
        const { low, high } = this.#context.store.watermarks(name, partition);
        const committed = this.#context.store.committed(this.groupId, name, partition) ?? low;
        total += Math.max(0, high - Math.max(committed, low));
      }
      lag[name] = total;
    }
    return lag;
  }

  /** Called by the coordinator: starts workers for new partitions, stops those that moved away. */
  assign(partitions: ReadonlyMap<string, { topic: string; partition: number }>): void {
    for (const [key, worker] of this.#workers) {
      if (partitions.has(key)) continue;
      worker.controller.abort();
      this.#workers.delete(key);
    }
    for (const [key, { topic, partition }] of partitions) {
      if (this.#workers.has(key) || this.#state !== 'running') continue;
      const worker: Worker = { topic, partition, controller: new AbortController() };
      this.#workers.set(key, worker);
      const loop = this.#work(worker).finally(() => this.#running.delete(loop));
      this.#running.add(loop);
    }
  }

  async #work(worker: Worker): Promise<void> {
    const { topic, partition } = worker;
    const { signal } = worker.controller;
    const key = partitionKey(topic, partition);
    const release = await this.#context.coordinator.acquire(this.groupId, key);
    try {
      let position: number | null = null;
      let failures = 0;
      while (!signal.aborted) {
        try {
          position ??= this.#startPosition(topic, partition);
          if (this.#paused.has(topic)) {
            await this.#context.notifier.wait(key, this.#context.pollIntervalMs, signal);
            continue;
          }
          const messages = this.#context.store.read(topic, partition, position, this.#maxBatchSize);
          if (messages.length === 0) {
            await this.#context.notifier.wait(key, this.#context.pollIntervalMs, signal);
            continue;
          }
          const next = Number(messages.at(-1)!.offset) + 1;
          const outcome = await this.#handle({ topic, partition, messages }, signal);
          if (outcome === 'stopped') return;
          const commit = outcome ? outcome.commitOffset : String(next);
          if (commit !== null) this.#commit(topic, partition, Number(commit));
          position = next;
          failures = 0;
        } catch (error) {
          // The log itself failed (disk, closed database): nothing advanced, so try again later.
          this.#logOnce(busErrors.is(error) ? error.code : 'VIGIL_ERR_BUS_STORAGE', error, topic, partition);
          await sleep(backoffDelayMs(failures++, this.#context.retryBaseDelayMs, this.#context.retryMaxDelayMs), signal);
        }
      }
    } finally {
      release();
    }
  }

  // Records where a group without a committed offset starts, so a restart or a rebalance
  // continues from there and retention knows the group has not read the rest.
  #startPosition(topic: string, partition: number): number {
    const committed = this.#context.store.committed(this.groupId, topic, partition);
    if (committed !== null) return committed;
    const { low, high } = this.#context.store.watermarks(topic, partition);
    const start = this.#fromBeginning ? low : high;
    this.#context.store.commit(this.groupId, topic, partition, start, Date.now());
    return start;
  }

  /** Hands the batch over until the handler resolves (its outcome) or the worker is stopped. */
  async #handle(batch: BusBatch, signal: AbortSignal): Promise<BatchOutcome | undefined | 'stopped'> {
    const labels = { topic: batch.topic, group: this.groupId };
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = (await this.#handler!(batch, { signal })) as BatchOutcome | undefined;
        this.#context.batchesHandled.inc(labels);
        return outcome;
      } catch (error) {
        this.#context.handlerErrors.inc(labels);
        try {
          this.#onError?.(error, batch, attempt);
        } catch (callbackError) {
          this.#logOnce(errorCode(callbackError), callbackError, batch.topic, batch.partition);
        }
        this.#logOnce(errorCode(error), error, batch.topic, batch.partition);
        if (signal.aborted) return 'stopped';
        await sleep(backoffDelayMs(attempt - 1, this.#context.retryBaseDelayMs, this.#context.retryMaxDelayMs), signal);
        if (signal.aborted) return 'stopped';
      }
    }
  }

  #commit(topic: string, partition: number, offset: number): void {
    try {
      this.#context.store.commit(this.groupId, topic, partition, offset, Date.now());
    } catch (error) {
      throw busErrors.create(
        'VIGIL_ERR_BUS_COMMIT_FAILED',
        { groupId: this.groupId, topic, partition, offset, reason: describeError(error) },
        { cause: error },
      );
    }
  }

  #logOnce(code: string, error: unknown, topic: string, partition: number): void {
    if (!this.#context.logLimiter.shouldLog(`${code}\u0000${this.groupId}\u0000${topic}`)) return;
    this.#context.logger.warn({ code, group: this.groupId, topic, partition, error: describeError(error) }, 'bus consumer batch failed');
  }
}
