import { describe, expect, it } from 'vitest';
import { describeFixtures, problems } from './fixture-harness.ts';
import { looksLikeAccessLine, parseAccessLine } from './web-access.ts';

describeFixtures('web access logs', 'web-access.json');

describe('web access lines that are hostile or huge', () => {
  const base = '203.0.113.9 - - [24/Nov/2026:10:00:00 +0000] ';

  it('keeps a 10k-character user agent whole', () => {
    const agent = 'A'.repeat(10_000);
    const event = parseAccessLine(`${base}"GET / HTTP/1.1" 200 1 "-" "${agent}"`, 'nginx');
    expect(problems(event)).toEqual([]);
    expect(event?.user_agent?.original).toHaveLength(10_000);
  });

  it('gives up on a 10k-character unterminated quote without backtracking for long', () => {
    const started = performance.now();
    expect(parseAccessLine(`${base}"GET /${'\\"a'.repeat(3_000)}`, 'nginx')).toBeNull();
    expect(parseAccessLine(`${base}"${' '.repeat(10_000)}`, 'apache')).toBeNull();
    // Not a benchmark: a catastrophic backtrack would take seconds, a linear scan microseconds.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('is probed only for the common/combined shape', () => {
    expect(looksLikeAccessLine(`${base}"GET / HTTP/1.1" 200 1`)).toBe(true);
    expect(looksLikeAccessLine('Accepted password for root from 203.0.113.9 port 22 ssh2')).toBe(false);
    expect(looksLikeAccessLine('[24/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1')).toBe(false);
  });
});
