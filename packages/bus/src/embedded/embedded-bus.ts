import { join } from 'node:path';
import { OncePerInterval, describeError, errorCode, parseConfig, silentLogger, type Logger, type Metrics } from '@vigil/runtime';
import type { Bus, BusConsumer, BusProducer, ConsumerOptions, TopicSpec } from '../bus.ts';
import { Appender } from './appender.ts';
import { embeddedBusConfigSchema, type EmbeddedBusConfig, type EmbeddedBusConfigInput } from './config.ts';
import { EmbeddedConsumer, type LabelledCounter } from './embedded-consumer.ts';
import { EmbeddedProducer } from './embedded-producer.ts';
import { busErrors } from '../errors.ts';
import { GroupCoordinator } from './group-coordinator.ts';
import { LogStore, partitionKey, type StoredTopic } from './log-store.ts';
import { Notifier } from './notifier.ts';
import { applyRetention } from './retention.ts';

/** Optional collaborators of the embedded bus. */
export interface EmbeddedBusDeps {
  metrics?: Metrics;
  logger?: Logger;
}

// Kafka's rule for topic names, so a topic that works embedded also works on Kafka.
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

const NO_COUNTER: LabelledCounter = { inc() {} };

/**
 * The bus of single-machine mode: a durable log in one SQLite file, with Kafka's semantics
 * (partitions, keys, consumer groups, committed offsets) inside one process.
 */
export class EmbeddedBus implements Bus {
  readonly config: EmbeddedBusConfig;
  readonly #store: LogStore;
  readonly #topics = new Map<string, StoredTopic>();
  readonly #notifier = new Notifier();
  readonly #coordinator: GroupCoordinator;
  readonly #appender: Appender;
  readonly #consumers = new Set<EmbeddedConsumer>();
  readonly #logger: Logger;
  readonly #logLimiter = new OncePerInterval();
  readonly #retentionTimer: NodeJS.Timeout;
  readonly #appendedTotal: LabelledCounter;
  readonly #batchesHandled: LabelledCounter;
  readonly #handlerErrors: LabelledCounter;
  readonly #retentionDeleted: LabelledCounter;
  #closed = false;

