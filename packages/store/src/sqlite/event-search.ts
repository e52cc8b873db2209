import type { SQLInputValue } from 'node:sqlite';
import type { EcsEvent } from '@vigil/schema';
import { storeErrors } from '../errors.ts';
import { parseQuery } from '../query/parser.ts';
import { parseInstant } from '../query/values.ts';
import type { EventSearchRequest, EventSearchResult, SortOrder } from '../store.ts';
import { decodeCursor, encodeCursor, type PagePosition } from './cursor.ts';
import type { StoreDatabase } from './database.ts';
import { maxLow, minHigh, rowWindow, secondOf, secondSql, secondStart, startsSecond, type RowWindow } from './event-keys.ts';
import { ftsExpression } from './fts.ts';
import { checkPageSize, pageRows } from './keyset-page.ts';
import { compileWhere } from './sql-where.ts';
import { eventTarget, ftsMatch, rowBounds } from './targets.ts';

const EVENTS = 'events AS e';

/** The time range of a search: its bounds in ms, as SQL on `e.ts`, and as row ids. */
interface TimeRange {
  fromMs: number | undefined;
  toMs: number | undefined;
  conditions: string[];
  params: SQLInputValue[];
  window: RowWindow;
}

/**
 * Searches events. When every part of the query is one FTS5 can answer (free text, the
 * full-text fields, `field:value` terms the field index holds), the total and the page come
 * from `events_fts` within the row ids of the time range: reading postings, never documents,
 * whatever the number of matches. Other queries compile to SQL over the documents, with their
 * free text and terms still looked up in `events_fts` within the range.
 */
export function searchEvents(db: StoreDatabase, request: EventSearchRequest): EventSearchResult {
  checkPageSize(request.size);
  const range = timeRange(request);
  const tree = parseQuery(request.query ?? '');
  const order = request.order ?? 'desc';
  const after = request.cursor === undefined ? undefined : decodeCursor('events', order, request.cursor);
  const emptyRange = range.fromMs !== undefined && range.toMs !== undefined && range.fromMs >= range.toMs;
  const match = emptyRange ? undefined : ftsExpression(tree);
  let total: number;
  let filter: string;
  let params: SQLInputValue[];
  if (typeof match === 'string') {
    total = after?.total ?? indexedTotal(db, match, range);
    const matches = ftsMatch(match, pageWindow(db, match, range, order, after, request.size))!;
    filter = [...range.conditions, matches.sql].join(' AND ');
    params = [...range.params, ...matches.params];
  } else {
    const where = compileWhere(tree, eventTarget(range.window));
    const conditions = where.sql === '1' ? range.conditions : [...range.conditions, where.sql];
    filter = conditions.length > 0 ? conditions.join(' AND ') : '1';
    params = where.sql === '1' ? range.params : [...range.params, ...where.params];
    total = after?.total ?? count(db, `SELECT count(*) AS n FROM ${EVENTS} WHERE ${filter}`, params);
  }
  const page = pageRows<EcsEvent>(db, { from: EVENTS, sortColumn: 'e.ts', idColumn: 'e.id', filter, params, size: request.size, after, order });
  return { total, events: page.docs, cursor: page.last ? encodeCursor('events', order, { ...page.last, total }) : null };
}

function timeRange(request: EventSearchRequest): TimeRange {
  const fromMs = request.from === undefined ? undefined : requestInstant('from', request.from);
  const toMs = request.to === undefined ? undefined : requestInstant('to', request.to);
  const conditions: string[] = [];
  const params: SQLInputValue[] = [];
  if (fromMs !== undefined) {
    conditions.push('e.ts >= ?');
    params.push(fromMs);
  }
  if (toMs !== undefined) {
    conditions.push('e.ts < ?');
    params.push(toMs);
  }
  return { fromMs, toMs, conditions, params, window: rowWindow(fromMs, toMs) };
}

