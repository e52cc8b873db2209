import { isoFromParts, monthNumber, parseOffset } from './time.ts';

/** Reads a time written in one Java `SimpleDateFormat` pattern; null when the text does not fit. */
export type DateReader = (text: string) => string | null;

type Part = 'year2' | 'year' | 'month' | 'monthName' | 'day' | 'hour' | 'hour1to24' | 'hour12' | 'hour0to11' | 'minute' | 'second' | 'fraction' | 'ampm' | 'zone' | 'skip';

const MAX_CACHED = 64;
const cache = new Map<string, DateReader | null>();

/**
 * A reader for LEEF's `devTimeFormat` (Java `SimpleDateFormat`: `MMM dd yyyy HH:mm:ss.SSS zzz`,
 * `yyyy-MM-dd'T'HH:mm:ssXXX`, ...). Patterns are compiled once to an anchored regex and cached
 * (a device sends one pattern); null when the pattern uses letters this reader does not know.
 */
export function javaDateReader(pattern: string): DateReader | null {
  const cached = cache.get(pattern);
  if (cached !== undefined) return cached;
  const reader = pattern.length <= 64 ? compile(pattern) : null;
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(pattern, reader);
  return reader;
}

function compile(pattern: string): DateReader | null {
  let source = '^';
  const parts: Part[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === "'") {
      const close = pattern.indexOf("'", i + 1);
      if (close < 0) return null;
      source += close === i + 1 ? "'" : escapeRegex(pattern.slice(i + 1, close));
      i = close + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      source += escapeRegex(c);
      i++;
      continue;
    }
    let count = 1;
    while (pattern[i + count] === c) count++;
    i += count;
    const token = TOKENS[c];
    if (!token) return null;
    const [regex, part] = token(count);
    source += `(${regex})`;
    parts.push(part);
  }
  const regex = new RegExp(`${source}$`);
  return (text) => read(regex, parts, text);
}

const TOKENS: Readonly<Record<string, (count: number) => [string, Part]>> = {
  y: (n) => (n === 2 ? ['\\d{2}', 'year2'] : ['\\d{4}', 'year']),
  M: (n) => (n >= 3 ? ['[A-Za-z]{3,9}', 'monthName'] : ['\\d{1,2}', 'month']),
  d: () => ['\\d{1,2}', 'day'],
  H: () => ['\\d{1,2}', 'hour'],
  k: () => ['\\d{1,2}', 'hour1to24'],
  h: () => ['\\d{1,2}', 'hour12'],
  K: () => ['\\d{1,2}', 'hour0to11'],
  m: () => ['\\d{1,2}', 'minute'],
  s: () => ['\\d{1,2}', 'second'],
  S: () => ['\\d{1,9}', 'fraction'],
  a: () => ['[AaPp][Mm]', 'ampm'],
  E: () => ['[A-Za-z]{2,9}', 'skip'],
  z: () => ['[A-Za-z]{1,5}(?:[+-]\\d{2}(?::?\\d{2})?)?|[+-]\\d{2}:?\\d{2}', 'zone'],
  Z: () => ['Z|[+-]\\d{4}', 'zone'],
  X: () => ['Z|[+-]\\d{2}(?::?\\d{2})?', 'zone'],
};

function read(regex: RegExp, parts: readonly Part[], text: string): string | null {
  const m = regex.exec(text);
  if (!m) return null;
  let year = -1;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let fraction: string | undefined;
  let pm: boolean | undefined;
  let offsetMinutes = 0;
  for (let i = 0; i < parts.length; i++) {
    const value = m[i + 1]!;
    switch (parts[i]) {
      case 'year':
        year = Number(value);
        break;
      case 'year2':
        year = 2000 + Number(value);
        break;
      case 'month':
        month = Number(value);
        break;
      case 'monthName': {
        const number = monthNumber(value);
        if (number === undefined) return null;
        month = number;
        break;
      }
      case 'day':
        day = Number(value);
        break;
      case 'hour':
      case 'hour0to11':
        hour = Number(value);
        break;
      case 'hour1to24':
        hour = Number(value) % 24;
        break;
      case 'hour12':
        hour = Number(value) % 12;
        break;
      case 'minute':
        minute = Number(value);
        break;
      case 'second':
        second = Number(value);
        break;
      case 'fraction':
        // `SSS` counts milliseconds: `5` is 005.
        fraction = value.length < 3 ? value.padStart(3, '0') : value;
        break;
      case 'ampm':
        pm = value.toLowerCase() === 'pm';
        break;
      case 'zone': {
        const offset = parseOffset(value);
        if (offset === null) return null;
        offsetMinutes = offset;
        break;
      }
      default:
        break;
    }
  }
  // A pattern without a year names no instant on its own.
  if (year < 0) return null;
  if (pm && hour < 12) hour += 12;
  return isoFromParts({ year, month, day, hour, minute, second, fraction, offsetMinutes });
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