  constructor(config: EmbeddedBusConfig, deps: EmbeddedBusDeps = {}) {
    this.config = config;
    this.#logger = deps.logger ?? silentLogger();
    const metrics = deps.metrics;
    this.#appendedTotal = metrics?.counter('vigil_bus_messages_appended_total', 'Messages appended to the embedded log.', ['topic']) ?? NO_COUNTER;
    this.#batchesHandled = metrics?.counter('vigil_bus_batches_handled_total', 'Batches a consumer handler processed and committed.', ['topic', 'group']) ?? NO_COUNTER;
    this.#handlerErrors = metrics?.counter('vigil_bus_handler_errors_total', 'Batches whose handler threw; the batch is retried.', ['topic', 'group']) ?? NO_COUNTER;
    this.#retentionDeleted = metrics?.counter('vigil_bus_retention_deleted_total', 'Messages deleted by retention after every group committed past them.', ['topic']) ?? NO_COUNTER;
    try {
      this.#store = new LogStore(config.directory, config.fileName, config.busyTimeoutMs);
    } catch (error) {
      throw busErrors.create('VIGIL_ERR_BUS_STORAGE', { path: join(config.directory, config.fileName), reason: describeError(error) }, { cause: error });
    }
    this.#reloadTopics();
    this.#coordinator = new GroupCoordinator((topic) => this.#topic(topic)?.partitions ?? 0);
    this.#appender = new Appender(this.#store, (appended) => {
      for (const { topic, partition, count } of appended) {
        this.#appendedTotal.inc({ topic }, count);
        this.#notifier.notify(partitionKey(topic, partition));
      }
    });
    this.#retentionTimer = setInterval(() => this.#retentionTick(), config.retentionCheckIntervalMs);
    this.#retentionTimer.unref();
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    this.#assertOpen();
    const topics = specs.map((spec) => validateSpec(spec));
    try {
      this.#store.createTopics(topics, Date.now());
    } catch (error) {
      throw busErrors.create('VIGIL_ERR_BUS_STORAGE', { path: this.#store.path, reason: describeError(error) }, { cause: error });
    }
    this.#reloadTopics();
  }

  createProducer(): BusProducer {
    this.#assertOpen();
    return new EmbeddedProducer({
      appender: this.#appender,
      topic: (name) => this.#topic(name),
      maxMessageBytes: this.config.maxMessageBytes,
      closed: () => this.#closed,
    });
  }

  createConsumer(options: ConsumerOptions): BusConsumer {
    this.#assertOpen();
    return new EmbeddedConsumer(
      {
        store: this.#store,
        coordinator: this.#coordinator,
        notifier: this.#notifier,
        topic: (name) => this.#topic(name),
        pollIntervalMs: this.config.pollIntervalMs,
        retryBaseDelayMs: this.config.retryBaseDelayMs,
        retryMaxDelayMs: this.config.retryMaxDelayMs,
        logger: this.#logger,
        logLimiter: this.#logLimiter,
        batchesHandled: this.#batchesHandled,
        handlerErrors: this.#handlerErrors,
        closed: () => this.#closed,
        track: (consumer, running) => {
          if (running) this.#consumers.add(consumer);
          else this.#consumers.delete(consumer);
        },
      },
      options,
    );
  }

  async partitionCount(topic: string): Promise<number> {
    this.#assertOpen();
    const stored = this.#topic(topic);
    if (!stored) throw busErrors.create('VIGIL_ERR_BUS_UNKNOWN_TOPIC', { topic });
    return stored.partitions;
  }

  async committedOffset(groupId: string, topic: string, partition: number): Promise<string | null> {
    this.#assertOpen();
    const offset = this.#store.committed(groupId, topic, partition);
    return offset === null ? null : String(offset);
  }

  /** Runs retention now (it also runs every `retentionCheckIntervalMs`); returns how many messages were deleted. */
  runRetention(now = Date.now()): number {
    this.#assertOpen();
    const deleted = applyRetention(this.#store, [...this.#topics.values()], (topic) => this.#coordinator.activeGroupsOf(topic), now);
    let total = 0;
    for (const [topic, count] of deleted) {
      this.#retentionDeleted.inc({ topic }, count);
      total += count;
    }
    return total;
  }

  /** Stops every consumer (their batches in hand finish and commit), flushes sends and closes the log. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#retentionTimer);
    await Promise.allSettled([...this.#consumers].map((consumer) => consumer.stop()));
    await this.#appender.drain();
    this.#store.close();
  }

  #topic(name: string): StoredTopic | undefined {
    const cached = this.#topics.get(name);
    if (cached || this.#closed) return cached;
    // Another process sharing the data directory may have created it since.
    this.#reloadTopics();
    return this.#topics.get(name);
  }

  #reloadTopics(): void {
    for (const topic of this.#store.topics()) this.#topics.set(topic.name, topic);
  }

  #retentionTick(): void {
    try {
      this.runRetention();
    } catch (error) {
      if (this.#logLimiter.shouldLog('retention')) {
        this.#logger.warn({ code: errorCode(error), error: describeError(error) }, 'bus retention cleanup failed');
      }
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw busErrors.create('VIGIL_ERR_BUS_CLOSED', { what: 'embedded log' });
  }
}

/** Parses the configuration, opens (or creates) the log and returns the bus. */
export async function createEmbeddedBus(config: EmbeddedBusConfigInput, deps: EmbeddedBusDeps = {}): Promise<EmbeddedBus> {
  return new EmbeddedBus(parseConfig(embeddedBusConfigSchema, config, 'embedded bus configuration'), deps);
}

function validateSpec(spec: TopicSpec): StoredTopic {
  const fail = (reason: string) => busErrors.create('VIGIL_ERR_BUS_BAD_TOPIC_SPEC', { topic: spec.name, reason });
  if (typeof spec.name !== 'string' || !TOPIC_NAME.test(spec.name) || spec.name === '.' || spec.name === '..') {
    throw fail('the name must be 1-249 characters of letters, digits, ".", "_" and "-"');
  }
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1) throw fail('partitions must be a positive integer');
  if (spec.retentionMs !== undefined && (!Number.isInteger(spec.retentionMs) || spec.retentionMs < 1)) {
    throw fail('retentionMs must be a positive integer');
  }
  return { name: spec.name, partitions: spec.partitions, retentionMs: spec.retentionMs ?? null };
}
