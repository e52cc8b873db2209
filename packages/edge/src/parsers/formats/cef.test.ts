import { describe, expect, it } from 'vitest';
import { cefParser } from './cef.ts';
import { MAX_LABELS } from './event-builder.ts';
import { describeFixtures, problems } from './fixture-harness.ts';

describeFixtures('CEF', 'cef.json');

describe('CEF records that are hostile or huge', () => {
  it('keeps a 10k-character value with spaces whole', () => {
    const text = 'word '.repeat(2_000).trim();
    const event = cefParser.parse(`CEF:0|V|P|1|2|n|1|msg=${text} act=x`);
    expect(event?.message).toBe(text);
    expect(event?.event?.action).toBe('x');
  });

  it('bounds the number of labels and tags the event', () => {
    const pairs = Array.from({ length: 500 }, (_, i) => `k${i}=v${i}`).join(' ');
    const event = cefParser.parse(`CEF:0|V|P|1|2|n|1|${pairs}`);
    expect(problems(event)).toEqual([]);
    expect(Object.keys(event?.labels ?? {})).toHaveLength(MAX_LABELS);
    expect(event?.tags).toContain('labels_truncated');
  });

  it('scans a crafted extension in linear time', () => {
    const started = performance.now();
    cefParser.parse(`CEF:0|V|P|1|2|n|1|msg= ${'a'.repeat(5_000)}/${'='.repeat(5_000)}`);
    cefParser.parse(`CEF:0|V|P|1|2|n|1|${'\\'.repeat(10_001)}`);
    cefParser.parse(`CEF:0|${'\\|'.repeat(5_000)}`);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
