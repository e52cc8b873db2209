import { backoffDelayMs, sleep, type VigilError } from '@vigil/runtime';
import { storeErrors } from '../errors.ts';
import { parseInstant } from '../query/values.ts';
import type { StorableEvent, WriteResult } from '../store.ts';
import { refusedError, type BulkAction, type BulkOutcome, type BulkSender, type RefusedDocument } from './bulk.ts';
import type { OpenSearchStoreConfig } from './config.ts';
import type { IndexRegistry } from './index-registry.ts';
import { eventsIndexFor, routingTime, type IndexNames } from './indices.ts';
import type { StoreMetrics } from './store-metrics.ts';
import { searchText } from './text-analysis.ts';

/**
 * Writes events idempotently. Each event is created (`op_type: create`, `_id = event.id`)
 * in the index of its period (see `routingTime`): the same event always lands in the same
 * index, so a replay, even one that arrives after the next period's index exists, gets
 * 409 and is counted as a duplicate instead of creating a second copy. A rollover alias
 * with size-based rollover could not promise that: `_id` is unique only within one index.
 *
 * Per item: 201 created; 409 duplicate; 429 and 5xx are retried (only those items) with
 * exponential back-off and jitter; a missing index is created and the items retried; 400
 * (mapping or parse errors) fail the write with `VIGIL_ERR_STORE_DOCUMENT_REJECTED`, naming
 * every refused id and why, after everything else has been written.
 */
export class EventWriter {
  readonly #bulk: BulkSender;
  readonly #indices: IndexRegistry;
  readonly #names: IndexNames;
  readonly #config: OpenSearchStoreConfig;
  readonly #metrics: StoreMetrics;

  constructor(bulk: BulkSender, indices: IndexRegistry, names: IndexNames, config: OpenSearchStoreConfig, metrics: StoreMetrics) {
    this.#bulk = bulk;
    this.#indices = indices;
    this.#names = names;
    this.#config = config;
    this.#metrics = metrics;
  }

  async write(events: StorableEvent[]): Promise<WriteResult> {
    const actions: BulkAction[] = [];
    const seen = new Set<string>();
    let duplicates = 0;
    events.forEach((event, position) => {
      const id = checkEvent(event, position);
      if (seen.has(id)) {
        duplicates++;
        this.#metrics.eventsDuplicate.inc();
        return;
      }
      seen.add(id);
      const index = eventsIndexFor(this.#names, this.#config.rollover.period, routingTime(event)!);
      actions.push({ op: 'create', index, id, doc: withSearchWords(event) });
    });
    let created = 0;
    const refused: RefusedDocument[] = [];
    let pending = actions;
    const { maxAttempts, baseDelayMs, maxDelayMs } = this.#config.retry;
    for (let attempt = 0; pending.length > 0; attempt++) {
      await this.#indices.ensure(pending.map((action) => action.index));
      const outcomes = await this.#bulk.send(pending);
      const again: BulkAction[] = [];
      let lastReason = '';
      let unavailable: VigilError | undefined;
      outcomes.forEach((outcome: BulkOutcome, i) => {
        const action = pending[i]!;
        switch (outcome.kind) {
          case 'written':
            created++;
            this.#metrics.eventsWritten.inc();
            break;
          case 'conflict':
            duplicates++;
            this.#metrics.eventsDuplicate.inc();
            break;
          case 'refused':
            refused.push({ id: action.id, status: outcome.status, reason: outcome.reason });
            break;
          case 'missing-index':
            this.#indices.forget(action.index);
            again.push(action);
            break;
          case 'retry':
            lastReason = outcome.reason;
            unavailable = outcome.unavailable ?? unavailable;
            again.push(action);
            this.#metrics.retried.inc({ kind: 'event' });
            break;
        }
      });
      pending = again;
      if (pending.length === 0) break;
      if (attempt + 1 >= maxAttempts) {
        if (unavailable) throw unavailable;
        throw storeErrors.create('VIGIL_ERR_STORE_OVERLOADED', {
          count: pending.length,
          total: events.length,
          attempts: maxAttempts,
          reason: lastReason || 'index missing',
          ids: pending.map((action) => action.id),
        });
      }
      if (lastReason) await sleep(backoffDelayMs(attempt, baseDelayMs, maxDelayMs));
    }
    if (refused.length > 0) {
      this.#metrics.refused.inc({ kind: 'event' }, refused.length);
      throw refusedError('event', refused, events.length, { created, duplicates });
    }
    return { created, duplicates };
  }
}

/** The event's id; throws `VIGIL_ERR_STORE_BAD_DOCUMENT` (before anything is written) for an event no store could keep. */
function checkEvent(event: StorableEvent, position: number): string {
  const id = event?.event?.id;
  if (typeof id !== 'string' || id.length === 0) {
    throw storeErrors.create('VIGIL_ERR_STORE_BAD_DOCUMENT', { kind: 'event', position, reason: 'event.id is missing' });
  }
  if (Buffer.byteLength(id) > 512) {
    throw storeErrors.create('VIGIL_ERR_STORE_BAD_DOCUMENT', { kind: 'event', position, reason: 'event.id is longer than 512 bytes' });
  }
  const timestamp = event['@timestamp'];
  if (typeof timestamp !== 'string' || parseInstant(timestamp) === null) {
    throw storeErrors.create('VIGIL_ERR_STORE_BAD_DOCUMENT', { kind: 'event', position, reason: '@timestamp is not an ISO-8601 date-time' });
  }
  return id;
}

/** The event plus the pre-analysed words of its free-text fields (see `text-analysis.ts`); the caller's object is not changed. */
function withSearchWords(event: StorableEvent): unknown {
  const words: Record<string, string> = {};
  if (typeof event.message === 'string') words.message = searchText(event.message);
  if (typeof event.event.original === 'string') words.original = searchText(event.event.original);
  return Object.keys(words).length > 0 ? { ...event, vigil_search: words } : event;
}
