import { describe, expect, it } from 'vitest';
import { describeFixtures, problems } from './fixture-harness.ts';
import { parseApacheError, parseNginxError } from './web-error.ts';

describeFixtures('web error logs', 'web-error.json');

describe('web error lines that are hostile or huge', () => {
  it('reads a crafted nginx line with many fake contexts in linear time, keeping it as text', () => {
    const fake = ', client: 1.2.3.4, server: x'.repeat(2_000);
    const started = performance.now();
    const event = parseNginxError(`2026/11/24 10:00:00 [error] 1#1: *1 bad${fake} y`);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(problems(event)).toEqual([]);
    expect(event?.log?.level).toBe('error');
  });

  it('keeps a 10k-character Apache message', () => {
    const text = 'x'.repeat(10_000);
    const event = parseApacheError(`[Tue Nov 24 10:00:00.1 2026] [core:error] [pid 1] ${text}`);
    expect(event?.message).toBe(text);
    expect(event?.['@timestamp']).toBe('2026-11-24T10:00:00.100Z');
  });
});
