import { describe, expect, it } from 'vitest';
import { describeFixtures, problems } from './fixture-harness.ts';
import { kvParser } from './kv.ts';

describeFixtures('key=value records', 'kv.json');

describe('key=value records that are hostile or huge', () => {
  it('keeps a 10k-character quoted value', () => {
    const event = kvParser.parse(`srcip=10.0.0.1 msg="${'q '.repeat(5_000)}" dstip=10.0.0.2`);
    expect(problems(event)).toEqual([]);
    expect(event?.message).toHaveLength(10_000);
    expect(event?.destination?.ip).toBe('10.0.0.2');
  });

  it('scans many unterminated quotes and broken escapes in linear time', () => {
    const started = performance.now();
    kvParser.parse(`a=1 ${'k="\\" '.repeat(2_000)}`);
    kvParser.parse(`a=1 b="${'\\'.repeat(10_001)}`);
    kvParser.parse('x='.repeat(5_000));
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('is probed only for records that start with three pairs', () => {
    expect(kvParser.probe('date=2026-11-24 time=10:00:00 devname="FGT 60F" srcip=1.2.3.4')).toBe(true);
    expect(kvParser.probe('a="x y" b= c=1')).toBe(true);
    expect(kvParser.probe('user logged in: user=bob src=1.2.3.4 dst=5.6.7.8')).toBe(false);
    expect(kvParser.probe('a=1 b=2')).toBe(false);
  });
});
