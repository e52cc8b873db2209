import type { BusProducer } from '@vigil/bus';
import { TOPICS } from '@vigil/schema';
import type { EdgeMetrics } from '../metrics.ts';
import type { SealedBatch } from './seal.ts';

/**
 * Where sealed batches go once the publisher has them in order: straight to the bus, or into
 * the on-disk spool that forwards them to the bus. `deliver` resolves once the batches are
 * durable there (which is when an HTTP client gets its 202) and rejects as a whole otherwise;
 * the publisher retries the same group, in order.
 */
export interface BatchSink {
  deliver(batches: readonly SealedBatch[]): Promise<void>;
  /** True while the sink cannot take more (the spool is full). */
  isFull(): boolean;
  /** Calls `listener` when the sink has room again; returns an unsubscribe. */
  onRoom(listener: () => void): () => void;
  /** Bytes handed to one `deliver` call, at most. */
  readonly maxDeliveryBytes: number;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Sends groups of batches to `vigil.events`, keyed by edge id (so one edge's batches stay in
 * order on one partition), in bus messages of at most `maxMessageBytes` each.
 */
export async function sendBatches(producer: BusProducer, edgeId: string, batches: readonly SealedBatch[], maxMessageBytes: number, metrics: EdgeMetrics): Promise<void> {
  let chunk: SealedBatch[] = [];
  let bytes = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    await producer.send(TOPICS.events, chunk.map((batch) => ({ key: edgeId, value: batch.bytes })));
    metrics.batchesPublished.inc(chunk.length);
    metrics.eventsPublished.inc(chunk.reduce((total, batch) => total + batch.count, 0));
    chunk = [];
    bytes = 0;
  };
  for (const batch of batches) {
    if (bytes + batch.bytes.length > maxMessageBytes) await flush();
    chunk.push(batch);
    bytes += batch.bytes.length;
  }
  await flush();
}

/** No spool: a batch is durable once the bus has acknowledged it. */
export class BusSink implements BatchSink {
  readonly #producer: BusProducer;
  readonly #edgeId: string;
  readonly #maxMessageBytes: number;
  readonly #metrics: EdgeMetrics;
  readonly maxDeliveryBytes: number;

  constructor(options: { producer: BusProducer; edgeId: string; maxMessageBytes: number; metrics: EdgeMetrics }) {
    this.#producer = options.producer;
    this.#edgeId = options.edgeId;
    this.#maxMessageBytes = options.maxMessageBytes;
    this.#metrics = options.metrics;
    this.maxDeliveryBytes = options.maxMessageBytes * 8;
  }

  deliver(batches: readonly SealedBatch[]): Promise<void> {
    return sendBatches(this.#producer, this.#edgeId, batches, this.#maxMessageBytes, this.#metrics);
  }

  isFull(): boolean {
    return false;
  }

  onRoom(): () => void {
    return () => {};
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}
}
