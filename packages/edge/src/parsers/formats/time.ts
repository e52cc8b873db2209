import { formatUtc } from '../../iso-time.ts';
/**
 * Timestamps found inside log messages, to ECS `@timestamp` (ISO-8601 in UTC, `Z`). Offsets are
 * whole minutes, so the fraction of a second is carried over as written (up to nanoseconds)
 * instead of being rounded to a JS Date's milliseconds. A time without a zone is read as UTC,
 * as the edge reads RFC 3164 syslog times.
 */

// Keyed by the three lower-cased letters packed into a number, so a lookup allocates nothing.
const MONTHS: ReadonlyMap<number, number> = new Map(
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((name, i) => [monthKey(name, 0), i + 1]),
);

function monthKey(text: string, at: number): number {
  return ((text.charCodeAt(at) | 0x20) << 16) | ((text.charCodeAt(at + 1) | 0x20) << 8) | (text.charCodeAt(at + 2) | 0x20);
}

/** The month number (1-12) of the three-letter English abbreviation at `at` (any case). */
export function monthAt(text: string, at: number): number | undefined {
  return at + 3 <= text.length ? MONTHS.get(monthKey(text, at)) : undefined;
}

/** The month number (1-12) of an English month name or its three-letter abbreviation, any case. */
export function monthNumber(name: string): number | undefined {
  return monthAt(name, 0);
}

/** A wall-clock time as written, before it is shifted to UTC. */
export interface TimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Digits after the decimal point, as written. */
  fraction?: string | undefined;
  /** Minutes east of UTC; UTC when missing. */
  offsetMinutes?: number | undefined;
}

