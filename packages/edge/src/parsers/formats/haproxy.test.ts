import { describe, expect, it } from 'vitest';
import { describeFixtures, problems } from './fixture-harness.ts';
import { haproxyParser } from './haproxy.ts';

describeFixtures('HAProxy', 'haproxy.json');

describe('HAProxy lines that are hostile or huge', () => {
  it('keeps a request cut at the log line limit (no closing quote)', () => {
    const path = `/${'a'.repeat(10_000)}`;
    const event = haproxyParser.parse(`203.0.113.9:1 [24/Nov/2026:10:00:00.000] fe be/s 0/0/0/0/0 414 0 - - PR-- 1/1/0/0/0 0/0 "GET ${path}`);
    expect(problems(event)).toEqual([]);
    expect(event?.http?.response?.status_code).toBe(414);
    expect(event?.http?.request?.method).toBe('GET');
    expect(event?.url?.original).toBe(path);
  });
});