function requestInstant(name: string, value: string): number {
  const ms = parseInstant(value);
  if (ms === null) throw storeErrors.create('VIGIL_ERR_STORE_BAD_REQUEST', { reason: `${name} is not an ISO-8601 date-time: ${value}` });
  return ms;
}

function count(db: StoreDatabase, sql: string, params: SQLInputValue[]): number {
  return (db.statement(sql).get(...params) as { n: number }).n;
}

/** Row ids of one second. */
function secondWindow(second: number): RowWindow {
  return { low: secondStart(second), high: secondStart(second + 1) };
}

/**
 * Matches in the time range, counted in the index: all matches in the window's whole seconds,
 * less those in its first and last second that fall outside the range (found in the documents).
 */
function indexedTotal(db: StoreDatabase, match: string, range: TimeRange): number {
  const bounds = rowBounds('rowid', range.window);
  let total = count(db, `SELECT count(*) AS n FROM events_fts WHERE events_fts MATCH ?${bounds.sql}`, [match, ...bounds.params]);
  const outside = (second: number, condition: string, ms: number) => {
    const matches = ftsMatch(match, secondWindow(second))!;
    return count(db, `SELECT count(*) AS n FROM ${EVENTS} WHERE ${matches.sql} AND ${condition}`, [...matches.params, ms]);
  };
  if (range.fromMs !== undefined && !startsSecond(range.fromMs)) total -= outside(secondOf(range.fromMs), 'e.ts < ?', range.fromMs);
  if (range.toMs !== undefined && !startsSecond(range.toMs)) total -= outside(secondOf(range.toMs), 'e.ts >= ?', range.toMs);
  return total;
}

/**
 * The row ids that hold the page: the index finds the second of the (size + 1)-th match in
 * row-id order, counting only whole seconds inside the range and past the cursor's second, so
 * every match it counts is on this page or after it. The page is then in that second or
 * later (earlier for `asc`), and sorting just those by (time, id) gives it exactly.
 */
function pageWindow(db: StoreDatabase, match: string, range: TimeRange, order: SortOrder, after: PagePosition | undefined, size: number): RowWindow {
  const { window, fromMs, toMs } = range;
  if (order === 'desc') {
    let high = window.high;
    let counted = toMs !== undefined && !startsSecond(toMs) ? minHigh(high, secondStart(secondOf(toMs))) : high;
    if (after !== undefined) {
      high = minHigh(high, secondStart(secondOf(after.ms) + 1));
      counted = minHigh(counted, secondStart(secondOf(after.ms)));
    }
    const second = nthSecond(db, match, { low: window.low, high: counted }, 'DESC', size);
    return { low: second === null ? window.low : maxLow(window.low, secondStart(second)), high };
  }
  let low = window.low;
  let counted = fromMs !== undefined && !startsSecond(fromMs) ? maxLow(low, secondStart(secondOf(fromMs) + 1)) : low;
  if (after !== undefined) {
    low = maxLow(low, secondStart(secondOf(after.ms)));
    counted = maxLow(counted, secondStart(secondOf(after.ms) + 1));
  }
  const second = nthSecond(db, match, { low: counted, high: window.high }, 'ASC', size);
  return { low, high: second === null ? window.high : minHigh(window.high, secondStart(second + 1)) };
}

/** The second of the match after the first `skip` in row-id order within `window`, or null when there are no more. */
function nthSecond(db: StoreDatabase, match: string, window: RowWindow, direction: 'ASC' | 'DESC', skip: number): number | null {
  if (window.low !== null && window.high !== null && window.low >= window.high) return null;
  const bounds = rowBounds('rowid', window);
  const row = db
    .statement(`SELECT ${secondSql('rowid')} AS second FROM events_fts WHERE events_fts MATCH ?${bounds.sql} ORDER BY rowid ${direction} LIMIT 1 OFFSET ?`)
    .get(match, ...bounds.params, skip) as { second: number } | undefined;
  return row?.second ?? null;
}
