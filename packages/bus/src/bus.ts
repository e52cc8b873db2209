/**
 * The bus seam. Two implementations: the embedded durable log (one machine) and Kafka
 * (distributed). Both pass the contract suite in `contract/bus-contract.ts`; the semantics are
 * Kafka's: topics split into partitions, messages with the same key land in the same partition
 * in order, consumer groups share partitions, and a group resumes from its committed offset.
 */

/** How a topic is created. Vigil creates its topics itself; nothing relies on auto-creation. */
export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** How long messages are kept; the embedded log deletes only what every group has committed past. */
  retentionMs?: number;
}

/** A message to publish. */
export interface OutgoingMessage {
  /** Partitioning key: the same key always lands in the same partition. */
  key?: string | Buffer | null;
  value: Buffer | string;
  headers?: Record<string, string>;
  /** Explicit partition; overrides the key. */
  partition?: number;
}

/** A message read from the bus. */
export interface BusMessage {
  topic: string;
  partition: number;
  /** Offset as a decimal string (Kafka offsets are 64-bit). */
  offset: string;
  key: Buffer | null;
  value: Buffer;
  headers: Record<string, string>;
  /** Append time, Unix ms. */
  timestamp: number;
}

export interface BusProducer {
  /**
   * Publishes messages. Resolves only once every message is durable (embedded: written and
   * synced; Kafka: acknowledged by all in-sync replicas). Rejects as a whole otherwise.
   */
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** Messages from one partition, in offset order. */
export interface BusBatch {
  topic: string;
  partition: number;
  messages: BusMessage[];
}

export interface BatchContext {
  /** Aborted when the consumer is stopping or loses the partition. */
  signal: AbortSignal;
}

/** What a handler may say about the batch it finished. */
export interface BatchOutcome {
  /**
   * The offset to commit for the batch's partition (the next one a restarted group reads),
   * instead of the one after the batch's last message; `null` commits nothing. A handler that
   * keeps state commits only what its last checkpoint covers, so a restart replays the rest onto
   * that checkpoint. The consumer itself reads on after the batch either way.
   */
  readonly commitOffset: string | null;
}

/**
 * Processes one batch. When it resolves, the consumer commits the offset after the batch's last
 * message (or the one the outcome names). When it throws, nothing is committed and the same batch
 * is handed over again after a backoff: a handler that cannot process a message must send it to
 * the DLQ itself and return.
 */
// `void` keeps a handler without an outcome (`async (batch) => { ... }`, most of them) assignable.
// eslint-disable-next-line @typescript-eslint/no-invalid-void-type
export type BatchHandler = (batch: BusBatch, context: BatchContext) => Promise<void | BatchOutcome>;

export interface ConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a group with no committed offset starts. Vigil's default is the earliest message: nothing is skipped. */
  fromBeginning?: boolean;
  /** Most messages in one batch. */
  maxBatchSize?: number;
  /** Called when a handler throws (the batch will be retried). */
  onError?: (error: unknown, batch: BusBatch, attempt: number) => void;
}

export interface BusConsumer {
  /** Joins the group and starts handing batches to `handler`. Resolves once consuming has started. */
  run(handler: BatchHandler): Promise<void>;
  /** Stops fetching; waits for the batch in hand to finish and be committed. */
  stop(): Promise<void>;
  /** Stops fetching new batches from the given topics until resume (backpressure). */
  pause(topics: string[]): void;
  resume(topics: string[]): void;
  /** Messages not yet committed by this group, per topic (summed over partitions). */
  lag(): Promise<Record<string, number>>;
}

export interface Bus {
  /** Creates missing topics with the given partitions; existing topics are left as they are. */
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  createProducer(): BusProducer;
  createConsumer(options: ConsumerOptions): BusConsumer;
  /** How many partitions a topic has; VIGIL_ERR_BUS_UNKNOWN_TOPIC when it does not exist. */
  partitionCount(topic: string): Promise<number>;
  /** The committed offset (next offset to read) of a group for a topic-partition, or null. */
  committedOffset(groupId: string, topic: string, partition: number): Promise<string | null>;
  close(): Promise<void>;
}
