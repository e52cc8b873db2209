/**
 * Event row ids (`events.rid`, and the rowid of the event's row in `events_fts`) in time order:
 * the second of the event's `@timestamp` above, a sequence number within that second below. So
 * a time range is a range of row ids, which FTS5 can search within: a query over the last hour
 * reads the last hour's postings of its terms, not every posting since the store began.
 *
 * Ids are 63-bit integers: node:sqlite binds them as BigInt (a JavaScript number holds 53 bits).
 */

/** Events one second of `@timestamp` can hold. */
export const EVENTS_PER_SECOND = 2 ** 24;
const SEQUENCE_BITS = 24n;
/** Added to the second so that the key is never negative: `@timestamp`s from year 0000 to 9999 fit. */
const SECOND_OFFSET = 2 ** 37;
/** Largest key; one below 2^39, so that the start of the next second still fits 63 bits. */
const MAX_KEY = 2 ** 39 - 2;

/** The second (Unix time, rounded down) holding the instant `ms`. */
export function secondOf(ms: number): number {
  return Math.floor(ms / 1000);
}

/** True when `ms` is the first millisecond of its second. */
export function startsSecond(ms: number): boolean {
  return ms === secondOf(ms) * 1000;
}

/**
 * The first row id of `second`. Seconds outside years 0000-9999 (only a forged cursor holds
 * one) are clamped, which widens a bound and never narrows it.
 */
export function secondStart(second: number): bigint {
  return BigInt(Math.min(Math.max(second + SECOND_OFFSET, 0), MAX_KEY)) << SEQUENCE_BITS;
}

/** The row id of the `sequence`-th event stored with `@timestamp` in `second`. */
export function rowId(second: number, sequence: number): bigint {
  return secondStart(second) + BigInt(sequence);
}

/** SQL giving the second of row id `expression`. */
export function secondSql(expression: string): string {
  return `((${expression} >> ${SEQUENCE_BITS}) - ${SECOND_OFFSET})`;
}

/** Row ids from `low` (inclusive) to `high` (exclusive); null is open. */
export interface RowWindow {
  low: bigint | null;
  high: bigint | null;
}

/**
 * The row ids of the whole seconds that hold `[fromMs, toMs)`: every event in the range is in
 * the window; events in its first and last second may be outside the range.
 */
export function rowWindow(fromMs: number | undefined, toMs: number | undefined): RowWindow {
  return {
    low: fromMs === undefined ? null : secondStart(secondOf(fromMs)),
    high: toMs === undefined ? null : secondStart(secondOf(toMs - 1) + 1),
  };
}

/** The larger of two lower bounds (null is open). */
export function maxLow(a: bigint | null, b: bigint | null): bigint | null {
  return a === null ? b : b === null ? a : a > b ? a : b;
}

/** The smaller of two upper bounds (null is open). */
export function minHigh(a: bigint | null, b: bigint | null): bigint | null {
  return a === null ? b : b === null ? a : a < b ? a : b;
}
