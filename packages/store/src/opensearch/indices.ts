import { parseInstant } from '../query/values.ts';
import type { StorableEvent } from '../store.ts';

/** Time span of one events index. */
export type RolloverPeriod = 'hour' | 'day' | 'month';

/** Names of everything one store creates, all under its prefix. */
export interface IndexNames {
  readonly prefix: string;
  /** Every events index (`vigil-events-*`); searches go through this pattern. */
  readonly eventsPattern: string;
  /** Alias every events index joins through the index template (for people using Dashboards). */
  readonly eventsAlias: string;
  readonly alerts: string;
}

export function indexNames(prefix: string): IndexNames {
  return { prefix, eventsPattern: `${prefix}-events-*`, eventsAlias: `${prefix}-events`, alerts: `${prefix}-alerts` };
}

/**
 * The time that chooses an event's index: `event.created` (the edge's receipt time), else
 * `@timestamp`. `@timestamp` is whatever the source claims, so routing by it would let one
 * device with a wild clock (or an attacker) create an index per day of the calendar;
 * `event.created` comes from the edge and travels in the signed batch, so a replayed batch
 * carries the same value and is routed to the same index again. Null when neither is a date.
 */
export function routingTime(event: StorableEvent): number | null {
  const created = event.event?.created;
  const createdMs = typeof created === 'string' ? parseInstant(created) : null;
  if (createdMs !== null) return createdMs;
  const timestamp = event['@timestamp'];
  return typeof timestamp === 'string' ? parseInstant(timestamp) : null;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The events index for an instant: `<prefix>-events-2024.05.14` (day), `…-2024.05.14.08` (hour), `…-2024.05` (month), in UTC. */
export function eventsIndexFor(names: IndexNames, period: RolloverPeriod, ms: number): string {
  const d = new Date(ms);
  const month = `${pad(d.getUTCFullYear(), 4)}.${pad(d.getUTCMonth() + 1)}`;
  if (period === 'month') return `${names.prefix}-events-${month}`;
  const day = `${month}.${pad(d.getUTCDate())}`;
  return `${names.prefix}-events-${period === 'day' ? day : `${day}.${pad(d.getUTCHours())}`}`;
}

/** Start of the period after the one holding `ms`. */
export function nextPeriodStart(period: RolloverPeriod, ms: number): number {
  const d = new Date(ms);
  if (period === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  if (period === 'day') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours() + 1);
}

const SUFFIX = /^(\d{4})\.(\d{2})(?:\.(\d{2})(?:\.(\d{2}))?)?$/;

/**
 * The time span an events index covers, from its name (any period, so indices written
 * before a change of `rollover.period` are still understood); null for a name this store
 * did not make.
 */
export function eventsIndexSpan(names: IndexNames, index: string): { start: number; end: number } | null {
  const head = `${names.prefix}-events-`;
  if (!index.startsWith(head)) return null;
  const match = SUFFIX.exec(index.slice(head.length));
  if (!match) return null;
  const [, y, m, d, h] = match;
  const year = Number(y);
  const month = Number(m) - 1;
  if (month > 11) return null;
  if (d === undefined) return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
  const day = Number(d);
  if (h === undefined) return { start: Date.UTC(year, month, day), end: Date.UTC(year, month, day + 1) };
  const hour = Number(h);
  return { start: Date.UTC(year, month, day, hour), end: Date.UTC(year, month, day, hour + 1) };
}
