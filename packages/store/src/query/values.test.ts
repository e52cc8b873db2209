import { describe, expect, it } from 'vitest';
import { numericValue, parseInstant } from './values.ts';

describe('parseInstant', () => {
  it('reads ISO-8601 dates and date-times with any offset as the same instant', () => {
    const eight = Date.parse('2024-05-14T08:00:00.000Z');
    for (const text of ['2024-05-14T08:00:00Z', '2024-05-14T10:00:00+02:00', '2024-05-14T10:00:00+0200', '2024-05-14T03:00:00-05:00', '2024-05-14 08:00:00z']) {
      expect(parseInstant(text), text).toBe(eight);
    }
  });

  it('treats a time without an offset as UTC and fills missing parts with the start of the period', () => {
    expect(parseInstant('2024-05-14T08:00')).toBe(Date.parse('2024-05-14T08:00:00Z'));
    expect(parseInstant('2024-05-14')).toBe(Date.parse('2024-05-14T00:00:00Z'));
    expect(parseInstant('2024')).toBe(Date.parse('2024-01-01T00:00:00Z'));
  });

  it('keeps milliseconds and drops finer digits', () => {
    expect(parseInstant('2024-05-14T08:00:00.123456789Z')).toBe(Date.parse('2024-05-14T08:00:00.123Z'));
  });

  it('returns null for anything else', () => {
    for (const text of ['yesterday', 'now-1d', '14/05/2024', '2024-13-01', '1715673600000', '']) expect(parseInstant(text), text).toBeNull();
  });
});

describe('numericValue', () => {
  it('reads decimal numbers and nothing else', () => {
    expect(numericValue('500')).toBe(500);
    expect(numericValue('-1.5')).toBe(-1.5);
    expect(numericValue('1e3')).toBe(1000);
    for (const text of ['0x1f', '5xx', '', 'Infinity', '1e999']) expect(numericValue(text), text).toBeNull();
  });
});
