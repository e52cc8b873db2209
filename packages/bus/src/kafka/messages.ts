import type { KafkaMessage, Message } from 'kafkajs';
import { toBytes } from '../message-bytes.ts';
import type { BusMessage, OutgoingMessage } from '../bus.ts';
import { busErrors } from '../errors.ts';

const EMPTY = Buffer.alloc(0);

/** Converts one outgoing message, refusing what Kafka would refuse; `size` counts key, value and headers. */
export function toKafkaMessage(message: OutgoingMessage, topic: string, maxMessageBytes: number): { kafka: Message; size: number } {
  const value = toBytes(message.value, topic, 'value');
  if (value === null) throw busErrors.create('VIGIL_ERR_BUS_BAD_MESSAGE', { topic, reason: 'value is missing' });
  const key = message.key === undefined ? null : toBytes(message.key, topic, 'key');
  let size = value.byteLength + (key?.byteLength ?? 0);
  const kafka: Message = { key, value };
  if (message.headers !== undefined && message.headers !== null) {
    const headers: Record<string, string> = {};
    for (const [name, headerValue] of Object.entries(message.headers)) {
      if (typeof headerValue !== 'string') throw busErrors.create('VIGIL_ERR_BUS_BAD_MESSAGE', { topic, reason: `header ${name} must be a string` });
      defineHeader(headers, name, headerValue);
      size += Buffer.byteLength(name) + Buffer.byteLength(headerValue);
    }
    kafka.headers = headers;
  }
  if (size > maxMessageBytes) throw busErrors.create('VIGIL_ERR_BUS_MESSAGE_TOO_LARGE', { topic, bytes: size, maxBytes: maxMessageBytes });
  if (message.partition !== undefined) kafka.partition = message.partition;
  return { kafka, size };
}

/** Converts a message kafkajs fetched. A tombstone (null value) becomes an empty value. */
export function toBusMessage(topic: string, partition: number, message: KafkaMessage): BusMessage {
  const headers: Record<string, string> = {};
  for (const [name, raw] of Object.entries(message.headers ?? {})) {
    // Kafka allows a header name to repeat; kafkajs then gives an array, and the last one wins.
    const last = Array.isArray(raw) ? raw.at(-1) : raw;
    if (last === undefined) continue;
    defineHeader(headers, name, typeof last === 'string' ? last : last.toString('utf8'));
  }
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key ?? null,
    value: message.value ?? EMPTY,
    headers,
    timestamp: Number(message.timestamp),
  };
}

/**
 * Splits the messages of one fetched partition batch into handler batches of at most
 * `maxBatchSize`. `firstEndsAt` (an offset) cuts the first batch there, so a batch that failed
 * is handed over again exactly as before even when more messages arrived since.
 */
export function chunkMessages<T extends { offset: string }>(messages: readonly T[], maxBatchSize: number, firstEndsAt?: string): T[][] {
  const chunks: T[][] = [];
  let start = 0;
  if (firstEndsAt !== undefined && messages.length > 0) {
    const end = BigInt(firstEndsAt);
    let count = 0;
    while (count < messages.length && count < maxBatchSize && BigInt(messages[count]!.offset) <= end) count++;
    if (count > 0) {
      chunks.push(messages.slice(0, count));
      start = count;
    }
  }
  for (let index = start; index < messages.length; index += maxBatchSize) chunks.push(messages.slice(index, index + maxBatchSize));
  return chunks;
}

// defineProperty, not assignment: a header named __proto__ stays a plain header and never
// reaches the prototype.
function defineHeader(headers: Record<string, string>, name: string, value: string): void {
  Object.defineProperty(headers, name, { value, enumerable: true, writable: true, configurable: true });
}

