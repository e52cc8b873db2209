import { storeErrors } from '../errors.ts';
import { parseInstant } from '../query/values.ts';
import { decodeCursor, encodeCursor } from '../sqlite/cursor.ts';
import type { SortOrder } from '../store.ts';
import type { OpenSearchHttp } from './client.ts';
import type { Dsl } from './query-dsl.ts';

/** Largest page a search returns (the same as SQLite's). */
export const MAX_PAGE_SIZE = 1000;

/** One page of an index in (sort time, id) order, found with `search_after`. */
export interface PageQuery {
  kind: 'events' | 'alerts';
  /** Index, alias or pattern to search. */
  index: string;
  query: Dsl;
  /** Date field to sort by. */
  sortField: string;
  /** Keyword field with the document id, the tie-breaker. */
  idField: string;
  size: number;
  cursor: string | undefined;
  /** `desc` (newest first) unless asked otherwise. */
  order?: SortOrder;
}

interface SearchBody<T> {
  hits: { total?: { value: number }; hits: { _source: T; sort: [number, string] }[] };
}

/**
 * The total of all matches (exact: `track_total_hits` on the first page, carried by the cursor
 * after it), one page of documents and the next cursor. Cursors carry the last hit's sort
 * values in the same opaque format as SQLite's (base64url JSON of time in ms and id), so paging
 * behaves identically on both stores. One extra hit is fetched to know whether a next page
 * exists, so the last page has a null cursor even when the results are an exact multiple of
 * the page size.
 */
export async function searchPage<T>(http: OpenSearchHttp, page: PageQuery): Promise<{ total: number; docs: T[]; cursor: string | null }> {
  const { kind, index, query, sortField, idField, size, cursor } = page;
  const order = page.order ?? 'desc';
  const after = cursor === undefined ? undefined : decodeCursor(kind, order, cursor);
  const body: Dsl = {
    query,
    sort: [{ [sortField]: { order } }, { [idField]: { order } }],
    size: size + 1,
    track_total_hits: after?.total === undefined,
  };
  if (after !== undefined) body.search_after = [after.ms, after.id];
  const response = await http.request<SearchBody<T>>(`search ${kind}`, {
    method: 'POST',
    path: `/${encodeURIComponent(index)}/_search`,
    querystring: { ignore_unavailable: true, allow_no_indices: true },
    body,
  });
  const { hits } = response.body.hits;
  const more = hits.length > size;
  const shown = more ? hits.slice(0, size) : hits;
  const last = shown[shown.length - 1];
  const total = after?.total ?? response.body.hits.total?.value ?? 0;
  return {
    total,
    docs: shown.map((hit) => hit._source),
    cursor: more && last ? encodeCursor(kind, order, { ms: last.sort[0], id: last.sort[1], total }) : null,
  };
}

/** Throws `VIGIL_ERR_STORE_BAD_REQUEST` unless `size` is a whole number from 1 to 1000. */
export function checkPageSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw storeErrors.create('VIGIL_ERR_STORE_BAD_REQUEST', { reason: `size must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${size}` });
  }
}

/** A request's `from`/`to` bound in ms; throws `VIGIL_ERR_STORE_BAD_REQUEST` when it is not a date. */
export function requestInstant(name: string, value: string): number {
  const ms = parseInstant(value);
  if (ms === null) throw storeErrors.create('VIGIL_ERR_STORE_BAD_REQUEST', { reason: `${name} is not an ISO-8601 date-time: ${value}` });
  return ms;
}
