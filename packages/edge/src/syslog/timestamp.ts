import { formatUtc } from '../iso-time.ts';
import { UTC_TIME_ZONE, type TimeZone } from './time-zone.ts';

/**
 * Syslog timestamps to ISO-8601 UTC, scanned by hand (this runs for every line). Offsets are
 * whole minutes, so the fraction of a second never changes when shifting to UTC: it is carried
 * over as written (up to nanoseconds) instead of being rounded to the milliseconds a Date holds.
 */

/** A timestamp as written: wall-clock fields, the offset when one was given, and where it ends. */
export interface ScannedTime {
  /** -1 when the sender left the year out (RFC 3164). */
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** The digits after the decimal point, as written ('' when none). */
  fraction: string;
  /** Minutes east of UTC; null when the time carries no offset. */
  offsetMinutes: number | null;
  /** Index just after the timestamp. */
  end: number;
}

const DAY_MS = 86_400_000;
/** No zone is more than 14 hours from UTC. */
const MAX_OFFSET_MS = 14 * 3_600_000;
const MAX_FRACTION_DIGITS = 9;
// Date.UTC maps years 0..99 to 1900..1999; shifting by 400 Gregorian years (same calendar) avoids it.
const FOUR_CENTURIES_MS = 146_097 * DAY_MS;
const MONTHS = new Map<number, number>(
  ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].map((name, i) => [monthKey(name.charCodeAt(0), name.charCodeAt(1), name.charCodeAt(2)), i + 1]),
);

/** Parses an RFC 3339 timestamp with a mandatory offset (RFC 5424 TIMESTAMP). */
export function parseRfc3339(text: string): string | null {
  const time = scanIsoTime(text, 0, true);
  if (!time || time.end !== text.length) return null;
  return resolveTime(time, UTC_TIME_ZONE, 0);
}

/**
 * Scans `yyyy-mm-ddThh:mm:ss[.frac](Z|±hh:mm)` at `pos`. With `strict` false (RFC 3164 lines
 * in the wild) a space may stand for the `T`, the offset may be `±hhmm` or missing.
 */
export function scanIsoTime(text: string, pos: number, strict: boolean): ScannedTime | null {
  const year = num4(text, pos);
  if (year < 0 || text.charCodeAt(pos + 4) !== 0x2d || text.charCodeAt(pos + 7) !== 0x2d) return null;
  const month = num2(text, pos + 5);
  const day = num2(text, pos + 8);
  const separator = text.charCodeAt(pos + 10);
  if (month < 0 || day < 0 || !(separator === 0x54 || separator === 0x74 || (!strict && separator === 0x20))) return null;
  const time = scanClock(text, pos + 11);
  if (time === null) return null;
  let p = time.end;
  let offsetMinutes: number | null = null;
  const c = text.charCodeAt(p);
  if (c === 0x5a || c === 0x7a) {
    offsetMinutes = 0;
    p++;
  } else if (c === 0x2b || c === 0x2d) {
    const oh = num2(text, p + 1);
    const colon = text.charCodeAt(p + 3) === 0x3a;
    if (!colon && strict) return null;
    const om = num2(text, colon ? p + 4 : p + 3);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return null;
    offsetMinutes = (oh * 60 + om) * (c === 0x2d ? -1 : 1);
    p += colon ? 6 : 5;
  } else if (strict) {
    return null;
  }
  return { year, month, day, hour: time.hour, minute: time.minute, second: time.second, fraction: time.fraction, offsetMinutes, end: p };
}

/**
 * Scans a BSD timestamp at `pos`: `Mmm dd hh:mm:ss`, with a space-padded (`Nov  4`) or single
 * digit day, an optional year before the time (Cisco ASA: `Nov 24 2026 10:00:00`) and an
 * optional fraction; also the NX-OS order `2026 Nov 24 10:00:00`. It must be followed by a
 * space, a colon or the end of the line.
 */
export function scanBsdTime(text: string, pos: number): ScannedTime | null {
  let year = -1;
  let p = pos;
  if (num4(text, p) >= 0 && text.charCodeAt(p + 4) === 0x20) {
    year = num4(text, p);
    p += 5;
  }
  const month = MONTHS.get(monthKey(text.charCodeAt(p), text.charCodeAt(p + 1), text.charCodeAt(p + 2)));
  if (month === undefined || text.charCodeAt(p + 3) !== 0x20) return null;
  p += 4;
  let day: number;
  if (text.charCodeAt(p) === 0x20) {
    day = digit(text, p + 1);
    p += 2;
  } else {
    day = digit(text, p);
    const second = digit(text, p + 1);
    if (second >= 0) {
      day = day * 10 + second;
      p += 2;
    } else {
      p += 1;
    }
  }
  if (day < 0 || text.charCodeAt(p) !== 0x20) return null;
  p++;
  if (year < 0 && num4(text, p) >= 0 && text.charCodeAt(p + 4) === 0x20) {
    year = num4(text, p);
    p += 5;
  }
  const time = scanClock(text, p);
  if (time === null) return null;
  const next = text.charCodeAt(time.end);
  if (time.end < text.length && next !== 0x20 && next !== 0x3a) return null;
  return { year, month, day, hour: time.hour, minute: time.minute, second: time.second, fraction: time.fraction, offsetMinutes: null, end: time.end };
}

