import { sendToDlq, type BatchOutcome, type BusBatch, type BusMessage, type BusProducer, type OutgoingMessage } from '@vigil/bus';
import { OncePerInterval, type Logger, type Metrics } from '@vigil/runtime';
import type { EngineStateFiles } from '../engine-state.ts';
import { engineErrors } from '../errors.ts';
import type { PartitionedDetection } from './partitioned-detection.ts';
import type { ChangedAlert } from './partition-state.ts';
import { bundleByPartition, splitHitBundle, type HitLines } from './hit-record.ts';

export interface HitStageDeps {
  detection: PartitionedDetection;
  producer: BusProducer;
  state: EngineStateFiles;
  topics: { hits: string; alerts: string };
  /** Partitions of the hits topic: correlation firings are sent on to their groups' partitions. */
  hitPartitions: number;
  checkpointIntervalMs: number;
  metrics: Metrics;
  logger: Logger;
  /** Called with the alerts of a batch once they are on the bus (notifications). */
  published(alerts: readonly ChangedAlert[]): void;
}

/** What applying a batch produced, kept until it is all on the bus. */
interface Output {
  alerts: ChangedAlert[];
  forward: OutgoingMessage[];
  rejected: { message: BusMessage; reason: string }[];
}

/** Where one partition stands. Offsets are the next one to read. */
interface Progress {
  /** Messages before this offset are in the partition's state. */
  applied: bigint;
  /** The checkpoint on disk covers messages before this offset: the offset to commit. */
  checkpointed: bigint;
  checkpointedAt: number;
  touchedAt: number;
  /** What applied messages produced and the bus has not yet taken (a failed send): sent first on the retry. */
  unsent: Output | undefined;
}

interface PartitionCheckpoint {
  offset: string;
  detection: unknown;
}

/**
 * Stage two of the engine: consumes the hits topic and keeps each partition's correlation
 * groups and alerts. State and offsets move together: a partition's state is checkpointed to
 * the data directory with the offset it covers, and only that offset is committed, so a
 * restarted engine restores the checkpoint and replays the hits after it (continuing open
 * windows). A batch whose first offset is not where the state stands (a restart, a partition
 * that came back from another instance) reloads the partition from its checkpoint.
 */
export class HitStage {
  readonly #deps: HitStageDeps;
  readonly #progress = new Map<number, Progress>();
  readonly #logOnce = new OncePerInterval();
  readonly #messages;
  readonly #hitsApplied;
  readonly #hitsRejected;
  readonly #stateBehind;
  readonly #checkpoints;

  constructor(deps: HitStageDeps) {
    this.#deps = deps;
    this.#messages = deps.metrics.counter('vigil_engine_hit_messages_total', 'Hits-topic messages (bundles of hit records) applied.');
    this.#hitsApplied = deps.metrics.counter('vigil_engine_hits_applied_total', 'Hit records (the hits of one event for one partition) applied to correlation and alert state.');
    this.#hitsRejected = deps.metrics.counter('vigil_engine_hits_rejected_total', 'Hit records that could not be applied (their message goes to the DLQ).');
    this.#stateBehind = deps.metrics.counter('vigil_engine_state_behind_total', 'Hits partitions resumed past the offset their checkpoint covers (hits missing from state).');
    this.#checkpoints = deps.metrics.counter('vigil_engine_state_checkpoints_total', 'Hits-partition state checkpoints written.');
  }

