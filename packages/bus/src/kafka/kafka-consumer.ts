import { backoffDelayMs, describeError, errorCode, sleep, type Logger, type OncePerInterval } from '@vigil/runtime';
import { resolveConsumerOptions } from '../consumer-options.ts';
import type { Admin, Consumer, EachBatchPayload, LogEntry } from 'kafkajs';
import type { BatchHandler, BatchOutcome, BusBatch, BusConsumer, BusMessage, ConsumerOptions } from '../bus.ts';
import { busErrors } from '../errors.ts';
import { createClient, type ClientSettings } from './client.ts';
import type { KafkaBusConfig } from './config.ts';
import { isFencedFromGroup, isRebalancing } from './kafka-errors.ts';
import type { LabelledCounter } from './kafka-producer.ts';
import { chunkMessages, toBusMessage } from './messages.ts';
import { PartitionTracker } from './partition-tracker.ts';
import { unavailable, type TopicCatalog } from './topic-catalog.ts';

/** Counters a consumer updates, all labelled by topic and group (crashes by group). */
export interface ConsumerCounters {
  batchesHandled: LabelledCounter;
  handlerErrors: LabelledCounter;
  commitErrors: LabelledCounter;
  offsetOutOfRange: LabelledCounter;
  crashes: LabelledCounter;
}

/** What a consumer needs from the bus that made it. */
export interface ConsumerContext {
  settings: ClientSettings;
  config: KafkaBusConfig;
  admin: Admin;
  catalog: TopicCatalog;
  logger: Logger;
  logLimiter: OncePerInterval;
  counters: ConsumerCounters;
  closed(): boolean;
  /** Lets the bus stop the consumer on close. */
  track(consumer: KafkaConsumer, running: boolean): void;
}

type HandleOutcome = 'handled' | 'failed' | 'abandoned';

// kafkajs resets an out-of-range offset on its own and only says so in its log; this is the line.
const OFFSET_RESET_MESSAGE = 'Offset out of range, resetting to default offset';
const COMMIT_ATTEMPTS = 3;

/**
 * A member of a Kafka consumer group. kafkajs fetches; each partition's batch is cut into
 * handler batches of at most `maxBatchSize`, and after a handler resolves its offset is resolved
 * and committed explicitly. A failed batch is neither resolved nor committed: the partition
 * seeks back to its first offset and pauses for a backoff, and the same messages come again.
 * Offsets are committed only for partitions still assigned in the generation the batch began in.
 */
