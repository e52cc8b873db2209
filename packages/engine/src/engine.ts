import { createHash } from 'node:crypto';
import { sendToDlq, type Bus, type BusBatch, type BusConsumer, type BusMessage, type BusProducer, type OutgoingMessage } from '@vigil/bus';
import { SequenceTracker, provenanceErrors, type BatchVerifier, type SequenceTrackerSnapshot, type VerifiedBatch } from '@vigil/provenance';
import { OncePerInterval, describeError, type Component, type Logger, type Metrics, type VigilError } from '@vigil/runtime';
import { TOPICS, type Alert } from '@vigil/schema';
import type { EngineConfig } from './config.ts';
import { EngineStateFiles } from './engine-state.ts';
import { engineErrors } from './errors.ts';
import type { AlertChange } from './alerts/alert-tracker.ts';
import { ProvenanceAlerts } from './provenance-alerts.ts';
import { HitStage } from './partitioned/hit-stage.ts';
import type { PartitionedDetection } from './partitioned/partitioned-detection.ts';
import type { ChangedAlert } from './partitioned/partition-state.ts';
import { bundleByPartition } from './partitioned/hit-record.ts';
import { eventTexts } from './event-texts.ts';

export interface EngineDeps {
  bus: Bus;
  producer: BusProducer;
  verifier: BatchVerifier;
  detection: PartitionedDetection;
  /** Directory for sequence state and the checkpoints of hits partitions. */
  stateDir: string;
  /** Topic names; Vigil's own by default (tests use their own). */
  topics?: Partial<Record<'events' | 'alerts' | 'hits', string>>;
  metrics: Metrics;
  logger: Logger;
  now?: () => Date;
  /** Alert notifications, sent once the alerts are on the bus. */
  notifier?: { notify(alert: Alert, change: AlertChange): void };
}

/**
 * The engine role, in two stages joined by the hits topic. Stage one reads each signed batch
 * on `vigil.events`, verifies provenance (signature, certificate, sequence) and runs the rules
 * over its events; every hit goes to `vigil.engine.hits` keyed by the state it changes (its
 * alert's dedup key, its correlation group). Stage two reads the hits topic and keeps that state
 * per partition, so however many instances share the work, each group's hits meet in one place;
 * it publishes created or updated alerts to `vigil.alerts`. Rejected batches go to the DLQ
 * with the reason and raise a provenance alert. Stage one's offsets are committed once its hits
 * and the sequence state are durable; stage two commits only what its checkpoints cover.
 */
