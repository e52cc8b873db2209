import { describe, expect, it } from 'vitest';
import { timeZone } from './time-zone.ts';
import { parseBsdTimestamp, parseRfc3339, resolveTime, scanBsdTime, scanIsoTime } from './timestamp.ts';

describe('RFC 3164 year inference', () => {
  it.each([
    ['a December line read just after New Year stays in the old year', 'Dec 31 23:59:58', '2025-01-01T00:00:05Z', '2024-12-31T23:59:58.000Z'],
    ['a sender a little ahead on New Year’s Eve lands in the new year', 'Jan  1 00:00:30', '2024-12-31T23:59:50Z', '2025-01-01T00:00:30.000Z'],
    ['a line from earlier today is this year', 'Jun 15 08:00:00', '2025-06-15T09:00:00Z', '2025-06-15T08:00:00.000Z'],
    ['a date later in the year than today is last year', 'Jul  2 10:00:00', '2025-06-15T09:00:00Z', '2024-07-02T10:00:00.000Z'],
    ['Feb 29 goes back to the latest leap year', 'Feb 29 12:00:00', '2025-03-01T00:00:00Z', '2024-02-29T12:00:00.000Z'],
    ['a fraction of a second is kept', 'Mar  3 10:11:12.345678', '2025-03-14T00:00:00Z', '2025-03-03T10:11:12.345678Z'],
    ['a single-digit day may follow one space', 'Mar 3 10:11:12', '2025-03-14T00:00:00Z', '2025-03-03T10:11:12.000Z'],
  ])('%s', (_name, text, now, expected) => {
    expect(parseBsdTimestamp(text, Date.parse(now))).toBe(expected);
  });

  it('never puts a line more than a day into the future, in any zone', () => {
    const now = Date.parse('2025-12-31T22:00:00Z');
    for (const zone of ['UTC', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Kolkata']) {
      for (const text of ['Jan  1 00:00:01', 'Dec 31 23:59:59', 'Jun 15 12:00:00']) {
        const iso = parseBsdTimestamp(text, now, timeZone(zone));
        expect(Date.parse(iso!), `${text} in ${zone}`).toBeLessThanOrEqual(now + 86_400_000);
      }
    }
  });

  it('rejects impossible times', () => {
    expect(parseBsdTimestamp('Mar 32 10:00:00', Date.parse('2025-03-14T00:00:00Z'))).toBeNull();
    expect(parseBsdTimestamp('Mar 14 24:00:00', Date.parse('2025-03-14T00:00:00Z'))).toBeNull();
    expect(parseBsdTimestamp('Feb 30 10:00:00', Date.parse('2025-03-14T00:00:00Z'))).toBeNull();
    expect(parseBsdTimestamp('Foo 14 10:00:00', Date.parse('2025-03-14T00:00:00Z'))).toBeNull();
  });
});

describe('BSD timestamps in the wild', () => {
  it.each([
    ['Nov 24 2026 10:00:00 fw01', { year: 2026, month: 11, day: 24, hour: 10, end: 20 }],
    ['2026 Nov 24 10:00:00 UTC:', { year: 2026, month: 11, day: 24, hour: 10, end: 20 }],
    ['Nov 24 10:00:00.123: %SYS', { year: -1, fraction: '123', end: 19 }],
    ['nov  4 09:05:07', { year: -1, month: 11, day: 4, end: 15 }],
  ])('scans %s', (text, expected) => {
    expect(scanBsdTime(text, 0)).toMatchObject(expected);
  });

  it.each(['Nov 24 10:00', 'Nov 24 10:00:00x', 'Nov 124 10:00:00', 'November 24 10:00:00'])('does not take %s', (text) => {
    expect(scanBsdTime(text, 0)).toBeNull();
  });

  it('reads ISO times of RFC 3164 lines leniently: space for T, ±hhmm or no offset', () => {
    expect(scanIsoTime('2025-03-14 11:59:00 host', 0, false)).toMatchObject({ hour: 11, offsetMinutes: null, end: 19 });
    expect(scanIsoTime('2025-03-14T11:59:00+0130 host', 0, false)).toMatchObject({ offsetMinutes: 90, end: 24 });
    expect(scanIsoTime('2025-03-14 11:59:00Z', 0, true)).toBeNull();
  });

  it('reads a time without offset in the zone it is given', () => {
    const time = scanBsdTime('Mar 30 02:30:00', 0)!;
    // 02:30 does not exist in Berlin that night (clocks jump from 02:00 to 03:00): read with the summer offset.
    expect(resolveTime(time, timeZone('Europe/Berlin'), Date.parse('2025-04-01T00:00:00Z'))).toBe('2025-03-30T00:30:00.000Z');
    expect(resolveTime(time, timeZone('Asia/Kathmandu'), Date.parse('2025-04-01T00:00:00Z'))).toBe('2025-03-29T20:45:00.000Z');
  });
});

describe('RFC 3339 timestamps', () => {
  it.each([
    ['2003-10-11T22:14:15.003Z', '2003-10-11T22:14:15.003Z'],
    ['2003-08-24T05:14:15.000003-07:00', '2003-08-24T12:14:15.000003Z'],
    ['2024-12-31T23:30:00+05:30', '2024-12-31T18:00:00.000Z'],
    ['2025-01-01T00:30:00.1-01:00', '2025-01-01T01:30:00.100Z'],
    ['2016-12-31T23:59:60Z', '2016-12-31T23:59:59.000Z'],
    ['0099-01-01T00:00:00Z', '0099-01-01T00:00:00.000Z'],
  ])('%s is %s in UTC', (text, expected) => {
    expect(parseRfc3339(text)).toBe(expected);
  });

  it.each(['2003-10-11 22:14:15Z', '2003-10-11T22:14:15', '2003-02-30T00:00:00Z', '2003-10-11T22:14:15+25:00', '2003-10-11T22:14:15.1234567890Z', '2003-10-11T22:14:15Z '])(
    'rejects %s',
    (text) => {
      expect(parseRfc3339(text)).toBeNull();
    },
  );
});
