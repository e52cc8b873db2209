/**
 * How query values are read, the same way in every store: a range compares numerically when
 * its bounds are numbers, and `@timestamp` bounds are instants (a time without an offset is UTC).
 */

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number a range bound stands for, or null when it is not a number. */
export function numericValue(text: string): number | null {
  if (!NUMBER.test(text)) return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

const ISO_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Milliseconds since the epoch for an ISO-8601 date or date-time (`2024-05-14`,
 * `2024-05-14T08:00:00Z`, `2024-05-14T10:00:00+02:00`, `2024`), or null when it is not one.
 * Missing parts are the start of the period; a time without an offset is UTC.
 */
export function parseInstant(text: string): number | null {
  const match = ISO_DATE.exec(text.trim());
  if (!match) return null;
  const [, year, month = '01', day = '01', hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  const millis = fraction ? fraction.slice(1, 4).padEnd(3, '0') : '000';
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone;
  const ms = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}.${millis}${offset}`);
  return Number.isNaN(ms) ? null : ms;
}
