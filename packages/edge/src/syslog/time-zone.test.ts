import { describe, expect, it } from 'vitest';
import { isTimeZone, timeZone, UTC_TIME_ZONE } from './time-zone.ts';

const wall = (iso: string) => Date.parse(`${iso}Z`);
const utc = (ms: number) => new Date(ms).toISOString();

describe('time zones for RFC 3164 times', () => {
  it('knows IANA names and refuses others', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(UTC_TIME_ZONE.isUtc).toBe(true);
    expect(timeZone('Etc/UTC').isUtc).toBe(true);
    expect(timeZone('Europe/Berlin').isUtc).toBe(false);
  });

  it('turns wall-clock times into UTC with daylight saving', () => {
    const berlin = timeZone('Europe/Berlin');
    expect(utc(berlin.toUtc(wall('2025-01-15T12:00:00')))).toBe('2025-01-15T11:00:00.000Z');
    expect(utc(berlin.toUtc(wall('2025-07-15T12:00:00')))).toBe('2025-07-15T10:00:00.000Z');
    const sydney = timeZone('Australia/Sydney');
    expect(utc(sydney.toUtc(wall('2025-01-15T12:00:00')))).toBe('2025-01-15T01:00:00.000Z');
    expect(utc(sydney.toUtc(wall('2025-07-15T12:00:00')))).toBe('2025-07-15T02:00:00.000Z');
  });

  it('handles half-hour zones whose changes fall on half hours (St. John’s)', () => {
    const stJohns = timeZone('America/St_Johns');
    // 2025-03-09 02:00 local: -03:30 becomes -02:30.
    expect(utc(stJohns.toUtc(wall('2025-03-09T01:59:00')))).toBe('2025-03-09T05:29:00.000Z');
    expect(utc(stJohns.toUtc(wall('2025-03-09T03:01:00')))).toBe('2025-03-09T05:31:00.000Z');
  });

  it('reads a time repeated by the fall-back change as the first of the two', () => {
    const newYork = timeZone('America/New_York');
    expect(utc(newYork.toUtc(wall('2025-11-02T01:30:00')))).toBe('2025-11-02T05:30:00.000Z');
    expect(utc(newYork.toUtc(wall('2025-11-02T02:30:00')))).toBe('2025-11-02T07:30:00.000Z');
    expect(utc(newYork.toUtc(wall('2025-11-02T00:30:00')))).toBe('2025-11-02T04:30:00.000Z');
  });
});
