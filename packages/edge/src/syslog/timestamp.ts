/**
 * Syslog timestamps to ISO-8601 UTC. Offsets are whole minutes, so the fraction of a second
 * never changes when shifting to UTC: it is carried over as written (up to nanoseconds) instead
 * of being rounded to the milliseconds a JS Date holds.
 */

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const MONTHS: Readonly<Record<string, number>> = {
  Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12,
};
const DAY_MS = 86_400_000;

/** Parses an RFC 3339 timestamp with a mandatory offset (RFC 5424, or ISO in RFC 3164 lines). */
export function parseRfc3339(text: string): string | null {
  const m = RFC3339.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, fraction, zulu, sign, oh, om] = m;
  const localMs = utcMs(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s));
  if (localMs === null) return null;
  let offsetMinutes = 0;
  if (!zulu) {
    if (Number(oh) > 23 || Number(om) > 59) return null;
    offsetMinutes = (Number(oh) * 60 + Number(om)) * (sign === '-' ? -1 : 1);
  }
  return formatUtc(localMs - offsetMinutes * 60_000, fraction);
}

const BSD = /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([ \d]?\d) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/**
 * Parses an RFC 3164 `Mmm dd hh:mm:ss` timestamp, read as UTC. The year is not in the line: it
 * is the latest year that does not put the message more than a day after `nowMs`, so a December
 * line read just after New Year lands in the old year, and a sender whose clock is a little
 * ahead on New Year's Eve lands in the new one.
 */
export function parseBsdTimestamp(text: string, nowMs: number): string | null {
  const m = BSD.exec(text);
  if (!m) return null;
  const [, mon, day, h, mi, s, fraction] = m;
  const currentYear = new Date(nowMs).getUTCFullYear();
  for (const year of [currentYear + 1, currentYear, currentYear - 1, currentYear - 2, currentYear - 3, currentYear - 4]) {
    const ms = utcMs(year, MONTHS[mon!]!, Number(day!.trim()), Number(h), Number(mi), Number(s));
    // Feb 29 exists only in leap years: keep looking back for the latest year that has it.
    if (ms !== null && ms <= nowMs + DAY_MS) return formatUtc(ms, fraction);
  }
  return null;
}

/** Length of an RFC 3164 timestamp at the start of `text` (15, or more with a fraction), or 0. */
export function bsdTimestampLength(text: string): number {
  const m = /^[A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?= |$)/.exec(text);
  return m ? m[0].length : 0;
}

function utcMs(year: number, month: number, day: number, hour: number, minute: number, second: number): number | null {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return null;
  // A leap second (:60) is read as :59 so it stays inside its minute.
  const ms = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return ms;
}

function formatUtc(ms: number, fraction: string | undefined): string {
  const whole = new Date(ms).toISOString().slice(0, 19);
  if (!fraction) return `${whole}.000Z`;
  return `${whole}.${fraction.padEnd(3, '0')}Z`;
}
