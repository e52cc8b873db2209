import type { SQLInputValue } from 'node:sqlite';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type { StoreDatabase } from './database.ts';

/** One newest-first page of a table, found by keyset (sort time, id) rather than OFFSET. */
export interface KeysetQuery {
  kind: 'events' | 'alerts';
  /** `events AS e` or `alerts AS a`. */
  from: string;
  /** The alias-qualified sort column holding Unix ms, e.g. `e.ts`. */
  sortColumn: string;
  /** The alias-qualified id column. */
  idColumn: string;
  /** WHERE clause (parameterised) and its parameters. */
  filter: string;
  params: SQLInputValue[];
  size: number;
  cursor: string | undefined;
}

/** The total of all matches, one page of documents (parsed JSON), and the next cursor. */
export function keysetPage<T>(db: StoreDatabase, query: KeysetQuery): { total: number; docs: T[]; cursor: string | null } {
  const { kind, from, sortColumn, idColumn, filter, params, size, cursor } = query;
  const { n: total } = db.statement(`SELECT count(*) AS n FROM ${from} WHERE ${filter}`).get(...params) as { n: number };
  let page = filter;
  const pageParams = [...params];
  if (cursor !== undefined) {
    const after = decodeCursor(kind, cursor);
    page = `${filter} AND (${sortColumn}, ${idColumn}) < (?, ?)`;
    pageParams.push(after.ms, after.id);
  }
  const rows = db
    .statement(`SELECT ${idColumn} AS id, ${sortColumn} AS sort, doc FROM ${from} WHERE ${page} ORDER BY ${sortColumn} DESC, ${idColumn} DESC LIMIT ?`)
    .all(...pageParams, size + 1) as unknown as { id: string; sort: number; doc: string }[];
  const more = rows.length > size;
  const shown = more ? rows.slice(0, size) : rows;
  const last = shown[shown.length - 1];
  return {
    total,
    docs: shown.map((row) => JSON.parse(row.doc) as T),
    cursor: more && last ? encodeCursor(kind, { ms: last.sort, id: last.id }) : null,
  };
}
