import type { SQLInputValue } from 'node:sqlite';
import type { EcsEvent } from '@vigil/schema';
import { storeErrors } from '../errors.ts';
import { parseQuery } from '../query/parser.ts';
import { parseInstant } from '../query/values.ts';
import type { EventSearchRequest, EventSearchResult, StorableEvent, WriteResult } from '../store.ts';
import type { StoreDatabase } from './database.ts';
import { keysetPage } from './keyset-page.ts';
import { compileWhere } from './sql-where.ts';
import { eventTarget } from './targets.ts';

/** Largest page a search returns. */
export const MAX_PAGE_SIZE = 1000;

interface EventRow {
  id: string;
  ts: number;
  doc: string;
}

/** The events table and its FTS index: idempotent writes, search, lookup by id. */
export class EventTable {
  readonly #db: StoreDatabase;

  constructor(db: StoreDatabase) {
    this.#db = db;
  }

  write(events: StorableEvent[]): WriteResult {
    const rows = events.map(toRow);
    return this.#db.transaction(() => {
      const insert = this.#db.statement('INSERT OR IGNORE INTO events (id, ts, doc) VALUES (?, ?, ?)');
      const index = this.#db.statement('INSERT INTO events_fts (rowid, message, original) VALUES (?, ?, ?)');
      let created = 0;
      for (const row of rows) {
        const result = insert.run(row.id, row.ts, row.doc);
        if (result.changes === 0) continue;
        created++;
        index.run(result.lastInsertRowid, row.message, row.original);
      }
      return { created, duplicates: rows.length - created };
    });
  }

  search(request: EventSearchRequest): EventSearchResult {
    checkPageSize(request.size);
    const conditions: string[] = [];
    const params: SQLInputValue[] = [];
    if (request.from !== undefined) {
      conditions.push('e.ts >= ?');
      params.push(requestInstant('from', request.from));
    }
    if (request.to !== undefined) {
      conditions.push('e.ts < ?');
      params.push(requestInstant('to', request.to));
    }
    const where = compileWhere(parseQuery(request.query ?? ''), eventTarget);
    if (where.sql !== '1') {
      conditions.push(where.sql);
      params.push(...where.params);
    }
    const filter = conditions.length > 0 ? conditions.join(' AND ') : '1';
    const page = keysetPage<EcsEvent>(this.#db, {
      kind: 'events',
      from: 'events AS e',
      sortColumn: 'e.ts',
      idColumn: 'e.id',
      filter,
      params,
      size: request.size,
      cursor: request.cursor,
      order: request.order ?? 'desc',
    });
    return { total: page.total, events: page.docs, cursor: page.cursor };
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

function toRow(event: StorableEvent, position: number): EventRow & { message: string; original: string } {
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
  };
}

/** Throws `VIGIL_ERR_STORE_BAD_REQUEST` unless `size` is a whole number from 1 to 1000. */
export function checkPageSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw storeErrors.create('VIGIL_ERR_STORE_BAD_REQUEST', { reason: `size must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${size}` });
  }
}

function requestInstant(name: string, value: string): number {
  const ms = parseInstant(value);
  if (ms === null) throw storeErrors.create('VIGIL_ERR_STORE_BAD_REQUEST', { reason: `${name} is not an ISO-8601 date-time: ${value}` });
  return ms;
}
