import { createHash } from 'node:crypto';
import { sendToDlq, type Bus, type BusBatch, type BusConsumer, type BusMessage, type BusProducer } from '@vigil/bus';
import { SequenceTracker, provenanceErrors, type BatchVerifier, type SequenceTrackerSnapshot, type VerifiedBatch } from '@vigil/provenance';
import { OncePerInterval, describeError, type Component, type Logger, type Metrics, type VigilError } from '@vigil/runtime';
import { TOPICS, type Alert } from '@vigil/schema';
import type { EngineConfig } from './config.ts';
import { EngineStateFiles } from './engine-state.ts';
import { engineErrors } from './errors.ts';
import type { AlertChangeLog } from './alerts/alert-changes.ts';
import type { AlertChange } from './alerts/alert-tracker.ts';
import { ProvenanceAlerts } from './provenance-alerts.ts';

/** What the engine needs from detection: events in, created or updated alerts out. */
export interface Detector {
  /** Runs the rules over a batch of events given as JSON texts: the alerts it created or updated, each once; texts that are not JSON objects go to `invalid`. */
  processTexts(texts: Iterable<string>, invalid: (index: number) => void): Alert[];
  snapshot(): unknown;
  restore(snapshot: unknown): void;
}

export interface EngineDeps {
  bus: Bus;
  producer: BusProducer;
  verifier: BatchVerifier;
  detector: Detector;
  /** Directory for sequence and correlation state. */
  stateDir: string;
  metrics: Metrics;
  logger: Logger;
  now?: () => Date;
  /** Alert notifications, sent once the alerts are on the bus: the detection engine's change log and the notifier. */
  notifications?: { changes: AlertChangeLog; notifier: { notify(alert: Alert, change: AlertChange): void } };
}

/**
 * The engine role: for each signed batch on `vigil.events`, verify provenance (signature,
 * certificate, sequence), then run detection over its events and publish created or updated
 * alerts to `vigil.alerts`. Rejected batches go to the DLQ with the reason and raise a
 * provenance alert. Offsets are committed (by the bus, when this handler returns) only after
 * the alerts are durable on the bus and the sequence state is on disk.
 */
export function createEngine(config: EngineConfig, deps: EngineDeps): Component {
  const { bus, producer, verifier, detector, metrics, logger } = deps;
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
  let consumer: BusConsumer | null = null;
  let lastCheckpoint = Date.now();

  function restoreState(): void {
    for (const [name, apply] of [
      ['sequences', (value: unknown) => sequences.restore(value as SequenceTrackerSnapshot)],
      ['correlation', (value: unknown) => detector.restore(value)],
    ] as const) {
      const read = state.read(name);
      if (read === null) continue;
      if (read.ok) {
        apply(read.value);
      } else {
        const error = engineErrors.create('VIGIL_ERR_ENGINE_STATE_UNREADABLE', { path: state.path(name), reason: read.reason });
        logger.error({ code: error.code }, error.message);
      }
    }
  }

  async function reject(message: BusMessage, error: VigilError, edgeId: string | null, pending: Map<string, Alert>): Promise<void> {
    batchesRejected.inc({ code: error.code });
    if (logOnce.shouldLog(`${error.code}:${edgeId}`)) logger.warn({ code: error.code, edge: edgeId, offset: message.offset }, error.message);
    await sendToDlq(producer, message, error, 'engine');
    const alert = provenanceAlerts.raise({ kind: error.code, edgeId: edgeId ?? 'unknown', detail: error.message, origin: origin(message), at: now() });
    pending.set(alert.id, alert);
  }

  function detect(verified: VerifiedBatch, pending: Map<string, Alert>): void {
    const decoder = new TextDecoder();
    let invalid = 0;
    const alerts = detector.processTexts(
      verified.batch.events.map((bytes) => decoder.decode(bytes)),
      (position) => {
        invalid++;
        badEvents.inc();
        const problem = engineErrors.create('VIGIL_ERR_ENGINE_BAD_EVENT', { position, sequence: verified.batch.sequence.toString(), edgeId: verified.edgeId });
        if (logOnce.shouldLog(problem.code)) logger.warn({ code: problem.code }, problem.message);
      },
    );
    eventsProcessed.inc(verified.batch.events.length - invalid);
    for (const alert of alerts) pending.set(alert.id, alert);
  }

  async function handle(batch: BusBatch): Promise<void> {
    const pending = new Map<string, Alert>();
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
      detect(verified, pending);
    }
    if (pending.size > 0) {
      await producer.send(
        TOPICS.alerts,
        [...pending.values()].map((alert) => ({ key: alert.id, value: JSON.stringify(alert) })),
      );
      alertsPublished.inc(pending.size);
      notify(pending);
    }
    state.write('sequences', sequences.snapshot());
    if (Date.now() - lastCheckpoint >= config.checkpointIntervalMs) checkpoint();
  }

  /** Hands the published alerts to the notifier; provenance alerts (raised here) are new on their first event. */
  function notify(published: Map<string, Alert>): void {
    if (!deps.notifications) return;
    const changes = deps.notifications.changes.take();
    for (const alert of published.values()) deps.notifications.notifier.notify(alert, changes.get(alert.id) ?? (alert.vigil.alert.count === 1 ? 'created' : 'updated'));
  }

  function checkpoint(): void {
    state.write('correlation', detector.snapshot());
    lastCheckpoint = Date.now();
  }

  return {
    name: 'engine',
    async start() {
      restoreState();
      consumer = bus.createConsumer({
        groupId: config.groupId,
        topics: [TOPICS.events],
        maxBatchSize: config.maxBatchMessages,
        onError: (error, failed, attempt) => {
          if (logOnce.shouldLog('retry')) logger.warn({ partition: failed.partition, attempt, err: describeError(error) }, 'engine batch failed; retrying');
        },
      });
      await consumer.run(handle);
    },
    async stop() {
      await consumer?.stop();
      consumer = null;
      checkpoint();
    },
  };
}

function origin(message: BusMessage): string {
  return `${message.topic}/${message.partition}@${message.offset}`;
}
