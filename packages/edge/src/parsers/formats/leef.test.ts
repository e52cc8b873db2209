import { describe, expect, it } from 'vitest';
import { describeFixtures, problems } from './fixture-harness.ts';
import { javaDateReader } from './java-date-format.ts';
import { leefParser } from './leef.ts';

describeFixtures('LEEF', 'leef.json');

describe('LEEF records that are hostile or huge', () => {
  it('reads many delimiters without an = in linear time', () => {
    const started = performance.now();
    const event = leefParser.parse(`LEEF:2.0|V|P|1|E|^|${'^'.repeat(10_000)}src=10.0.0.1`);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(event?.source?.ip).toBe('10.0.0.1');
  });

  it('keeps a 10k-character value', () => {
    const event = leefParser.parse(`LEEF:1.0|V|P|1|E|msg=${'m'.repeat(10_000)}\tsrc=10.0.0.1`);
    expect(problems(event)).toEqual([]);
    expect(event?.message).toHaveLength(10_000);
  });
});

describe('devTimeFormat patterns', () => {
  it('reads the patterns QRadar documents', () => {
    expect(javaDateReader('MMM dd yyyy HH:mm:ss')!('Nov 24 2026 10:00:00')).toBe('2026-11-24T10:00:00.000Z');
    expect(javaDateReader('yyyy-MM-dd HH:mm:ss Z')!('2026-11-24 05:00:00 -0500')).toBe('2026-11-24T10:00:00.000Z');
    expect(javaDateReader("EEE, dd MMM yyyy HH:mm:ss 'GMT'")!('Tue, 24 Nov 2026 10:00:00 GMT')).toBe('2026-11-24T10:00:00.000Z');
    expect(javaDateReader('dd/MM/yy HH:mm')!('24/11/26 10:00')).toBe('2026-11-24T10:00:00.000Z');
  });

  it('refuses patterns it cannot read and times that do not fit', () => {
    expect(javaDateReader('GGGG yyyy')).toBeNull();
    expect(javaDateReader("yyyy 'unterminated")).toBeNull();
    expect(javaDateReader('HH:mm:ss')!('10:00:00')).toBeNull();
    expect(javaDateReader('yyyy-MM-dd')!('2026-02-30')).toBeNull();
    expect(javaDateReader('yyyy-MM-dd')!('not a date')).toBeNull();
  });
});
