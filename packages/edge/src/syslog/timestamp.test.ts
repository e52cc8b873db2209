import { describe, expect, it } from 'vitest';
import { parseBsdTimestamp, parseRfc3339 } from './timestamp.ts';

describe('RFC 3164 year inference', () => {
  it.each([
    ['a December line read just after New Year stays in the old year', 'Dec 31 23:59:58', '2025-01-01T00:00:05Z', '2024-12-31T23:59:58.000Z'],
    ['a sender a little ahead on New Year’s Eve lands in the new year', 'Jan  1 00:00:30', '2024-12-31T23:59:50Z', '2025-01-01T00:00:30.000Z'],
    ['a line from earlier today is this year', 'Jun 15 08:00:00', '2025-06-15T09:00:00Z', '2025-06-15T08:00:00.000Z'],
    ['a date later in the year than today is last year', 'Jul  2 10:00:00', '2025-06-15T09:00:00Z', '2024-07-02T10:00:00.000Z'],
    ['Feb 29 goes back to the latest leap year', 'Feb 29 12:00:00', '2025-03-01T00:00:00Z', '2024-02-29T12:00:00.000Z'],
    ['a fraction of a second is kept', 'Mar  3 10:11:12.345678', '2025-03-14T00:00:00Z', '2025-03-03T10:11:12.345678Z'],
  ])('%s', (_name, text, now, expected) => {
    expect(parseBsdTimestamp(text, Date.parse(now))).toBe(expected);
  });

  it('rejects impossible times', () => {
    expect(parseBsdTimestamp('Mar 32 10:00:00', Date.parse('2025-03-14T00:00:00Z'))).toBeNull();
    expect(parseBsdTimestamp('Mar 14 24:00:00', Date.parse('2025-03-14T00:00:00Z'))).toBeNull();
  });
});

describe('RFC 3339 timestamps', () => {
  it.each([
    ['2003-10-11T22:14:15.003Z', '2003-10-11T22:14:15.003Z'],
    ['2003-08-24T05:14:15.000003-07:00', '2003-08-24T12:14:15.000003Z'],
    ['2024-12-31T23:30:00+05:30', '2024-12-31T18:00:00.000Z'],
    ['2025-01-01T00:30:00.1-01:00', '2025-01-01T01:30:00.100Z'],
  ])('%s is %s in UTC', (text, expected) => {
    expect(parseRfc3339(text)).toBe(expected);
  });

  it.each(['2003-10-11 22:14:15Z', '2003-10-11T22:14:15', '2003-02-30T00:00:00Z', '2003-10-11T22:14:15+25:00'])('rejects %s', (text) => {
    expect(parseRfc3339(text)).toBeNull();
  });
});
