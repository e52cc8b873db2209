import { OncePerInterval, parseConfig, silentLogger, type Logger, type Metrics } from '@vigil/runtime';
import type { Admin } from 'kafkajs';
import type { Bus, BusConsumer, BusProducer, ConsumerOptions, TopicSpec } from '../bus.ts';
import { busErrors } from '../errors.ts';
import { clientSettings, createClient, type ClientSettings } from './client.ts';
import { kafkaBusConfigSchema, type KafkaBusConfig, type KafkaBusConfigInput } from './config.ts';
import { KafkaConsumer, type ConsumerCounters } from './kafka-consumer.ts';
import { KafkaProducer, type LabelledCounter } from './kafka-producer.ts';
import { TopicCatalog, unavailable } from './topic-catalog.ts';
import { compressionType, registerZstd } from './compression.ts';

/** Optional collaborators of the Kafka bus. */
export interface KafkaBusDeps {
  metrics?: Metrics;
  logger?: Logger;
}

const NO_COUNTER: LabelledCounter = { inc() {} };

/**
 * The bus of distributed mode, on Kafka through kafkajs: topics created explicitly, an
 * idempotent producer that waits for all in-sync replicas, and consumer groups that commit
 * only what their handler finished. Behaves like the embedded bus (same contract suite).
 */
export class KafkaBus implements Bus {
  readonly config: KafkaBusConfig;
  readonly #settings: ClientSettings;
  readonly #admin: Admin;
  readonly #catalog: TopicCatalog;
  readonly #logger: Logger;
  readonly #logLimiter = new OncePerInterval();
  readonly #producers = new Set<KafkaProducer>();
  readonly #consumers = new Set<KafkaConsumer>();
  readonly #producerCounters: { appended: LabelledCounter; requests: LabelledCounter; sendErrors: LabelledCounter };
  readonly #consumerCounters: ConsumerCounters;
  #closed = false;

  /** Use {@link createKafkaBus}, which parses the configuration and connects. */
  constructor(config: KafkaBusConfig, deps: KafkaBusDeps = {}) {
    registerZstd();
    this.config = config;
    this.#logger = deps.logger ?? silentLogger();
    this.#settings = clientSettings(config);
    const kafka = createClient(this.#settings, { logger: this.#logger, level: config.logLevel, limiter: this.#logLimiter });
    this.#admin = kafka.admin({ retry: this.#settings.retry });
    this.#catalog = new TopicCatalog(this.#admin, config.brokers);
    const metrics = deps.metrics;
    const counter = (name: string, help: string, labels: readonly string[]) => metrics?.counter(name, help, labels) ?? NO_COUNTER;
    this.#producerCounters = {
      appended: counter('vigil_bus_messages_appended_total', 'Messages appended to the log (Kafka: acknowledged by all in-sync replicas).', ['topic']),
      requests: counter('vigil_bus_produce_requests_total', 'Produce requests sent to Kafka; concurrent sends share one.', []),
      sendErrors: counter('vigil_bus_send_errors_total', 'Sends that failed and were rejected to the caller.', ['topic']),
    };
    this.#consumerCounters = {
      batchesHandled: counter('vigil_bus_batches_handled_total', 'Batches a consumer handler processed and committed.', ['topic', 'group']),
      handlerErrors: counter('vigil_bus_handler_errors_total', 'Batches whose handler threw; the batch is retried.', ['topic', 'group']),
      commitErrors: counter('vigil_bus_commit_errors_total', 'Offset commits that failed; the batch may be handled again after a rebalance.', ['topic', 'group']),
      offsetOutOfRange: counter(
        'vigil_bus_offset_out_of_range_total',
        'Committed offsets found outside their partition (deleted by retention, topic recreated); the group restarted from the reset offset.',
        ['topic', 'group'],
      ),
      crashes: counter('vigil_bus_consumer_crashes_total', 'Times the Kafka consumer of a group crashed (it restarts when the error is retryable).', ['group']),
    };
  }

  /** Connects the admin client; fails with the broker list and the reason when Kafka cannot be reached. */
  async connect(): Promise<void> {
    try {
      await this.#admin.connect();
    } catch (error) {
      throw unavailable(this.config.brokers.join(','), 'connecting', error);
    }
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    this.#assertOpen();
    await this.#catalog.ensure(specs);
  }

  createProducer(): BusProducer {
    this.#assertOpen();
    return new KafkaProducer({
      kafka: createClient(this.#settings, { logger: this.#logger, level: this.config.logLevel, limiter: this.#logLimiter }),
      catalog: this.#catalog,
      lingerMs: this.config.lingerMs,
      maxBatchMessages: this.config.maxBatchMessages,
      maxBatchBytes: this.config.maxBatchBytes,
      maxMessageBytes: this.config.maxMessageBytes,
      requestTimeoutMs: this.config.requestTimeoutMs,
      compression: compressionType(this.config.compression),
      logger: this.#logger,
      logLimiter: this.#logLimiter,
      ...this.#producerCounters,
      closed: () => this.#closed,
      track: (producer, open) => {
        if (open) this.#producers.add(producer);
        else this.#producers.delete(producer);
      },
    });
  }

  createConsumer(options: ConsumerOptions): BusConsumer {
    this.#assertOpen();
    return new KafkaConsumer(
      {
        settings: this.#settings,
        config: this.config,
        admin: this.#admin,
        catalog: this.#catalog,
        logger: this.#logger,
        logLimiter: this.#logLimiter,
        counters: this.#consumerCounters,
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
    return this.#catalog.require(topic);
  }

  async committedOffset(groupId: string, topic: string, partition: number): Promise<string | null> {
    this.#assertOpen();
    if ((await this.#catalog.partitions(topic)) === undefined) return null;
    let offsets;
    try {
      offsets = await this.#admin.fetchOffsets({ groupId, topics: [topic] });
    } catch (error) {
      throw unavailable(this.config.brokers.join(','), `reading the offsets of group ${groupId}`, error);
    }
    const offset = offsets.find((entry) => entry.topic === topic)?.partitions.find((entry) => entry.partition === partition)?.offset;
    // Kafka answers -1 for "no commit"; kafkajs's own offset reset commits -2 ("earliest").
    return offset === undefined || BigInt(offset) < 0n ? null : offset;
  }

  /** Stops every consumer (their batches in hand finish and commit), flushes every producer, disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#consumers].map((consumer) => consumer.stop()));
    await Promise.allSettled([...this.#producers].map((producer) => producer.close()));
    await this.#admin.disconnect().catch(() => undefined);
  }

  #assertOpen(): void {
    if (this.#closed) throw busErrors.create('VIGIL_ERR_BUS_CLOSED', { what: 'Kafka bus' });
  }
}

/** Parses the configuration, connects to the brokers and returns the bus. */
export async function createKafkaBus(config: KafkaBusConfigInput, deps: KafkaBusDeps = {}): Promise<KafkaBus> {
  const bus = new KafkaBus(parseConfig(kafkaBusConfigSchema, config, 'Kafka bus configuration'), deps);
  await bus.connect();
  return bus;
}