  /** Applies one batch of a hits partition; resolves with the offset its checkpoint covers (to commit). */
  async handle(batch: BusBatch): Promise<BatchOutcome> {
    const { partition, messages } = batch;
    const first = BigInt(messages[0]!.offset);
    let progress = this.#progress.get(partition);
    if (!progress || first > progress.applied || first < progress.checkpointed) progress = this.#load(partition, first);
    progress.touchedAt = Date.now();
    if (progress.unsent) await this.#publish(progress);
    const fresh = messages.filter((message) => BigInt(message.offset) >= progress.applied);
    if (fresh.length > 0) {
      // Each message is a bundle of records; a refused record sends its message to the DLQ (its other records are applied).
      const records: HitLines[] = [];
      const messageOf: BusMessage[] = [];
      for (const message of fresh) {
        for (const record of splitHitBundle(message.value.toString('utf8'))) {
          records.push(record);
          messageOf.push(message);
        }
      }
      const applied = this.#deps.detection.apply(partition, records);
      const rejected = new Map<BusMessage, string[]>();
      for (const { index, reason } of applied.rejected) {
        const message = messageOf[index]!;
        rejected.set(message, [...(rejected.get(message) ?? []), `record ${index - messageOf.indexOf(message)}: ${reason}`]);
      }
      progress.applied = BigInt(fresh.at(-1)!.offset) + 1n;
      progress.unsent = {
        alerts: applied.alerts,
        forward: bundleByPartition(applied.forward, this.#deps.hitPartitions),
        rejected: [...rejected].map(([message, reasons]) => ({ message, reason: reasons.join('; ') })),
      };
      this.#messages.inc(fresh.length);
      this.#hitsApplied.inc(records.length - applied.rejected.length);
      this.#hitsRejected.inc(applied.rejected.length);
      await this.#publish(progress);
    }
    if (Date.now() - progress.checkpointedAt >= this.#deps.checkpointIntervalMs) this.#checkpoint(partition, progress);
    this.#dropIdle();
    return { commitOffset: progress.checkpointed.toString() };
  }

  /** Checkpoints every partition whose output is all on the bus (at shutdown). */
  checkpointAll(): void {
    for (const [partition, progress] of this.#progress) if (!progress.unsent && progress.applied > progress.checkpointed) this.#checkpoint(partition, progress);
  }

  /** Sends what applied messages produced; each part is dropped once sent, so a retry after a failed send repeats nothing. */
  async #publish(progress: Progress): Promise<void> {
    const unsent = progress.unsent!;
    const { producer, topics } = this.#deps;
    if (unsent.forward.length > 0) {
      await producer.send(topics.hits, unsent.forward);
      unsent.forward = [];
    }
    if (unsent.alerts.length > 0) {
      const alerts = unsent.alerts;
      await producer.send(topics.alerts, alerts.map(({ alert }) => ({ key: alert.id, value: JSON.stringify(alert) })));
      unsent.alerts = [];
      this.#deps.published(alerts);
    }
    while (unsent.rejected.length > 0) {
      const { message, reason } = unsent.rejected[0]!;
      const error = engineErrors.create('VIGIL_ERR_ENGINE_BAD_HIT', { reason });
      if (this.#logOnce.shouldLog(error.code)) this.#deps.logger.warn({ code: error.code, partition: message.partition, offset: message.offset }, error.message);
      await sendToDlq(producer, message, error, 'engine');
      unsent.rejected.shift();
    }
    progress.unsent = undefined;
  }

  /** Restores a partition from its checkpoint, skipping what the checkpoint already covers. */
  #load(partition: number, first: bigint): Progress {
    const { detection, state, logger } = this.#deps;
    const name = `hits-${partition}`;
    let covered = first;
    detection.restore(partition, undefined);
    const read = state.read(name);
    if (read?.ok) {
      try {
        const checkpoint = read.value as PartitionCheckpoint;
        detection.restore(partition, checkpoint.detection);
        covered = BigInt(checkpoint.offset);
      } catch (error) {
        detection.restore(partition, undefined);
        const problem = engineErrors.create('VIGIL_ERR_ENGINE_STATE_UNREADABLE', { path: state.path(name), reason: (error as Error).message });
        logger.error({ code: problem.code }, problem.message);
      }
    } else if (read && !read.ok) {
      const problem = engineErrors.create('VIGIL_ERR_ENGINE_STATE_UNREADABLE', { path: state.path(name), reason: read.reason });
      logger.error({ code: problem.code }, problem.message);
    }
    if (read?.ok && covered < first) {
      this.#stateBehind.inc();
      const problem = engineErrors.create('VIGIL_ERR_ENGINE_STATE_BEHIND', { partition, covered: covered.toString(), resumed: first.toString() });
      logger.warn({ code: problem.code }, problem.message);
    }
    const start = covered > first ? covered : first;
    const progress: Progress = { applied: start, checkpointed: start, checkpointedAt: Date.now(), touchedAt: Date.now(), unsent: undefined };
    this.#progress.set(partition, progress);
    return progress;
  }

  #checkpoint(partition: number, progress: Progress): void {
    const checkpoint: PartitionCheckpoint = { offset: progress.applied.toString(), detection: this.#deps.detection.snapshot(partition) };
    this.#deps.state.write(`hits-${partition}`, checkpoint);
    progress.checkpointed = progress.applied;
    progress.checkpointedAt = Date.now();
    this.#checkpoints.inc();
  }

  /**
   * Partitions quiet for ten checkpoint intervals (most likely moved to another instance) are
   * checkpointed and dropped from memory; a later batch reloads them.
   */
  #dropIdle(): void {
    const idleBefore = Date.now() - 10 * this.#deps.checkpointIntervalMs;
    for (const [partition, progress] of this.#progress) {
      if (progress.touchedAt >= idleBefore || progress.unsent) continue;
      if (progress.applied > progress.checkpointed) this.#checkpoint(partition, progress);
      this.#deps.detection.drop(partition);
      this.#progress.delete(partition);
    }
  }
}
