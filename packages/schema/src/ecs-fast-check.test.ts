import { describe, expect, it } from 'vitest';
import { ecsEventSchema } from './ecs.ts';
import { compileFastCheck } from './ecs-fast-check.ts';
import { ecsLeaves } from './ecs-leaves.ts';
import { setField } from './ecs.ts';

const passes = compileFastCheck(ecsEventSchema);
const zodPasses = (value: unknown) => ecsEventSchema.safeParse(value).success;

const valid = {
  '@timestamp': '2026-11-24T10:00:00.123+01:00',
  message: 'Failed password for root',
  tags: ['a', 'b'],
  labels: { site: 'eu-1' },
  event: { kind: 'event', category: ['authentication'], outcome: 'failure', duration: 13_000_000, risk_score: 21.5, original: 'x' },
  source: { ip: '2001:db8::1', port: 22, geo: { location: { lat: 1.5, lon: 2 } }, as: { number: 64_500, organization: { name: 'Example' } } },
  related: { ip: ['10.0.0.1', '2001:db8::2'], user: ['root'] },
  log: { syslog: { priority: 38, structured_data: { 'origin@1': { ip: ['10.0.0.1', '10.0.0.2'], software: 'x' } } } },
  vigil: { parse: { status: 'parsed', parser: 'sshd', flags: ['pri_missing'] } },
};

describe('compileFastCheck(ecsEventSchema)', () => {
  it('passes a valid event, as zod does', () => {
    expect(zodPasses(valid)).toBe(true);
    expect(passes(valid)).toBe(true);
    expect(passes({})).toBe(true);
  });

  // Each case breaks one rule; the fast check must never pass what zod refuses.
  const broken: Array<[string, Record<string, unknown>]> = [
    ['an unknown top-level field', { ...valid, nope: 1 }],
    ['an unknown nested field', { ...valid, source: { ...valid.source, portt: 1 } }],
    ['a string where a number belongs', { ...valid, source: { port: '22' } }],
    ['a fraction where an integer belongs', { ...valid, source: { port: 22.5 } }],
    ['a number where a string belongs', { ...valid, message: 5 }],
    ['null for a field', { ...valid, message: null }],
    ['a bad IP', { ...valid, source: { ip: '10.0.0.300' } }],
    ['a bad IP in a list', { ...valid, related: { ip: ['10.0.0.1', 'host'] } }],
    ['a list where a string belongs', { ...valid, message: ['a'] }],
    ['a string where a list belongs', { ...valid, tags: 'a' }],
    ['an impossible date', { ...valid, '@timestamp': '2026-02-30T00:00:00Z' }],
    ['a date without offset', { ...valid, '@timestamp': '2026-11-24T10:00:00' }],
    ['a value outside an enum', { ...valid, event: { kind: 'weird' } }],
    ['a non-string label', { ...valid, labels: { n: 1 } }],
    ['a bad geo point', { ...valid, source: { geo: { location: { lat: '1', lon: 2 } } } }],
    ['bad structured data', { ...valid, log: { syslog: { structured_data: { a: { b: 1 } } } } }],
    ['an array for a field set', { ...valid, source: [] }],
    ['a non-object event', 'text' as unknown as Record<string, unknown>],
  ];
  it.each(broken)('refuses %s, as zod does', (_, event) => {
    expect(zodPasses(event)).toBe(false);
    expect(passes(event)).toBe(false);
  });
});

describe('compileFastCheck(ecsEventSchema), field by field', () => {
  // Values of every kind, valid and not for some type; a refinement added to a field later
  // (a length limit, a pattern) shows up here as a probe the fast check passes and zod refuses.
  const probes: unknown[] = ['', 'x', 'x'.repeat(5_000), '10.0.0.1', '2026-11-24T10:00:00Z', 0, -1, 1.5, 2 ** 60, true, null, [], [''], ['10.0.0.1'], [1], {}, { lat: 1, lon: 2 }, { a: 'b' }, { a: 'b', c: 1 }, Object.create(null) as object, new Date(0)];
  it.each(ecsLeaves(ecsEventSchema).map((leaf) => [leaf.path]))('%s: passes only what zod passes', (path) => {
    for (const probe of probes) {
      const event: Record<string, unknown> = {};
      setField(event, path, probe);
      expect({ probe, fast: passes(event) }).toEqual({ probe, fast: zodPasses(event) });
    }
  });
});