export function createEngine(config: EngineConfig, deps: EngineDeps): Component {
  const { bus, producer, verifier, detection, metrics, logger } = deps;
  const topics = { events: TOPICS.events, alerts: TOPICS.alerts, hits: TOPICS.hits, ...deps.topics };
  const now = deps.now ?? (() => new Date());
  const state = new EngineStateFiles(deps.stateDir);
  const sequences = new SequenceTracker();
  const provenanceAlerts = new ProvenanceAlerts(config.detection.dedupWindowMs);
  const logOnce = new OncePerInterval();
  const batchesVerified = metrics.counter('vigil_engine_batches_verified_total', 'Signed batches whose provenance checks passed.');
  const batchesRejected = metrics.counter('vigil_engine_batches_rejected_total', 'Signed batches rejected by provenance checks, by error code.', ['code']);
  const batchesResent = metrics.counter('vigil_engine_batches_resent_total', 'Batches an edge sent again byte for byte (a resend from its spool after a crash); skipped as already processed.');
  const sequenceGaps = metrics.counter('vigil_engine_sequence_gaps_total', 'Batches missing between two batches of the same edge boot.');
  const eventsProcessed = metrics.counter('vigil_engine_events_processed_total', 'Events run through detection.');
  const badEvents = metrics.counter('vigil_engine_events_invalid_total', 'Events inside verified batches that were not JSON objects.');
  const alertsPublished = metrics.counter('vigil_engine_alerts_published_total', 'Alert creations and updates published to vigil.alerts.');
  const published = (alerts: readonly ChangedAlert[]) => {
    alertsPublished.inc(alerts.length);
    for (const { alert, change } of alerts) deps.notifier?.notify(alert, change);
  };
  // Known once the engine starts (the hits topic's partition count).
  let hitStage: HitStage | undefined;
  let hitPartitions = 0;
  let consumers: BusConsumer[] = [];

  function restoreSequences(): void {
    const read = state.read('sequences');
    if (read === null) return;
    if (read.ok) {
      sequences.restore(read.value as SequenceTrackerSnapshot);
    } else {
      const error = engineErrors.create('VIGIL_ERR_ENGINE_STATE_UNREADABLE', { path: state.path('sequences'), reason: read.reason });
      logger.error({ code: error.code }, error.message);
    }
  }

  async function reject(message: BusMessage, error: VigilError, edgeId: string | null, pending: Map<string, Alert>): Promise<void> {
    batchesRejected.inc({ code: error.code });
    if (logOnce.shouldLog(`${error.code}:${edgeId}`)) logger.warn({ code: error.code, edge: edgeId, offset: message.offset }, error.message);
    await sendToDlq(producer, message, error, 'engine');
    const alert = provenanceAlerts.raise({ kind: error.code, edgeId: edgeId ?? 'unknown', detail: error.message, origin: origin(message), at: now() });
    pending.set(alert.id, alert);
  }

  function detect(verified: VerifiedBatch, hits: OutgoingMessage[]): void {
    let invalid = 0;
    const routed = detection.match(
      eventTexts(verified.batch.events),
      (position) => {
        invalid++;
        badEvents.inc();
        const problem = engineErrors.create('VIGIL_ERR_ENGINE_BAD_EVENT', { position, sequence: verified.batch.sequence.toString(), edgeId: verified.edgeId });
        if (logOnce.shouldLog(problem.code)) logger.warn({ code: problem.code }, problem.message);
      },
    );
    eventsProcessed.inc(verified.batch.events.length - invalid);
    for (const hit of routed) hits.push(hit);
  }

  async function handleEvents(batch: BusBatch): Promise<void> {
    const pending = new Map<string, Alert>();
    const hits: OutgoingMessage[] = [];
    for (const message of batch.messages) {
      const verified = verifier.verify(message.value);
      if (!verified.ok) {
        await reject(message, verified.error, verified.claimedEdgeId, pending);
        continue;
      }
      const { edgeId, batch: content } = verified;
      const digest = createHash('sha256').update(message.value).digest('base64url').slice(0, 22);
      const verdict = sequences.observe(edgeId, content.bootId, content.sequence, message, digest);
      if (verdict.kind === 'resend') {
        // The edge sent this exact batch again from its spool (it crashed before recording the
        // bus's acknowledgement): already processed, nothing to do.
        batchesResent.inc();
        continue;
      }
      if (verdict.kind === 'replay') {
        const error = provenanceErrors.create('VIGIL_ERR_PROVENANCE_REPLAY', { edgeId, sequence: content.sequence.toString() });
        await reject(message, error, edgeId, pending);
        continue;
      }
      if (verdict.kind === 'gap') {
        sequenceGaps.inc(Number(verdict.missing));
        const alert = provenanceAlerts.raise({
          kind: 'sequence-gap',
          edgeId,
          detail: `${verdict.missing} batch(es) missing before sequence ${content.sequence}`,
          origin: origin(message),
          at: now(),
        });
        pending.set(alert.id, alert);
      }
      batchesVerified.inc();
      detect(verified, hits);
    }
    if (hits.length > 0) await producer.send(topics.hits, bundleByPartition(hits, hitPartitions));
    if (pending.size > 0) {
      await producer.send(
        topics.alerts,
        [...pending.values()].map((alert) => ({ key: alert.id, value: JSON.stringify(alert) })),
      );
      alertsPublished.inc(pending.size);
      // Provenance alerts are raised here: new on their first event.
      for (const alert of pending.values()) deps.notifier?.notify(alert, alert.vigil.alert.count === 1 ? 'created' : 'updated');
    }
    state.write('sequences', sequences.snapshot());
  }

  return {
    name: 'engine',
    async start() {
      restoreSequences();
      hitPartitions = await bus.partitionCount(topics.hits);
      const stage = (hitStage = new HitStage({ detection, producer, state, topics, hitPartitions, checkpointIntervalMs: config.checkpointIntervalMs, metrics, logger, published }));
      const onError = (error: unknown, failed: BusBatch, attempt: number) => {
        if (logOnce.shouldLog(`retry:${failed.topic}`)) logger.warn({ topic: failed.topic, partition: failed.partition, attempt, err: describeError(error) }, 'engine batch failed; retrying');
      };
      const hits = bus.createConsumer({ groupId: config.hitsGroupId, topics: [topics.hits], maxBatchSize: config.maxHitMessages, onError });
      consumers.push(hits);
      await hits.run((batch) => stage.handle(batch));
      const events = bus.createConsumer({ groupId: config.groupId, topics: [topics.events], maxBatchSize: config.maxBatchMessages, onError });
      consumers.push(events);
      await events.run(handleEvents);
    },
    async stop() {
      // Matching stops first; the hits it published wait in their topic for the next start.
      for (const consumer of consumers.reverse()) await consumer.stop();
      consumers = [];
      hitStage?.checkpointAll();
    },
  };
}

function origin(message: BusMessage): string {
  return `${message.topic}/${message.partition}@${message.offset}`;
}
