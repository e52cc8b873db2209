import type { BusProducer, OutgoingMessage } from '../bus.ts';
import { toBytes } from '../message-bytes.ts';
import type { Appender } from './appender.ts';
import { busErrors } from '../errors.ts';
import type { AppendRow, StoredTopic } from './log-store.ts';
import { partitionForKey } from '../partitioner.ts';

/** What a producer needs from the bus that made it. */
export interface ProducerContext {
  appender: Appender;
  /** The topic, or undefined when it does not exist. */
  topic(name: string): StoredTopic | undefined;
  maxMessageBytes: number;
  /** True once the bus is closed. */
  closed(): boolean;
}

/** Publishes to the embedded log; `send` resolves after the rows are committed and synced. */
export class EmbeddedProducer implements BusProducer {
  readonly #context: ProducerContext;
  readonly #roundRobin = new Map<string, number>();
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(context: ProducerContext) {
    this.#context = context;
  }

  async send(topicName: string, messages: OutgoingMessage[]): Promise<void> {
    if (this.#closed) throw busErrors.create('VIGIL_ERR_BUS_CLOSED', { what: 'producer' });
    if (this.#context.closed()) throw busErrors.create('VIGIL_ERR_BUS_CLOSED', { what: 'embedded log' });
    const topic = this.#context.topic(topicName);
    if (!topic) throw busErrors.create('VIGIL_ERR_BUS_UNKNOWN_TOPIC', { topic: topicName });
    if (messages.length === 0) return;
    const rows = messages.map((message) => this.#toRow(topic, message));
    const written = this.#context.appender.append(rows);
    this.#inFlight.add(written);
    try {
      await written;
    } finally {
      this.#inFlight.delete(written);
    }
  }

  /** Stops accepting sends and waits for the ones already made. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#inFlight]);
  }

  #toRow(topic: StoredTopic, message: OutgoingMessage): AppendRow {
    const value = toBytes(message.value, topic.name, 'value');
    if (value === null) throw busErrors.create('VIGIL_ERR_BUS_BAD_MESSAGE', { topic: topic.name, reason: 'value is missing' });
    const key = message.key === undefined ? null : toBytes(message.key, topic.name, 'key');
    const headers = encodeHeaders(message.headers, topic.name);
    const bytes = value.byteLength + (key?.byteLength ?? 0) + (headers === null ? 0 : Buffer.byteLength(headers));
    if (bytes > this.#context.maxMessageBytes) {
      throw busErrors.create('VIGIL_ERR_BUS_MESSAGE_TOO_LARGE', { topic: topic.name, bytes, maxBytes: this.#context.maxMessageBytes });
    }
    return { topic: topic.name, partition: this.#partitionFor(topic, message, key), key, value, headers };
  }

  #partitionFor(topic: StoredTopic, message: OutgoingMessage, key: Buffer | null): number {
    if (message.partition !== undefined) {
      if (!Number.isInteger(message.partition) || message.partition < 0 || message.partition >= topic.partitions) {
        throw busErrors.create('VIGIL_ERR_BUS_BAD_PARTITION', { topic: topic.name, partition: message.partition, partitions: topic.partitions });
      }
      return message.partition;
    }
    if (key !== null) return partitionForKey(key, topic.partitions);
    const next = this.#roundRobin.get(topic.name) ?? 0;
    this.#roundRobin.set(topic.name, (next + 1) % topic.partitions);
    return next;
  }
}

function encodeHeaders(headers: Record<string, string> | undefined, topic: string): string | null {
  if (headers === undefined) return null;
  const entries = Object.entries(headers);
  if (entries.length === 0) return null;
  for (const [name, value] of entries) {
    if (typeof value !== 'string') throw busErrors.create('VIGIL_ERR_BUS_BAD_MESSAGE', { topic, reason: `header ${name} must be a string` });
  }
  return JSON.stringify(Object.fromEntries(entries));
}
