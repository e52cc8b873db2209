import type { EcsEvent } from '@vigil/schema';
import { storeErrors } from '../errors.ts';
import { parseInstant } from '../query/values.ts';
import type { EventSearchRequest, EventSearchResult, StorableEvent, WriteResult } from '../store.ts';
import type { StoreDatabase } from './database.ts';
import { EVENTS_PER_SECOND, rowId, secondOf, secondStart } from './event-keys.ts';
import { searchEvents } from './event-search.ts';
import { TermIndexer } from './event-terms.ts';

interface EventRow {
  id: string;
  ts: number;
  doc: string;
}

/** An event as its rows are written: the document, its full text and its field tokens. */
interface PreparedEvent extends EventRow {
  message: string;
  original: string;
  terms: string;
}

/**
 * The events table and its FTS index (full text and field tokens): idempotent writes, search,
 * lookup by id. Row ids are in time order (`event-keys.ts`).
 */
export class EventTable {
  readonly #db: StoreDatabase;
  readonly #terms: TermIndexer;

  constructor(db: StoreDatabase) {
    this.#db = db;
    this.#terms = new TermIndexer((json) => (db.statement(`SELECT lower(json_extract(?, '$')) AS text`).get(json) as { text: string | null }).text);
  }

  write(events: StorableEvent[]): WriteResult {
    const rows = events.map((event, position) => this.prepare(event, position));
    return this.#db.transaction(() => this.insert(rows));
  }

  /** Checks an event and makes its rows; throws `VIGIL_ERR_STORE_BAD_DOCUMENT` for one that cannot be stored. */
  prepare(event: StorableEvent, position: number): PreparedEvent {
    const id = event.event?.id;
    if (typeof id !== 'string' || id.length === 0) {
      throw storeErrors.create('VIGIL_ERR_STORE_BAD_DOCUMENT', { kind: 'event', position, reason: 'event.id is missing' });
    }
    const ts = typeof event['@timestamp'] === 'string' ? parseInstant(event['@timestamp']) : null;
    if (ts === null) {
      throw storeErrors.create('VIGIL_ERR_STORE_BAD_DOCUMENT', { kind: 'event', position, reason: '@timestamp is not an ISO-8601 date-time' });
    }
    return {
      id,
      ts,
      doc: JSON.stringify(event),
      message: typeof event.message === 'string' ? event.message : '',
      original: typeof event.event.original === 'string' ? event.event.original : '',
      terms: this.#terms.terms(event),
    };
  }

  /** Inserts prepared events (in the caller's transaction), each with the next row id of its second; an id already stored is left as it is. */
  insert(rows: PreparedEvent[]): WriteResult {
    const insert = this.#db.statement('INSERT INTO events (rid, id, ts, doc) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING');
    const index = this.#db.statement('INSERT INTO events_fts (rowid, message, original, terms) VALUES (?, ?, ?, ?)');
    const next = new Map<number, number>();
    let created = 0;
    rows.forEach((row, position) => {
      const second = secondOf(row.ts);
      const sequence = next.get(second) ?? this.#nextSequence(second);
      if (sequence >= EVENTS_PER_SECOND) {
        const reason = `more than ${EVENTS_PER_SECOND} events are stored with @timestamp in the second from ${new Date(second * 1000).toISOString()}`;
        throw storeErrors.create('VIGIL_ERR_STORE_BAD_DOCUMENT', { kind: 'event', position, reason });
      }
      const rid = rowId(second, sequence);
      if (insert.run(rid, row.id, row.ts, row.doc).changes === 0) return;
      next.set(second, sequence + 1);
      created++;
      index.run(rid, row.message, row.original, row.terms);
    });
    return { created, duplicates: rows.length - created };
  }

  search(request: EventSearchRequest): EventSearchResult {
    return searchEvents(this.#db, request);
  }

  #nextSequence(second: number): number {
    const start = secondStart(second);
    const row = this.#db.statement('SELECT max(rid) - ? AS last FROM events WHERE rid >= ? AND rid < ?').get(start, start, start + BigInt(EVENTS_PER_SECOND)) as { last: number | null };
    return row.last === null ? 0 : row.last + 1;
  }

  get(ids: string[]): EcsEvent[] {
    if (ids.length === 0) return [];
    const rows = this.#db
      .statement('SELECT id, doc FROM events WHERE id IN (SELECT value FROM json_each(?))')
      .all(JSON.stringify(ids)) as unknown as Pick<EventRow, 'id' | 'doc'>[];
    const byId = new Map(rows.map((row) => [row.id, row.doc]));
    const events: EcsEvent[] = [];
    for (const id of ids) {
      const doc = byId.get(id);
      if (doc !== undefined) events.push(JSON.parse(doc) as EcsEvent);
    }
    return events;
  }

  count(): number {
    return (this.#db.statement('SELECT count(*) AS n FROM events').get() as { n: number }).n;
  }
}