/**
 * The UTC ISO-8601 form of a scanned time, or null when the date does not exist. A time
 * without an offset is read in `zone`. A time without a year gets the latest year that does
 * not put it more than a day after `nowMs`: a December line read just after New Year lands in
 * the old year, and a sender a little ahead on New Year's Eve lands in the new one.
 */
export function resolveTime(time: ScannedTime, zone: TimeZone, nowMs: number): string | null {
  const { month, day, hour, minute, second, fraction, offsetMinutes } = time;
  if (time.year >= 0) {
    const wall = wallMs(time.year, month, day, hour, minute, second);
    return Number.isNaN(wall) ? null : formatUtc(toUtc(wall, offsetMinutes, zone), fraction);
  }
  const limit = nowMs + DAY_MS;
  const currentYear = utcYear(nowMs);
  // Feb 29 exists only in leap years: look back far enough to find the latest one.
  for (let year = currentYear + 1; year >= currentYear - 7; year--) {
    const wall = wallMs(year, month, day, hour, minute, second);
    // Skipping what is too far ahead in any zone saves the zone lookup for most lines.
    if (Number.isNaN(wall) || wall - MAX_OFFSET_MS > limit) continue;
    const utc = toUtc(wall, offsetMinutes, zone);
    if (utc <= limit) return formatUtc(utc, fraction);
  }
  return null;
}

/** Parses an RFC 3164 `Mmm dd hh:mm:ss` timestamp read in `zone` (UTC by default), inferring the year from `nowMs`. */
export function parseBsdTimestamp(text: string, nowMs: number, zone: TimeZone = UTC_TIME_ZONE): string | null {
  const time = scanBsdTime(text, 0);
  if (!time || time.end !== text.length) return null;
  return resolveTime(time, zone, nowMs);
}

function toUtc(wall: number, offsetMinutes: number | null, zone: TimeZone): number {
  return offsetMinutes === null ? zone.toUtc(wall) : wall - offsetMinutes * 60_000;
}

/** `hh:mm:ss[.frac]` at `pos`. */
function scanClock(text: string, pos: number): { hour: number; minute: number; second: number; fraction: string; end: number } | null {
  const hour = num2(text, pos);
  const minute = num2(text, pos + 3);
  const second = num2(text, pos + 6);
  if (hour < 0 || minute < 0 || second < 0 || text.charCodeAt(pos + 2) !== 0x3a || text.charCodeAt(pos + 5) !== 0x3a) return null;
  let end = pos + 8;
  let fraction = '';
  if (text.charCodeAt(end) === 0x2e && digit(text, end + 1) >= 0) {
    let p = end + 1;
    while (digit(text, p) >= 0) p++;
    if (p - end - 1 > MAX_FRACTION_DIGITS) return null;
    fraction = text.slice(end + 1, p);
    end = p;
  }
  return { hour, minute, second, fraction, end };
}

/** Milliseconds of a UTC wall-clock time, or NaN when the date or time does not exist. */
function wallMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 60) return Number.NaN;
  // A leap second (:60) is read as :59 so it stays inside its minute.
  const s = second === 60 ? 59 : second;
  return dayStartMs(year, month, day) + ((hour * 60 + minute) * 60 + s) * 1000;
}

// Lines arrive in time order, so the start of the last day asked for is nearly always the next one asked for.
let lastDayKey = -1;
let lastDayMs = 0;

/** Milliseconds of 00:00 UTC on a valid date (years below 100 are years, not 19xx). */
function dayStartMs(year: number, month: number, day: number): number {
  const key = (year * 16 + month) * 32 + day;
  if (key !== lastDayKey) {
    lastDayMs = year < 100 ? Date.UTC(year + 400, month - 1, day) - FOUR_CENTURIES_MS : Date.UTC(year, month - 1, day);
    lastDayKey = key;
  }
  return lastDayMs;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

let yearCache = { from: 0, to: -1, year: 1970 };

/** The UTC year of `ms`, cached for the current year (the edge clock rarely leaves it). */
function utcYear(ms: number): number {
  if (ms >= yearCache.from && ms < yearCache.to) return yearCache.year;
  const year = new Date(ms).getUTCFullYear();
  yearCache = { from: Date.UTC(year, 0, 1), to: Date.UTC(year + 1, 0, 1), year };
  return year;
}

function monthKey(a: number, b: number, c: number): number {
  return ((a | 0x20) << 16) | ((b | 0x20) << 8) | (c | 0x20);
}

function digit(text: string, i: number): number {
  const d = text.charCodeAt(i) - 0x30;
  return d >= 0 && d <= 9 ? d : -1;
}

function num2(text: string, i: number): number {
  const a = digit(text, i);
  const b = digit(text, i + 1);
  return a >= 0 && b >= 0 ? a * 10 + b : -1;
}

function num4(text: string, i: number): number {
  const a = num2(text, i);
  const b = num2(text, i + 2);
  return a >= 0 && b >= 0 ? a * 100 + b : -1;
}
