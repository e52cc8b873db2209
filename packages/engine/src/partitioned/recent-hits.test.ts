import { describe, expect, it } from 'vitest';
import { RecentHits } from './recent-hits.ts';

const RULE_1 = { id: 'rule-1' };
const RULE_2 = { id: 'rule-2' };
const CORRELATION = { id: 'correlation-1' };
const RULE = { id: 'rule' };

describe('the hits a partition applied lately', () => {
  it('recognises a hit applied again, and only that hit', () => {
    const recent = new RecentHits();
    expect(recent.first('Ab3d', RULE_1)).toBe(true);
    expect(recent.first('Ab3d', RULE_1)).toBe(false);
    expect(recent.first('Ab3d', RULE_1, CORRELATION, 0)).toBe(true);
    expect(recent.first('Ab3d', RULE_1, CORRELATION, 1)).toBe(true);
    expect(recent.first('Ab3d', RULE_1, CORRELATION, 1)).toBe(false);
    // Another object with the same id is the same rule.
    expect(recent.first('Ab3d', { id: 'correlation-1' }, undefined)).toBe(true);
    expect(recent.first('Ab3d', RULE_1, { id: 'correlation-1' }, 1)).toBe(false);
    expect(recent.first('Ab3d', RULE_2)).toBe(true);
    expect(recent.first('Ab3e', RULE_1)).toBe(true);
  });

  it('does not remember hits of events without an id', () => {
    const recent = new RecentHits();
    expect(recent.first(undefined, RULE_1)).toBe(true);
    expect(recent.first('', RULE_1)).toBe(true);
    expect(recent.first('', RULE_1)).toBe(true);
  });

  it('keeps at least the last half of its capacity, and forgets older hits', () => {
    const recent = new RecentHits(1_000);
    for (let i = 0; i < 1_000; i++) expect(recent.first(`event-${i}`, RULE)).toBe(true);
    for (let i = 500; i < 1_000; i++) expect(recent.first(`event-${i}`, RULE), `event-${i}`).toBe(false);
    // 1,000 more: the first thousand are forgotten.
    for (let i = 1_000; i < 2_000; i++) recent.first(`event-${i}`, RULE);
    expect(recent.first('event-0', RULE)).toBe(true);
  });

  it('tells 200,000 distinct hits apart (no false duplicates)', () => {
    const recent = new RecentHits();
    let duplicates = 0;
    for (let i = 0; i < 200_000; i++) if (!recent.first(`Ab3dEf5h${i.toString(36).padStart(4, '0')}`, RULE, i % 2 === 0 ? undefined : CORRELATION, i % 3)) duplicates++;
    expect(duplicates).toBe(0);
  });

  it('tells apart ids that differ only in their last characters (two FNV-1a lanes took one of these 400,000 for a duplicate)', () => {
    const recent = new RecentHits();
    const rules = Array.from({ length: 20 }, (_, i) => ({ id: `736b9439-10f3-4af0-a419-956e2ec093${String(i).padStart(2, '0')}` }));
    const duplicates: number[] = [];
    for (let i = 0; i < 400_000; i++) if (!recent.first(`8Qk79hBrYGqnTNI5${i.toString(36).padStart(4, '0')}`, rules[i % 20]!)) duplicates.push(i);
    expect(duplicates).toEqual([]);
  });
});
