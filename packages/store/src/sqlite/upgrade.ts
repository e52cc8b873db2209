import type { StorableEvent } from '../store.ts';
import type { StoreDatabase } from './database.ts';
import type { EventTable } from './event-table.ts';
import { SCHEMA_SQL } from './schema.ts';

/** Events copied per statement while upgrading. */
const COPY_BATCH = 1_000;

/**
 * Brings a database of an older schema version to the current one, inside `init()`'s
 * transaction. Version 1 numbered events in arrival order and had no field tokens: the events
 * are copied into the new tables (row ids in time order, full text and field tokens indexed),
 * which reads and writes every stored event once.
 */
export function upgradeSchema(db: StoreDatabase, events: EventTable, found: number): void {
  if (found !== 1) return;
  db.exec('DROP INDEX IF EXISTS events_ts_id; ALTER TABLE events RENAME TO events_v1; DROP TABLE IF EXISTS events_fts;');
  db.exec(SCHEMA_SQL);
  const read = db.statement('SELECT rid, doc FROM events_v1 WHERE rid > ? ORDER BY rid LIMIT ?');
  let last = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const rows = read.all(last, COPY_BATCH) as unknown as { rid: number; doc: string }[];
    if (rows.length === 0) break;
    events.insert(rows.map((row, position) => events.prepare(JSON.parse(row.doc) as StorableEvent, position)));
    last = rows[rows.length - 1]!.rid;
  }
  db.exec('DROP TABLE events_v1;');
}