export class KafkaConsumer implements BusConsumer {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly #context: ConsumerContext;
  readonly #fromBeginning: boolean;
  readonly #maxBatchSize: number;
  readonly #onError: ConsumerOptions['onError'];
  readonly #tracker = new PartitionTracker();
  #consumer: Consumer | null = null;
  #handler: BatchHandler | null = null;
  #state: 'idle' | 'running' | 'stopped' = 'idle';
  #starting: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;

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
    // Claimed before the first await, so a second run() at the same time is refused.
    this.#state = 'running';
    try {
      for (const topic of this.topics) await this.#context.catalog.require(topic);
    } catch (error) {
      if (this.#state === 'running') this.#state = 'idle';
      throw error;
    }
    if (this.#state !== 'running') throw busErrors.create('VIGIL_ERR_BUS_CLOSED', { what: 'consumer' });
    this.#handler = handler;
    this.#context.track(this, true);
    this.#starting = this.#start();
    try {
      await this.#starting;
    } catch (error) {
      await this.stop();
      throw unavailable(this.#context.settings.brokers.join(','), `joining consumer group ${this.groupId}`, error);
    }
  }

  async stop(): Promise<void> {
    if (this.#state !== 'running') {
      this.#state = 'stopped';
      return this.#stopping ?? undefined;
    }
    this.#state = 'stopped';
    this.#stopping = this.#stop();
    return this.#stopping;
  }

  pause(topics: string[]): void {
    this.#tracker.pauseTopics(topics);
    this.#applyPauses();
  }

  resume(topics: string[]): void {
    this.#tracker.resumeTopics(topics);
    this.#applyPauses();
  }

  async lag(): Promise<Record<string, number>> {
    if (this.#context.closed()) throw busErrors.create('VIGIL_ERR_BUS_CLOSED', { what: 'Kafka bus' });
    const lag: Record<string, number> = {};
    for (const topic of this.topics) {
      await this.#context.catalog.require(topic);
      const brokers = this.#context.settings.brokers.join(',');
      let watermarks, committed;
      try {
        [watermarks, committed] = await Promise.all([
          this.#context.admin.fetchTopicOffsets(topic),
          this.#context.admin.fetchOffsets({ groupId: this.groupId, topics: [topic] }),
        ]);
      } catch (error) {
        throw unavailable(brokers, `reading the lag of group ${this.groupId}`, error);
      }
      const committedOf = new Map((committed.find((entry) => entry.topic === topic)?.partitions ?? []).map((entry) => [entry.partition, Number(entry.offset)]));
      let total = 0;
      for (const { partition, low, high } of watermarks) {
        const start = Math.max(committedOf.get(partition) ?? -1, Number(low));
        total += Math.max(0, Number(high) - start);
      }
      lag[topic] = total;
    }
    return lag;
  }

  async #start(): Promise<void> {
    const config = this.#context.config;
    const kafka = createClient(this.#context.settings, {
      logger: this.#context.logger,
      level: config.logLevel,
      limiter: this.#context.logLimiter,
      watch: (entry) => this.#watchLog(entry),
    });
    const consumer = kafka.consumer({
      groupId: this.groupId,
      sessionTimeout: config.sessionTimeoutMs,
      rebalanceTimeout: config.rebalanceTimeoutMs,
      heartbeatInterval: config.heartbeatIntervalMs,
      maxWaitTimeInMs: config.maxWaitTimeMs,
      maxBytesPerPartition: config.maxBytesPerPartition,
      allowAutoTopicCreation: false,
      retry: { ...this.#context.settings.retry, restartOnFailure: async () => this.#state === 'running' },
    });
    this.#consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.#tracker.joined(payload.memberAssignment);
      this.#applyPauses();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.#context.counters.crashes.inc({ group: this.groupId });
      this.#context.logger.error(
        { code: errorCode(payload.error), group: this.groupId, restart: payload.restart, error: describeError(payload.error) },
        payload.restart ? 'bus consumer crashed and restarts' : 'bus consumer crashed and does not restart',
      );
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.topics], fromBeginning: this.#fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.#eachBatch(payload),
    });
  }

  async #stop(): Promise<void> {
    // A join still in progress would start fetching after we stopped.
    await this.#starting?.catch(() => undefined);
    this.#tracker.stopAll();
    const consumer = this.#consumer;
    this.#consumer = null;
    try {
      // kafkajs waits for the batches in hand, whose handlers commit before they return.
      await consumer?.disconnect();
    } catch (error) {
      this.#logOnce('VIGIL_ERR_BUS_BROKER_UNAVAILABLE', error, '*', -1, 'bus consumer did not leave its group cleanly');
    } finally {
      this.#context.track(this, false);
    }
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition } = batch;
    const generation = this.#tracker.generation;
    if (batch.messages.length === 0 || !this.#tracker.owns(topic, partition, generation)) return;
    const messages = batch.messages.map((message) => toBusMessage(topic, partition, message));
    const retry = this.#tracker.retryOf(topic, partition);
    const chunks = chunkMessages(messages, this.#maxBatchSize, retry?.firstOffset === messages[0]!.offset ? retry.lastOffset : undefined);
    for (const chunk of chunks) {
      const first = chunk[0]!.offset;
      // Nothing after this point is resolved, so the next fetch starts at `first` again anyway;
      // the explicit seek also drops any batch of this partition kafkajs fetched meanwhile.
      if (this.#tracker.isPaused(topic, partition)) return this.#seek(topic, partition, first);
      if (this.#state !== 'running' || !payload.isRunning() || payload.isStale() || !this.#tracker.owns(topic, partition, generation)) return;
      const outcome = await this.#handle(payload, { topic, partition, messages: chunk }, generation);
      if (outcome === 'failed') return this.#retryLater(topic, partition, chunk);
      if (outcome === 'abandoned') return;
      // A member that lets the group rejoin promptly keeps the rest of its batch uncommitted but safe.
      if (this.#tracker.rebalancing) return;
    }
  }

  /** Hands one batch to the handler, heartbeating meanwhile, and commits it when it resolves. */
  async #handle(payload: EachBatchPayload, batch: BusBatch, generation: number): Promise<HandleOutcome> {
    const { topic, partition } = batch;
    const labels = { topic, group: this.groupId };
    const controller = this.#tracker.begin(topic, partition);
    if (this.#state !== 'running') controller.abort();
    // kafkajs sends a heartbeat only when the interval has passed; ticking twice as often keeps it on time.
    const heartbeats = setInterval(() => {
      payload.heartbeat().catch((error: unknown) => this.#heartbeatFailed(error, topic, partition));
    }, Math.max(50, Math.floor(this.#context.config.heartbeatIntervalMs / 2)));
    let outcome: BatchOutcome | undefined;
    try {
      outcome = (await this.#handler!(batch, { signal: controller.signal })) as BatchOutcome | undefined;
    } catch (error) {
      this.#context.counters.handlerErrors.inc(labels);
      const last = batch.messages.at(-1)!.offset;
      const attempt = this.#tracker.failed(topic, partition, batch.messages[0]!.offset, last);
      try {
        this.#onError?.(error, batch, attempt);
      } catch (callbackError) {
        this.#logOnce(errorCode(callbackError), callbackError, topic, partition, 'bus consumer onError callback threw');
      }
      this.#logOnce(errorCode(error), error, topic, partition, 'bus consumer batch failed');
      return 'failed';
    } finally {
      clearInterval(heartbeats);
      this.#tracker.end(topic, partition, controller);
    }
    this.#tracker.succeeded(topic, partition);
    this.#context.counters.batchesHandled.inc(labels);
    // The partition may have moved to another member meanwhile: committing for it now would
    // overwrite that member's progress, so the batch stays uncommitted and may be handled twice.
    if (!this.#tracker.owns(topic, partition, generation)) return 'abandoned';
    // Resolving moves the fetch position on; the commit is what a restarted group reads from.
    payload.resolveOffset(batch.messages.at(-1)!.offset);
    const commit = outcome ? outcome.commitOffset : (BigInt(batch.messages.at(-1)!.offset) + 1n).toString();
    if (commit !== null) await this.#commit(payload, topic, partition, commit, generation);
    return 'handled';
  }

  async #commit(payload: EachBatchPayload, topic: string, partition: number, offset: string, generation: number): Promise<void> {
    let failure: unknown;
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
      if (!this.#tracker.owns(topic, partition, generation)) return;
      try {
        await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset }] }] });
        return;
      } catch (error) {
        failure = error;
        if (isFencedFromGroup(error)) {
          this.#tracker.fence();
          break;
        }
        if (isRebalancing(error)) this.#tracker.markRebalancing();
        await sleep(backoffDelayMs(attempt, this.#context.config.retryBaseDelayMs, this.#context.config.retryMaxDelayMs));
      }
    }
    // The offset stays resolved: the next commit of this partition covers it, and if the
    // partition moves away first its new owner starts from the last commit (a redelivery).
    this.#context.counters.commitErrors.inc({ topic, group: this.groupId });
    const error = busErrors.create(
      'VIGIL_ERR_BUS_COMMIT_FAILED',
      { groupId: this.groupId, topic, partition, offset, reason: describeError(failure) },
      { cause: failure },
    );
    this.#logOnce(error.code, error, topic, partition, 'bus consumer commit failed');
  }

  /** After a failure: back to the batch's first offset, and hold the partition for a backoff. */
  #retryLater(topic: string, partition: number, chunk: readonly BusMessage[]): void {
    this.#seek(topic, partition, chunk[0]!.offset);
    if (this.#state !== 'running') return;
    const attempt = this.#tracker.retryOf(topic, partition)?.attempt ?? 1;
    const delay = backoffDelayMs(attempt - 1, this.#context.config.retryBaseDelayMs, this.#context.config.retryMaxDelayMs);
    this.#tracker.backOff(topic, partition, delay, () => this.#applyPauses());
    this.#applyPauses();
  }

  #seek(topic: string, partition: number, offset: string): void {
    try {
      this.#consumer?.seek({ topic, partition, offset });
    } catch (error) {
      // Only when kafkajs is between a crash and its restart; the restart reads from the last commit.
      this.#logOnce(errorCode(error), error, topic, partition, 'bus consumer could not seek');
    }
  }

  #applyPauses(): void {
    const consumer = this.#consumer;
    if (!consumer || this.#state !== 'running') return;
    const { pause, resume } = this.#tracker.pauseState();
    try {
      if (pause.length > 0) consumer.pause(pause);
      if (resume.length > 0) consumer.resume(resume);
    } catch {
      // kafkajs has no group before the first join or during a restart; the next join applies them.
    }
  }

  #heartbeatFailed(error: unknown, topic: string, partition: number): void {
    if (isRebalancing(error)) return this.#tracker.markRebalancing();
    if (isFencedFromGroup(error)) return this.#tracker.fence();
    this.#logOnce(errorCode(error), error, topic, partition, 'bus consumer heartbeat failed');
  }

  /** Turns kafkajs's silent offset reset into an error the caller sees. */
  #watchLog(entry: LogEntry): void {
    if (entry.log.message !== OFFSET_RESET_MESSAGE) return;
    const topic = String(entry.log.topic);
    const partition = Number(entry.log.partition);
    const resetTo = this.#fromBeginning ? 'earliest' : 'latest';
    const error = busErrors.create('VIGIL_ERR_BUS_OFFSET_OUT_OF_RANGE', { groupId: this.groupId, topic, partition, resetTo });
    this.#context.counters.offsetOutOfRange.inc({ topic, group: this.groupId });
    this.#tracker.succeeded(topic, partition);
    this.#context.logger.error({ code: error.code, group: this.groupId, topic, partition }, error.message);
    try {
      this.#onError?.(error, { topic, partition, messages: [] }, 1);
    } catch (callbackError) {
      this.#logOnce(errorCode(callbackError), callbackError, topic, partition, 'bus consumer onError callback threw');
    }
  }

  #logOnce(code: string, error: unknown, topic: string, partition: number, message: string): void {
    if (!this.#context.logLimiter.shouldLog(`${code}\u0000${this.groupId}\u0000${topic}\u0000${message}`)) return;
    this.#context.logger.warn({ code, group: this.groupId, topic, partition, error: describeError(error) }, message);
  }
}
