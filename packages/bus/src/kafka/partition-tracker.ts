/** Partitions of one topic, as kafkajs takes them for pause and resume. */
export interface TopicPartitions {
  topic: string;
  partitions: number[];
}

/** A batch that failed and will be handed over again, from `firstOffset` to `lastOffset`. */
export interface RetryState {
  firstOffset: string;
  lastOffset: string;
  attempt: number;
}

/** The key of a topic-partition in the tracker's maps. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/**
 * What one consumer knows about its partitions between kafkajs callbacks: the assignment of
 * the current group generation, the batches in hand (to abort them when their partition moves
 * away), which partitions are paused by the caller or backing off after a failure, and the
 * failed batches to hand over again.
 *
 * kafkajs keeps one pause set per partition, and pausing a single partition undoes a
 * topic-wide pause, so pauses are always applied per partition from {@link pauseState}.
 */
export class PartitionTracker {
  #generation = 0;
  #assigned = new Map<string, { topic: string; partition: number }>();
  #fencedGeneration = -1;
  #rebalancing = false;
  readonly #pausedTopics = new Set<string>();
  readonly #backoff = new Map<string, NodeJS.Timeout>();
  readonly #retries = new Map<string, RetryState>();
  readonly #inHand = new Map<string, AbortController>();

  /** Increases with every group join; a batch remembers the generation it started in. */
  get generation(): number {
    return this.#generation;
  }

  /** True after a heartbeat said the group is rebalancing, until the next join. */
  get rebalancing(): boolean {
    return this.#rebalancing;
  }

  /** Records a new assignment: batches of partitions that moved away are aborted and forgotten. */
  joined(assignment: Readonly<Record<string, readonly number[]>>): void {
    this.#generation++;
    this.#rebalancing = false;
    const assigned = new Map<string, { topic: string; partition: number }>();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) assigned.set(partitionKey(topic, partition), { topic, partition });
    }
    for (const [key, controller] of this.#inHand) if (!assigned.has(key)) controller.abort();
    for (const [key, timer] of this.#backoff) {
      if (assigned.has(key)) continue;
      clearTimeout(timer);
      this.#backoff.delete(key);
    }
    for (const key of this.#retries.keys()) if (!assigned.has(key)) this.#retries.delete(key);
    this.#assigned = assigned;
  }

  /** True while the partition is still ours in the generation a batch started in. */
  owns(topic: string, partition: number, generation: number): boolean {
    return generation === this.#generation && this.#fencedGeneration !== generation && this.#assigned.has(partitionKey(topic, partition));
  }

  /** The coordinator no longer knows this member: nothing it has in hand may be committed. */
  fence(): void {
    this.#fencedGeneration = this.#generation;
    for (const controller of this.#inHand.values()) controller.abort();
  }

  markRebalancing(): void {
    this.#rebalancing = true;
  }

  pauseTopics(topics: readonly string[]): void {
    for (const topic of topics) this.#pausedTopics.add(topic);
  }

  resumeTopics(topics: readonly string[]): void {
    for (const topic of topics) this.#pausedTopics.delete(topic);
  }

  /** True when the caller paused the topic or the partition is backing off after a failure. */
  isPaused(topic: string, partition: number): boolean {
    return this.#pausedTopics.has(topic) || this.#backoff.has(partitionKey(topic, partition));
  }

  /** Holds the partition back for `delayMs`, then calls `done`. */
  backOff(topic: string, partition: number, delayMs: number, done: () => void): void {
    const key = partitionKey(topic, partition);
    const existing = this.#backoff.get(key);
    if (existing) clearTimeout(existing);
    const timer = setTimeout(() => {
      if (this.#backoff.get(key) !== timer) return;
      this.#backoff.delete(key);
      done();
    }, delayMs);
    this.#backoff.set(key, timer);
  }

  retryOf(topic: string, partition: number): RetryState | undefined {
    return this.#retries.get(partitionKey(topic, partition));
  }

  /** Records a failed batch; returns its attempt number (1 for a batch that failed the first time). */
  failed(topic: string, partition: number, firstOffset: string, lastOffset: string): number {
    const key = partitionKey(topic, partition);
    const previous = this.#retries.get(key);
    const attempt = previous && previous.firstOffset === firstOffset ? previous.attempt + 1 : 1;
    this.#retries.set(key, { firstOffset, lastOffset, attempt });
    return attempt;
  }

  succeeded(topic: string, partition: number): void {
    this.#retries.delete(partitionKey(topic, partition));
  }

  /** Registers a batch in hand; its signal aborts when the partition moves away or the consumer stops. */
  begin(topic: string, partition: number): AbortController {
    const controller = new AbortController();
    this.#inHand.set(partitionKey(topic, partition), controller);
    return controller;
  }

  end(topic: string, partition: number, controller: AbortController): void {
    const key = partitionKey(topic, partition);
    if (this.#inHand.get(key) === controller) this.#inHand.delete(key);
  }

  /** Aborts every batch in hand and cancels every backoff (the consumer is stopping). */
  stopAll(): void {
    for (const controller of this.#inHand.values()) controller.abort();
    for (const timer of this.#backoff.values()) clearTimeout(timer);
    this.#backoff.clear();
  }

  /** For every assigned partition: whether kafkajs should fetch it or not. */
  pauseState(): { pause: TopicPartitions[]; resume: TopicPartitions[] } {
    const pause = new Map<string, number[]>();
    const resume = new Map<string, number[]>();
    for (const { topic, partition } of this.#assigned.values()) {
      const target = this.isPaused(topic, partition) ? pause : resume;
      let list = target.get(topic);
      if (!list) target.set(topic, (list = []));
      list.push(partition);
    }
    const toList = (map: Map<string, number[]>) => [...map].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
    return { pause: toList(pause), resume: toList(resume) };
  }
}
