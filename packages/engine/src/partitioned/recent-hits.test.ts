import { describe, expect, it } from 'vitest';
import { RecentHits } from './recent-hits.ts';

describe('the hits a partition applied lately', () => {
  it('recognises a hit applied again, and only that hit', () => {
    const recent = new RecentHits();
    expect(recent.first('Ab3d', 'rule-1', 'alert')).toBe(true);
    expect(recent.first('Ab3d', 'rule-1', 'alert')).toBe(false);
    expect(recent.first('Ab3d', 'rule-1', 'correlation-1', 0)).toBe(true);
    expect(recent.first('Ab3d', 'rule-1', 'correlation-1', 1)).toBe(true);
    expect(recent.first('Ab3d', 'rule-1', 'correlation-1', 1)).toBe(false);
    expect(recent.first('Ab3d', 'rule-2', 'alert')).toBe(true);
    expect(recent.first('Ab3e', 'rule-1', 'alert')).toBe(true);
    // The parts do not run into each other.
    expect(recent.first('Ab3', 'drule-1', 'alert')).toBe(true);
  });

  it('does not remember hits of events without an id', () => {
    const recent = new RecentHits();
    expect(recent.first(undefined, 'rule-1', 'alert')).toBe(true);
    expect(recent.first('', 'rule-1', 'alert')).toBe(true);
    expect(recent.first('', 'rule-1', 'alert')).toBe(true);
  });

  it('keeps at least the last half of its capacity, and forgets older hits', () => {
    const recent = new RecentHits(1_000);
    for (let i = 0; i < 1_000; i++) expect(recent.first(`event-${i}`, 'rule', 'alert')).toBe(true);
    for (let i = 500; i < 1_000; i++) expect(recent.first(`event-${i}`, 'rule', 'alert'), `event-${i}`).toBe(false);
    // 1,000 more: the first thousand are forgotten.
    for (let i = 1_000; i < 2_000; i++) recent.first(`event-${i}`, 'rule', 'alert');
    expect(recent.first('event-0', 'rule', 'alert')).toBe(true);
  });

  it('tells 200,000 distinct hits apart (no false duplicates)', () => {
    const recent = new RecentHits();
    let duplicates = 0;
    for (let i = 0; i < 200_000; i++) if (!recent.first(`Ab3dEf5h${i.toString(36).padStart(4, '0')}`, 'rule', i % 2 === 0 ? 'alert' : 'correlation', i % 3)) duplicates++;
    expect(duplicates).toBe(0);
  });
});
