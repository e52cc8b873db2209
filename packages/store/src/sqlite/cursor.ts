import { storeErrors } from '../errors.ts';
import type { SortOrder } from '../store.ts';

/** Where a page ended: the sort key (time in ms, id) of its last row. */
export interface PagePosition {
  ms: number;
  id: string;
}

/** What a cursor carries: where the last page ended, and the total counted on the first page. */
export interface CursorState extends PagePosition {
  /** Matches counted on the first page; absent in cursors from before totals were carried. */
  total: number | undefined;
}

/**
 * Page cursors are base64url JSON of the last row's sort key, tagged with what they page
 * through and in which order, so an alert cursor is not accepted for events nor an ascending
 * one for a newest-first search. They carry the first page's total so that paging deep does not
 * count every match again on each page. Opaque to callers.
 */
export function encodeCursor(kind: 'events' | 'alerts', order: SortOrder, state: PagePosition & { total: number }): string {
  return Buffer.from(JSON.stringify({ k: kind, o: order, t: state.ms, i: state.id, n: state.total })).toString('base64url');
}

/** Reads a cursor back; throws `VIGIL_ERR_STORE_BAD_CURSOR` for anything this store did not issue for this kind and order. */
export function decodeCursor(kind: 'events' | 'alerts', order: SortOrder, cursor: string): CursorState {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw storeErrors.create('VIGIL_ERR_STORE_BAD_CURSOR');
  }
  if (value === null || typeof value !== 'object') throw storeErrors.create('VIGIL_ERR_STORE_BAD_CURSOR');
  const { k, o, t, i, n } = value as Record<string, unknown>;
  // Cursors issued before the order was recorded were all newest-first.
  const cursorOrder = o ?? 'desc';
  if (k !== kind || cursorOrder !== order || typeof t !== 'number' || !Number.isSafeInteger(t) || typeof i !== 'string') {
    throw storeErrors.create('VIGIL_ERR_STORE_BAD_CURSOR');
  }
  if (n !== undefined && (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)) throw storeErrors.create('VIGIL_ERR_STORE_BAD_CURSOR');
  return { ms: t, id: i, total: n };
}
