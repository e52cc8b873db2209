import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SortOrder, StorableEvent, Store } from '../store.ts';
import { createSqliteStore } from './sqlite-store.ts';

// Events crowded into a few seconds, many in the same millisecond, so that pages end inside a
// second and between ties: where answering from the index (row ids by second) could go wrong.
const BASE_MS = Date.parse('2024-05-14T08:00:00Z');
const USERS = ['root', 'alice', 'bob'];
const MILLIS = [0, 0, 1, 250, 500, 500, 999];

interface Spec {
  id: string;
  ms: number;
  user: string;
  outcome: 'success' | 'failure';
}

const SPECS: Spec[] = [
  ...Array.from({ length: 300 }, (_, index): Spec => {
    // A fixed shuffle of the ids, so that id order is not time order.
    const id = `ev-${String((index * 7919) % 1000).padStart(3, '0')}`;
    return { id, ms: BASE_MS + (index % 6) * 1000 + MILLIS[(index * 5) % MILLIS.length]!, user: USERS[index % 3]!, outcome: index % 4 === 0 ? 'failure' : 'success' };
  }),
  // Seconds 7 and 8 hold events only late in the second: a range ending (or starting) inside
  // one of them has a partial second with matches, none of them in the range.
  ...Array.from({ length: 24 }, (_, index): Spec => ({
    id: `late-${String(index).padStart(2, '0')}`,
    ms: BASE_MS + (7 + (index % 2)) * 1000 + 600 + (index % 3) * 50,
    user: USERS[index % 3]!,
    outcome: index % 4 === 0 ? 'failure' : 'success',
  })),
];

function event(spec: Spec): StorableEvent {
  const message = spec.outcome === 'failure' ? `Failed password for ${spec.user}` : `Accepted password for ${spec.user}`;
  return { '@timestamp': new Date(spec.ms).toISOString(), message, event: { id: spec.id, outcome: spec.outcome }, user: { name: spec.user } };
}

/** Each query with what it matches: index-only queries, and one the SQL answers. */
const QUERIES: { query: string; matches: (spec: Spec) => boolean }[] = [
  { query: 'user.name:root', matches: (spec) => spec.user === 'root' },
  { query: 'NOT user.name:root AND NOT event.outcome:failure', matches: (spec) => spec.user !== 'root' && spec.outcome !== 'failure' },
  { query: 'failed OR user.name:bob', matches: (spec) => spec.outcome === 'failure' || spec.user === 'bob' },
  { query: 'user.name:ali* AND event.outcome:success', matches: (spec) => spec.user === 'alice' && spec.outcome === 'success' },
];

/** Ranges that start and end on second boundaries, inside seconds, and within one second. */
const RANGES: { from?: number; to?: number }[] = [
  {},
  { from: BASE_MS + 1000, to: BASE_MS + 4000 },
  { from: BASE_MS + 1250, to: BASE_MS + 4500 },
  { from: BASE_MS + 500 },
  { to: BASE_MS + 2001 },
  { from: BASE_MS + 2001, to: BASE_MS + 2500 },
  { from: BASE_MS + 3000, to: BASE_MS + 3000 },
  { to: BASE_MS + 7100 },
  { from: BASE_MS + 7800 },
  { from: BASE_MS + 5999, to: BASE_MS + 7650 },
];

function expected(matches: (spec: Spec) => boolean, range: { from?: number; to?: number }, order: SortOrder): string[] {
  const inRange = SPECS.filter((spec) => matches(spec) && (range.from === undefined || spec.ms >= range.from) && (range.to === undefined || spec.ms < range.to));
  const sorted = inRange.sort((a, b) => a.ms - b.ms || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return (order === 'asc' ? sorted : sorted.reverse()).map((spec) => spec.id);
}

describe('sqlite event search across pages and partial seconds', () => {
  let dir: string;
  let store: Store;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-search-'));
    store = await createSqliteStore({ path: join(dir, 'vigil.db') });
    await store.init();
    // Out of time order, in several batches, as late events arrive.
    await store.writeEvents(SPECS.filter((_, index) => index % 2 === 1).map(event));
    await store.writeEvents(SPECS.filter((_, index) => index % 2 === 0).map(event));
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const cases = QUERIES.flatMap(({ query, matches }) =>
    RANGES.flatMap((range) => (['desc', 'asc'] as const).flatMap((order) => [1, 7, 50].map((size) => ({ query, matches, range, order, size })))),
  );

  it.each(cases)('$query in $range, $order, pages of $size: every match once, in order, with the right total', async ({ query, matches, range, order, size }) => {
    const want = expected(matches, range, order);
    const request = {
      query,
      size,
      order,
      ...(range.from !== undefined && { from: new Date(range.from).toISOString() }),
      ...(range.to !== undefined && { to: new Date(range.to).toISOString() }),
    };
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.searchEvents(cursor === undefined ? request : { ...request, cursor });
      expect(page.total).toBe(want.length);
      seen.push(...page.events.map((found) => found.event!.id!));
      cursor = page.cursor ?? undefined;
    } while (cursor !== undefined && seen.length <= want.length);
    expect(seen).toEqual(want);
  });
});