/** ISO-8601 UTC for a wall-clock time, or null when it names no real instant (Feb 30, 25:00). */
export function isoFromParts(parts: TimeParts): string | null {
  const { year, month, day, hour, minute, second } = parts;
  if (!(year >= 1 && year <= 9999) || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 60) return null;
  // A leap second (:60) is read as :59 so it stays inside its minute.
  const s = second === 60 ? 59 : second;
  const offset = parts.offsetMinutes ?? 0;
  if (offset === 0) return `${year < 1000 ? String(year).padStart(4, '0') : year}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(minute)}:${pad2(s)}${fractionSuffix(parts.fraction)}`;
  return formatIso(Date.UTC(year, month - 1, day, hour, minute, s) - offset * 60_000, parts.fraction);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

function fractionSuffix(fraction: string | undefined): string {
  if (!fraction) return '.000Z';
  return `.${fraction.length < 3 ? fraction.padEnd(3, '0') : fraction.slice(0, 9)}Z`;
}

/**
 * `YYYY-MM-DDTHH:MM:SS.fffZ` for epoch milliseconds, or with the fraction as written; null
 * outside years 1-9999.
 */
export function formatIso(ms: number, fraction?: string): string | null {
  return formatUtc(ms, fraction);
}

/**
 * Minutes east of UTC for a zone written as `Z`, `UTC`, `GMT`, `+0700`, `-07:00`, `+07` or
 * `UTC+01:00`; null for anything else (named zones like `CET` are ambiguous, so not guessed).
 */
export function parseOffset(text: string): number | null {
  let zone = text;
  if (zone === 'Z' || zone === 'z' || zone === 'UTC' || zone === 'GMT') return 0;
  if (zone.startsWith('UTC') || zone.startsWith('GMT')) zone = zone.slice(3);
  const sign = zone.charCodeAt(0);
  if (sign !== 0x2b /* + */ && sign !== 0x2d /* - */) return null;
  let hours: number;
  let minutes = 0;
  if (zone.length === 3) hours = digits(zone, 1, 3);
  else if (zone.length === 5) {
    hours = digits(zone, 1, 3);
    minutes = digits(zone, 3, 5);
  } else if (zone.length === 6 && zone.charCodeAt(3) === 0x3a /* : */) {
    hours = digits(zone, 1, 3);
    minutes = digits(zone, 4, 6);
  } else return null;
  if (hours < 0 || minutes < 0 || hours > 23 || minutes > 59) return null;
  const total = hours * 60 + minutes;
  return sign === 0x2d ? -total : total;
}

const OFFSET_TEXT = new Map<number, string>();

/** An offset in minutes as ECS `event.timezone` writes it: `-07:00`. */
export function formatOffset(minutes: number): string {
  let text = OFFSET_TEXT.get(minutes);
  if (text === undefined) {
    const abs = Math.abs(minutes);
    text = `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    // Offsets are whole minutes within a day: the cache stays small.
    if (OFFSET_TEXT.size < 2048) OFFSET_TEXT.set(minutes, text);
  }
  return text;
}

/** The integer written in `text[start, end)`, or -1 when those are not all ASCII digits. */
export function digits(text: string, start: number, end: number): number {
  if (end > text.length || start >= end) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    value = value * 10 + c;
  }
  return value;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)? ?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** ISO-8601 / RFC 3339 (`2026-11-24T10:00:00.123+01:00`, a space for `T`, no zone = UTC) to UTC. */
export function parseIsoTime(text: string): string | null {
  const m = ISO.exec(text);
  if (!m) return null;
  let offsetMinutes = 0;
  if (m[8]) {
    const offset = parseOffset(m[8]);
    if (offset === null) return null;
    offsetMinutes = offset;
  }
  return isoFromParts({
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4] ?? 0),
    minute: Number(m[5] ?? 0),
    second: Number(m[6] ?? 0),
    fraction: m[7],
    offsetMinutes,
  });
}

/**
 * Epoch time to UTC ISO, the unit told by the number of integer digits: 10 seconds, 13
 * milliseconds, 16 microseconds, 19 nanoseconds (FortiOS `eventtime`); `1732442400.25` is seconds.
 */
export function parseEpoch(text: string): string | null {
  const dot = text.indexOf('.');
  const whole = dot < 0 ? text : text.slice(0, dot);
  const fractionText = dot < 0 ? '' : text.slice(dot + 1);
  if (digits(whole, 0, whole.length) < 0 || (dot >= 0 && digits(fractionText, 0, fractionText.length) < 0)) return null;
  let seconds: number;
  let fraction: string;
  switch (whole.length) {
    case 10:
      seconds = Number(whole);
      fraction = fractionText;
      break;
    case 13:
    case 16:
    case 19:
      if (dot >= 0) return null;
      seconds = Number(whole.slice(0, 10));
      fraction = whole.slice(10);
      break;
    default:
      return null;
  }
  return formatIso(seconds * 1000, fraction || undefined);
}

/**
 * The Common Log Format time `10/Oct/2026:13:55:36 -0700` (web servers) or the HAProxy
 * `24/Nov/2026:10:00:00.123` (no zone: UTC). Returns the UTC time and the offset written.
 * Read at fixed positions: this runs once per access line.
 */
export function parseClfTime(text: string): { timestamp: string; offsetMinutes?: number } | null {
  // `d/Mon/...` has one day digit: shift every later position by one.
  const d = text.charCodeAt(1) === 0x2f /* / */ ? -1 : 0;
  if (text.length < 20 + d || text.charCodeAt(2 + d) !== 0x2f || text.charCodeAt(6 + d) !== 0x2f || text.charCodeAt(11 + d) !== 0x3a) return null;
  if (text.charCodeAt(14 + d) !== 0x3a || text.charCodeAt(17 + d) !== 0x3a) return null;
  const month = monthAt(text, 3 + d);
  const day = digits(text, 0, 2 + d);
  const year = digits(text, 7 + d, 11 + d);
  const hour = digits(text, 12 + d, 14 + d);
  const minute = digits(text, 15 + d, 17 + d);
  const second = digits(text, 18 + d, 20 + d);
  if (month === undefined || day < 0 || year < 0 || hour < 0 || minute < 0 || second < 0) return null;
  let pos = 20 + d;
  let fraction: string | undefined;
  if (text.charCodeAt(pos) === 0x2e /* . */) {
    let end = pos + 1;
    while (end < text.length && end - pos <= 9 && text.charCodeAt(end) >= 0x30 && text.charCodeAt(end) <= 0x39) end++;
    if (end === pos + 1) return null;
    fraction = text.slice(pos + 1, end);
    pos = end;
  }
  let offsetMinutes: number | undefined;
  if (pos < text.length) {
    if (text.charCodeAt(pos) !== 0x20 || text.length !== pos + 6) return null;
    const offset = parseOffset(text.slice(pos + 1));
    if (offset === null) return null;
    offsetMinutes = offset;
  }
  const timestamp = isoFromParts({ year, month, day, hour, minute, second, fraction, offsetMinutes });
  if (timestamp === null) return null;
  return offsetMinutes === undefined ? { timestamp } : { timestamp, offsetMinutes };
}

const MONTH_FIRST = /^([A-Za-z]{3}) +(\d{1,2}) (\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: (\S+))?$/;

/**
 * `Nov 24 2026 10:00:00`, with optional `.123` and zone (`UTC`, `+01:00`): the CEF/LEEF
 * default date format. A zone that is not an offset (`CET`) makes the time unreadable.
 */
export function parseMonthFirstTime(text: string): string | null {
  const m = MONTH_FIRST.exec(text);
  if (!m) return null;
  const month = monthNumber(m[1]!);
  if (month === undefined) return null;
  const offsetMinutes = m[8] ? parseOffset(m[8]) : 0;
  if (offsetMinutes === null) return null;
  return isoFromParts({
    year: Number(m[3]),
    month,
    day: Number(m[2]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
    fraction: m[7],
    offsetMinutes,
  });
}

/** A device time in any of the forms CEF, LEEF and key=value devices use: epoch, `Nov 24 2026 10:00:00`, ISO-8601. */
export function parseDeviceTime(text: string): string | null {
  const first = text.charCodeAt(0);
  if (first >= 0x30 && first <= 0x39) return parseEpoch(text) ?? parseIsoTime(text);
  return parseMonthFirstTime(text);
}
