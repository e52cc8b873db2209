import { describe, expect, it } from 'vitest';
import { GroupState, type Entry } from './group-state.ts';

const TIMESPAN = 1_000;

function entry(t: number, k: string | number | null, rep = false): Entry {
  return { t, f: t, k, ids: `e${t}`, n: 1, w: 1, rep };
}

function keyed(): GroupState {
  return new GroupState({ 'source.ip': '203.0.113.7' }, TIMESPAN, true, 0);
}

describe('a group of a correlation', () => {
  it('counts distinct keys in the trailing window, from a single entry to many and back', () => {
    const group = keyed();
    expect(group.trailing().measure).toBe(0);
    group.insert(entry(100, 'a'));
    expect(group.trailing()).toEqual({ start: 0, end: 0, measure: 1 });
    group.insert(entry(200, 'a'));
    expect(group.trailing().measure).toBe(1);
    group.insert(entry(300, 'b'));
    expect(group.trailing().measure).toBe(2);
    // 1,250 − 1,000: the entries at 100 and 200 leave the window.
    group.insert(entry(1_250, 'c'));
    expect(group.trailing()).toEqual({ start: 2, end: 3, measure: 2 });
    // Only the new entry is left in the window.
    group.insert(entry(2_400, 'c'));
    expect(group.trailing()).toEqual({ start: 4, end: 4, measure: 1 });
  });

  it('a late entry into a window of one counts its key', () => {
    const group = keyed();
    group.insert(entry(500, 'a'));
    expect(group.insert(entry(400, 'b'))).toEqual({ index: 0, inOrder: false });
    expect(group.trailing().measure).toBe(2);
    expect(group.busiestWindowContaining(0).measure).toBe(2);
    // Older than the window of the newest: placed, not counted in the trailing window.
    group.insert(entry(1_600, 'c'));
    group.insert(entry(100, 'd'));
    expect(group.trailing().measure).toBe(1);
  });

  it('counts events, not keys, when it is not keyed', () => {
    const group = new GroupState({}, TIMESPAN, false, 0);
    group.insert({ ...entry(100, null), w: 5 });
    group.insert(entry(200, null));
    expect(group.trailing().measure).toBe(6);
  });

  it('hands each unreported entry out once, and starts again after every entry was reported or pruned', () => {
    const group = keyed();
    group.insert(entry(100, 'a'));
    group.insert(entry(200, 'b', true));
    expect(group.takeUnreported(0, 1_000).map((taken) => taken.t)).toEqual([100]);
    expect(group.takeUnreported(0, 1_000)).toEqual([]);
    group.insert(entry(300, 'c'));
    group.insert(entry(250, 'd'));
    expect(group.takeUnreported(0, 260).map((taken) => taken.t)).toEqual([250]);
    expect(group.prune(10_000)).toBe(4);
    expect(group.trailing().measure).toBe(0);
    expect(group.takeUnreported(0, 10_000)).toEqual([]);
    group.insert(entry(20_000, 'e'));
    expect(group.trailing().measure).toBe(1);
    expect(group.takeUnreported(0, 30_000).map((taken) => taken.t)).toEqual([20_000]);
  });

  it('hands out a late entry that lands among reported ones, and never a reported one', () => {
    const group = keyed();
    group.insert(entry(100, 'a'));
    group.insert(entry(200, 'b'));
    expect(group.takeUnreported(0, 1_000).map((taken) => taken.t)).toEqual([100, 200]);
    group.insert(entry(150, 'c'));
    group.insert(entry(120, 'd', true));
    expect(group.takeUnreported(0, 1_000).map((taken) => taken.t)).toEqual([150]);
    group.insert(entry(300, 'e'));
    group.insert(entry(50, 'f'));
    // Only what the window [140, 1000] holds.
    expect(group.takeUnreported(140, 1_000).map((taken) => taken.t)).toEqual([300]);
    expect(group.takeUnreported(0, 1_000).map((taken) => taken.t)).toEqual([50]);
    expect(group.dropOldest(2)).toBeUndefined();
    group.insert(entry(60, 'g'));
    expect(group.takeUnreported(0, 1_000).map((taken) => taken.t)).toEqual([60]);
  });

  it('while none is reported, hands out the entries themselves: late ones in time order, dropped ones never', () => {
    const group = keyed();
    for (const t of [100, 300, 400]) group.insert(entry(t, `k${t}`));
    group.insert(entry(200, 'late'));
    group.dropOldest(1);
    expect(group.takeUnreported(250, 350).map((taken) => taken.t)).toEqual([300]);
    group.insert(entry(500, 'next'));
    expect(group.takeUnreported(0, 1_000).map((taken) => taken.t)).toEqual([200, 400, 500]);
    expect(group.entries.map((kept) => kept.rep)).toEqual([true, true, true, true]);
  });

  it('groups do not share their lists', () => {
    const first = keyed();
    const second = keyed();
    first.insert(entry(100, 'a'));
    expect(second.entries).toEqual([]);
    second.insert(entry(100, 'b'));
    second.insert(entry(50, 'c'));
    expect(first.entries.map((kept) => kept.k)).toEqual(['a']);
    expect(second.takeUnreported(0, 1_000).map((taken) => taken.k)).toEqual(['c', 'b']);
    expect(first.takeUnreported(0, 1_000).map((taken) => taken.k)).toEqual(['a']);
  });
});
