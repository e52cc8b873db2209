import { describe, expect, it } from 'vitest';
import { formatIso, isoFromParts, parseClfTime, parseDeviceTime, parseEpoch, parseIsoTime, parseMonthFirstTime, parseOffset } from './time.ts';

describe('times inside messages', () => {
  it('shift web-server times to UTC and keep the offset written', () => {
    expect(parseClfTime('10/Oct/2026:13:55:36 -0700')).toEqual({ timestamp: '2026-10-10T20:55:36.000Z', offsetMinutes: -420 });
    expect(parseClfTime('24/Nov/2026:10:00:00.123')).toEqual({ timestamp: '2026-11-24T10:00:00.123Z' });
    expect(parseClfTime('29/Feb/2026:10:00:00 +0000')).toBeNull();
    expect(parseClfTime('10/Foo/2026:13:55:36 -0700')).toBeNull();
  });

  it('read epoch seconds, milliseconds, microseconds and nanoseconds without losing digits', () => {
    expect(parseEpoch('1795514400')).toBe('2026-11-24T10:00:00.000Z');
    expect(parseEpoch('1795514400123')).toBe('2026-11-24T10:00:00.123Z');
    expect(parseEpoch('1795514400123456')).toBe('2026-11-24T10:00:00.123456Z');
    expect(parseEpoch('1795514400123456789')).toBe('2026-11-24T10:00:00.123456789Z');
    expect(parseEpoch('1795514400.25')).toBe('2026-11-24T10:00:00.250Z');
    expect(parseEpoch('17955')).toBeNull();
    expect(parseEpoch('1795514400123.5')).toBeNull();
  });

  it('read ISO-8601 with or without a zone, and refuse impossible ones', () => {
    expect(parseIsoTime('2026-11-24T11:00:00+01:00')).toBe('2026-11-24T10:00:00.000Z');
    expect(parseIsoTime('2026-11-24 10:00:00,5')).toBe('2026-11-24T10:00:00.500Z');
    expect(parseIsoTime('2026-11-24T10:00:00-0130')).toBe('2026-11-24T11:30:00.000Z');
    expect(parseIsoTime('2026-11-24')).toBe('2026-11-24T00:00:00.000Z');
    expect(parseIsoTime('2026-11-24T10:00:00+25:00')).toBeNull();
    expect(parseIsoTime('2026-02-29T10:00:00Z')).toBeNull();
  });

  it('read the CEF/LEEF date format; named zones are not guessed', () => {
    expect(parseMonthFirstTime('Nov 24 2026 10:00:00 UTC')).toBe('2026-11-24T10:00:00.000Z');
    expect(parseMonthFirstTime('Nov  4 2026 10:00:00.5 GMT+01:00')).toBe('2026-11-04T09:00:00.500Z');
    expect(parseMonthFirstTime('Nov 24 2026 10:00:00 CET')).toBeNull();
    expect(parseDeviceTime('Nov 24 10:00:00')).toBeNull();
    expect(parseOffset('+05:45')).toBe(345);
    expect(parseOffset('EST')).toBeNull();
  });
});

describe('the hand-written ISO formatter', () => {
  it('agrees with Date#toISOString across eras, leap days and offsets', () => {
    for (const ms of [0, -1000, 951_782_400_000, 4_107_542_399_000, 253_402_300_799_000, -62_135_596_800_000, 1_795_514_400_123]) {
      expect(formatIso(ms)).toBe(new Date(ms).toISOString());
    }
    for (let ms = -5e12; ms < 5e12; ms += 7_777_777_777) expect(formatIso(Math.floor(ms / 1000) * 1000)).toBe(new Date(Math.floor(ms / 1000) * 1000).toISOString());
    expect(formatIso(253_402_300_800_000)).toBeNull();
    expect(isoFromParts({ year: 999, month: 1, day: 2, hour: 3, minute: 4, second: 60, fraction: '5' })).toBe('0999-01-02T03:04:59.500Z');
    expect(isoFromParts({ year: 2024, month: 2, day: 29, hour: 23, minute: 30, second: 0, offsetMinutes: -60 })).toBe('2024-03-01T00:30:00.000Z');
    expect(isoFromParts({ year: 2025, month: 2, day: 29, hour: 0, minute: 0, second: 0 })).toBeNull();
  });
});
