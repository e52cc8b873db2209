import { sendToDlq, type Bus, type BusBatch, type BusConsumer, type BusProducer } from '@vigil/bus';
import type { BatchVerifier } from '@vigil/provenance';
import { OncePerInterval, describeError, type Component, type Logger, type Metrics } from '@vigil/runtime';
import { TOPICS, alertSchema, type Alert } from '@vigil/schema';
import type { Store, StorableEvent } from '@vigil/store';
import type { IndexerConfig } from './config.ts';
import { decodeVerifiedEvents } from './event-batch-decoder.ts';
import { indexerErrors } from './errors.ts';

export interface IndexerDeps {
  bus: Bus;
  producer: BusProducer;
  store: Store;
  verifier: BatchVerifier;
  metrics: Metrics;
  logger: Logger;
  now?: () => Date;
}

/**
 * The indexer role: consumes `vigil.events` and `vigil.alerts` and writes them to the store.
 * Offsets are committed only after the store write resolved (the bus commits when the batch
 * handler returns), and writes are idempotent by id, so a crash anywhere redelivers at worst.
 * Batches whose signature fails are not stored: the engine sends them to the DLQ and raises
 * the alert; here they are counted.
 */
export function createIndexer(config: IndexerConfig, deps: IndexerDeps): Component {
  const { bus, producer, store, verifier, metrics, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const logOnce = new OncePerInterval();
  const written = metrics.counter('vigil_indexer_events_written_total', 'Events written to the store for the first time.');
  const duplicates = metrics.counter('vigil_indexer_events_duplicate_total', 'Events already stored (replays or redeliveries), left unchanged.');
  const rejected = metrics.counter('vigil_indexer_batches_rejected_total', 'Signed batches not stored because provenance checks failed.', ['code']);
  const dlq = metrics.counter('vigil_indexer_dlq_total', 'Messages the indexer sent to the DLQ.', ['code']);
  const alertsWritten = metrics.counter('vigil_indexer_alerts_written_total', 'Alert creations and updates written to the store.');
  let consumer: BusConsumer | null = null;

  async function handleEvents(batch: BusBatch): Promise<void> {
    const events: StorableEvent[] = [];
    const ingestedAt = now().toISOString();
    for (const message of batch.messages) {
      const verified = verifier.verify(message.value);
      if (!verified.ok) {
        rejected.inc({ code: verified.error.code });
        if (logOnce.shouldLog(verified.error.code)) logger.warn({ code: verified.error.code, edge: verified.claimedEdgeId }, verified.error.message);
        continue;
      }
      const decoded = decodeVerifiedEvents(verified, ingestedAt);
      events.push(...decoded.events);
      if (decoded.badPositions.length > 0) {
        const error = indexerErrors.create('VIGIL_ERR_INDEXER_BAD_EVENT', {
          position: decoded.badPositions.join(','),
          sequence: verified.batch.sequence.toString(),
          edgeId: verified.edgeId,
        });
        await sendToDlq(producer, message, error, 'indexer');
        dlq.inc({ code: error.code });
      }
    }
    if (events.length === 0) return;
    const result = await store.writeEvents(events);
    written.inc(result.created);
    duplicates.inc(result.duplicates);
  }

  async function handleAlerts(batch: BusBatch): Promise<void> {
    const alerts: Alert[] = [];
    for (const message of batch.messages) {
      const parsed = parseAlert(message.value);
      if (parsed.ok) {
        alerts.push(parsed.alert);
        continue;
      }
      const error = indexerErrors.create('VIGIL_ERR_INDEXER_BAD_ALERT', { reason: parsed.reason });
      await sendToDlq(producer, message, error, 'indexer');
      dlq.inc({ code: error.code });
    }
    if (alerts.length === 0) return;
    await store.upsertAlerts(alerts);
    alertsWritten.inc(alerts.length);
  }

  return {
    name: 'indexer',
    async start() {
      consumer = bus.createConsumer({
        groupId: config.groupId,
        topics: [TOPICS.events, TOPICS.alerts],
        maxBatchSize: config.maxBatchMessages,
        onError: (error, batch, attempt) => {
          if (logOnce.shouldLog(`retry:${batch.topic}`)) logger.warn({ topic: batch.topic, partition: batch.partition, attempt, err: describeError(error) }, 'store write failed; retrying');
        },
      });
      await consumer.run((batch) => (batch.topic === TOPICS.alerts ? handleAlerts(batch) : handleEvents(batch)));
    },
    async stop() {
      await consumer?.stop();
      consumer = null;
    },
  };
}

function parseAlert(value: Buffer): { ok: true; alert: Alert } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: describeError(error) };
  }
  const result = alertSchema.safeParse(json);
  if (!result.success) return { ok: false, reason: result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ') };
  return { ok: true, alert: result.data };
}
