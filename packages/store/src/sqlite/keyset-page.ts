import type { SQLInputValue } from 'node:sqlite';
import { storeErrors } from '../errors.ts';
import type { SortOrder } from '../store.ts';
import { decodeCursor, encodeCursor, type PagePosition } from './cursor.ts';
import type { StoreDatabase } from './database.ts';

/** Largest page a search returns. */
export const MAX_PAGE_SIZE = 1000;

/** Throws `VIGIL_ERR_STORE_BAD_REQUEST` unless `size` is a whole number from 1 to 1000. */
export function checkPageSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw storeErrors.create('VIGIL_ERR_STORE_BAD_REQUEST', { reason: `size must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${size}` });
  }
}

/** One page of a table in (sort time, id) order, found by keyset rather than OFFSET. */
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
  /** `desc` (newest first) unless asked otherwise. */
  order?: SortOrder;
}

/**
 * The total of all matches, one page of documents (parsed JSON), and the next cursor. The
 * total is counted on the first page only: later pages take it from their cursor, because a
 * count over every match on every page makes reading a large result through quadratic.
 */
export function keysetPage<T>(db: StoreDatabase, query: KeysetQuery): { total: number; docs: T[]; cursor: string | null } {
  const { kind, from, filter, params, cursor } = query;
  const order = query.order ?? 'desc';
  const after = cursor === undefined ? undefined : decodeCursor(kind, order, cursor);
  const total = after?.total ?? (db.statement(`SELECT count(*) AS n FROM ${from} WHERE ${filter}`).get(...params) as { n: number }).n;
  const page = pageRows<T>(db, { ...query, order, after });
  return { total, docs: page.docs, cursor: page.last ? encodeCursor(kind, order, { ...page.last, total }) : null };
}

/** What `pageRows` reads: a keyset query with its cursor decoded. */
export type PageRowsQuery = Omit<KeysetQuery, 'cursor' | 'order' | 'kind'> & { order: SortOrder; after: PagePosition | undefined };

/** One page of rows after `after` in the query's order, and where it ended when there are more. */
export function pageRows<T>(db: StoreDatabase, query: PageRowsQuery): { docs: T[]; last: PagePosition | null } {
  const { from, sortColumn, idColumn, filter, params, size, after, order } = query;
  let page = filter;
  let pageParams = params;
  if (after !== undefined) {
    // The cursor's bound comes first: of several bounds on the index's column SQLite uses the first, and this is the tight one (else every page scans from the range's start).
    page = `(${sortColumn}, ${idColumn}) ${order === 'asc' ? '>' : '<'} (?, ?) AND ${filter}`;
    pageParams = [after.ms, after.id, ...params];
  }
  const direction = order === 'asc' ? 'ASC' : 'DESC';
  const rows = db
    .statement(`SELECT ${idColumn} AS id, ${sortColumn} AS sort, doc FROM ${from} WHERE ${page} ORDER BY ${sortColumn} ${direction}, ${idColumn} ${direction} LIMIT ?`)
    .all(...pageParams, size + 1) as unknown as { id: string; sort: number; doc: string }[];
  const more = rows.length > size;
  const shown = more ? rows.slice(0, size) : rows;
  const last = shown[shown.length - 1];
  return { docs: shown.map((row) => JSON.parse(row.doc) as T), last: more && last ? { ms: last.sort, id: last.id } : null };
}
