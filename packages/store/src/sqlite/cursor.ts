import { storeErrors } from '../errors.ts';

/** Where a page ended: the sort key (time in ms, id) of its last row. */
export interface PagePosition {
  ms: number;
  id: string;
}

/**
 * Page cursors are base64url JSON of the last row's sort key, tagged with what they page
 * through so an alert cursor is not accepted for events. Opaque to callers.
 */
export function encodeCursor(kind: 'events' | 'alerts', position: PagePosition): string {
  return Buffer.from(JSON.stringify({ k: kind, t: position.ms, i: position.id })).toString('base64url');
}

/** Reads a cursor back; throws `VIGIL_ERR_STORE_BAD_CURSOR` for anything this store did not issue. */
export function decodeCursor(kind: 'events' | 'alerts', cursor: string): PagePosition {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw storeErrors.create('VIGIL_ERR_STORE_BAD_CURSOR');
  }
  if (value === null || typeof value !== 'object') throw storeErrors.create('VIGIL_ERR_STORE_BAD_CURSOR');
  const { k, t, i } = value as Record<string, unknown>;
  if (k !== kind || typeof t !== 'number' || !Number.isSafeInteger(t) || typeof i !== 'string') {
    throw storeErrors.create('VIGIL_ERR_STORE_BAD_CURSOR');
  }
  return { ms: t, id: i };
}
