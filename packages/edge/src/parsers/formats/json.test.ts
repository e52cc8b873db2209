import { describe, expect, it } from 'vitest';
import { MAX_LABELS } from './event-builder.ts';
import { describeFixtures, problems } from './fixture-harness.ts';
import { jsonParser } from './json.ts';

describeFixtures('JSON payloads', 'json.json');

describe('JSON payloads that are hostile or huge', () => {
  it('never pollutes Object.prototype', () => {
    jsonParser.parse('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"labels":{"__proto__":"x"}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('bounds the labels of a wide object and tags the event', () => {
    const wide = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i]));
    const event = jsonParser.parse(JSON.stringify(wide));
    expect(problems(event)).toEqual([]);
    expect(Object.keys(event?.labels ?? {})).toHaveLength(MAX_LABELS);
    expect(event?.tags).toEqual(expect.arrayContaining(['labels_truncated', 'json_truncated']));
  });

  it('keeps a 10k-character message', () => {
    const event = jsonParser.parse(JSON.stringify({ message: 'z'.repeat(10_000) }));
    expect(event?.message).toHaveLength(10_000);
  });

  it('returns null, never throws, for text that only looks like JSON', () => {
    for (const line of ['{', '{}}', '{"a":"\\x"}', '@cee:', '@cee: not json}', `{${'['.repeat(10_000)}}`]) expect(jsonParser.parse(line)).toBeNull();
    expect(jsonParser.probe('plain text')).toBe(false);
  });
});
