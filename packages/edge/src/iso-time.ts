/** ISO-8601 UTC timestamps for events, made fast: every event carries one or more. */

let lastSecond = Number.NaN;
let lastSecondText = '';

/**
 * `YYYY-MM-DDTHH:MM:SS.fffZ` of epoch milliseconds, or with `fraction` (the digits as the source
 * wrote them, up to 9) instead of the milliseconds; null outside years 1-9999. Hand-written because
 * `Date#toISOString` costs several times more per event, and lines arrive in bursts of one second,
 * so that second's text is reused.
 */
export function formatUtc(ms: number, fraction = ''): string | null {
  if (!Number.isFinite(ms) || ms < -62_135_596_800_000 || ms > 253_402_300_799_999) return null;
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastSecond = second;
    lastSecondText = isoSecond(second);
  }
  if (fraction === '') {
    const millis = ms - second * 1000;
    return `${lastSecondText}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
  }
  return `${lastSecondText}.${fraction.length < 3 ? fraction.padEnd(3, '0') : fraction.slice(0, 9)}Z`;
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/** `YYYY-MM-DDTHH:MM:SS` of a UTC second, computed without a Date (civil-from-days, H. Hinnant). */
function isoSecond(second: number): string {
  const days = Math.floor(second / 86_400);
  let rest = second - days * 86_400;
  const hour = Math.floor(rest / 3600);
  rest -= hour * 3600;
  const minute = Math.floor(rest / 60);
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${TWO_DIGITS[Math.floor(year / 100)]}${TWO_DIGITS[year % 100]}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[rest - minute * 60]}`;
}
