import { describeError, errorCode, type Logger, type OncePerInterval } from '@vigil/runtime';
import { isPrecompressed } from '@vigil/schema';
import { Partitioners, type CompressionTypes, type Kafka, type Message, type Producer, type TopicMessages } from 'kafkajs';
import type { BusProducer, OutgoingMessage } from '../bus.ts';
import { busErrors } from '../errors.ts';
import { compressionType } from './compression.ts';
import { breaksIdempotence, sendError } from './kafka-errors.ts';
import { toKafkaMessage } from './messages.ts';
import { SendBatcher, type PendingSend } from './send-batcher.ts';
import type { TopicCatalog } from './topic-catalog.ts';

/** The part of a prom-client counter the bus uses. */
export interface LabelledCounter {
  inc(labels: Record<string, string>, value?: number): void;
}

/** What a producer needs from the bus that made it. */
export interface ProducerContext {
  kafka: Kafka;
  catalog: TopicCatalog;
  lingerMs: number;
  maxBatchMessages: number;
  maxBatchBytes: number;
  maxMessageBytes: number;
  requestTimeoutMs: number;
  compression: CompressionTypes;
  logger: Logger;
  logLimiter: OncePerInterval;
  appended: LabelledCounter;
  requests: LabelledCounter;
  sendErrors: LabelledCounter;
  closed(): boolean;
  /** Lets the bus close the producer on close and forget it once closed. */
  track(producer: KafkaProducer, open: boolean): void;
}

/**
 * Publishes to Kafka with an idempotent producer (acks from all in-sync replicas, one request in
 * flight) and joins concurrent sends into one request. `send` resolves once the broker
 * acknowledged every message of that send.
 */
export class KafkaProducer implements BusProducer {
  readonly #context: ProducerContext;
  readonly #batcher: SendBatcher<Message>;
  readonly #inFlight = new Set<Promise<void>>();
  #producer: Promise<Producer> | null = null;
  #closed = false;

  constructor(context: ProducerContext) {
    this.#context = context;
    this.#batcher = new SendBatcher<Message>({
      lingerMs: context.lingerMs,
      maxBatchMessages: context.maxBatchMessages,
      maxBatchBytes: context.maxBatchBytes,
      flush: (sends) => this.#flush(sends),
    });
    context.track(this, true);
  }

  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    this.#assertOpen();
    const work = this.#send(topic, messages);
    this.#inFlight.add(work);
    try {
      await work;
    } finally {
      this.#inFlight.delete(work);
    }
  }

  /** Stops accepting sends, sends what is queued, waits for it and disconnects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
    await this.#batcher.drain();
    const producer = this.#producer;
    this.#producer = null;
    if (producer) await disconnect(producer);
    this.#context.track(this, false);
  }

  async #send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    const partitions = await this.#context.catalog.partitions(topic);
    if (partitions === undefined) throw busErrors.create('VIGIL_ERR_BUS_UNKNOWN_TOPIC', { topic });
    if (messages.length === 0) return;
    let bytes = 0;
    let precompressed = true;
    const converted: Message[] = [];
    for (const message of messages) {
      const { kafka, size } = toKafkaMessage(message, topic, this.#context.maxMessageBytes);
      if (kafka.partition !== undefined) await this.#checkPartition(topic, kafka.partition, partitions);
      converted.push(kafka);
      bytes += size;
      precompressed &&= Buffer.isBuffer(kafka.value) && isPrecompressed(kafka.value);
    }
    try {
      await this.#batcher.add({ topic, messages: converted, bytes, precompressed });
    } catch (error) {
      this.#context.sendErrors.inc({ topic });
      const failure = sendError(error, topic, converted.length);
      // The topic was deleted since its partition count was cached.
      if (busErrors.is(failure, 'VIGIL_ERR_BUS_UNKNOWN_TOPIC')) this.#context.catalog.forget(topic);
      if (this.#context.logLimiter.shouldLog(`${errorCode(failure)}\u0000${topic}`)) {
        this.#context.logger.warn({ code: errorCode(failure), topic, error: describeError(error) }, 'bus send failed');
      }
      throw failure;
    }
    this.#context.appended.inc({ topic }, converted.length);
  }

  async #checkPartition(topic: string, partition: number, known: number): Promise<void> {
    if (!Number.isInteger(partition) || partition < 0) {
      throw busErrors.create('VIGIL_ERR_BUS_BAD_PARTITION', { topic, partition, partitions: known });
    }
    if (partition < known) return;
    // Partitions may have been added since the count was cached.
    const current = (await this.#context.catalog.partitions(topic, partition + 1)) ?? 0;
    if (partition >= current) throw busErrors.create('VIGIL_ERR_BUS_BAD_PARTITION', { topic, partition, partitions: current });
  }

  async #flush(sends: readonly PendingSend<Message>[]): Promise<void> {
    const producer = await this.#connected();
    const topicMessages: TopicMessages[] = [];
    const byTopic = new Map<string, Message[]>();
    for (const send of sends) {
      let list = byTopic.get(send.topic);
      if (!list) {
        list = [];
        byTopic.set(send.topic, list);
        topicMessages.push({ topic: send.topic, messages: list });
      }
      list.push(...send.messages);
    }
    this.#context.requests.inc({});
    try {
      // Compressed content (the edges' signed batches) does not shrink further; compressing it again only costs.
      const compression = sends[0]?.precompressed ? compressionType('none') : this.#context.compression;
      await producer.sendBatch({ topicMessages, acks: -1, timeout: this.#context.requestTimeoutMs, compression });
    } catch (error) {
      // The broker and this producer disagree on sequence numbers now; a new producer id starts afresh.
      if (breaksIdempotence(error) && this.#producer) {
        const broken = this.#producer;
        this.#producer = null;
        void disconnect(broken);
      }
      throw error;
    }
  }

  #connected(): Promise<Producer> {
    if (this.#producer) return this.#producer;
    const producer = this.#context.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    const connecting = producer.connect().then(() => producer);
    this.#producer = connecting;
    connecting.catch(() => {
      if (this.#producer === connecting) this.#producer = null;
    });
    return connecting;
  }

  #assertOpen(): void {
    if (this.#closed) throw busErrors.create('VIGIL_ERR_BUS_CLOSED', { what: 'producer' });
    if (this.#context.closed()) throw busErrors.create('VIGIL_ERR_BUS_CLOSED', { what: 'Kafka bus' });
  }
}

async function disconnect(producer: Promise<Producer>): Promise<void> {
  try {
    await (await producer).disconnect();
  } catch {
    // A producer that never connected or lost its connection has nothing to release.
  }
}
