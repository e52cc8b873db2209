import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { scanEvents } from '../scan-events.ts';
import type { EventSearchRequest, StorableEvent, Store } from '../store.ts';
import { describeAlertContract } from './alert-contract.ts';
import { FIXTURE_EVENTS, IDS } from './event-fixtures.ts';
import { QUERY_CASES } from './event-query-cases.ts';

/**
 * Makes a new, empty store and a way to remove everything it created. Every call must give
 * an independent store (its own file, index prefix …): the suite writes to several at once.
 */
export type StoreFactory = () => Promise<{ store: Store; cleanup: () => Promise<void> }>;

export { FIXTURE_EVENTS, IDS } from './event-fixtures.ts';
export { QUERY_CASES, type QueryCase } from './event-query-cases.ts';
export { FIXTURE_ALERTS, engineAlert } from './alert-fixtures.ts';

const byId = new Map(FIXTURE_EVENTS.map((event) => [event.event.id, event]));

/** Fixture ids in the order every store returns them: newest `@timestamp` (as an instant) first, ties by `event.id` descending. */
export function newestFirst(ids: readonly string[]): string[] {
  const time = (id: string) => Date.parse(byId.get(id)!['@timestamp']);
  return [...ids].sort((a, b) => time(b) - time(a) || (a < b ? 1 : a > b ? -1 : 0));
}

/** Fixture ids oldest first, ties by `event.id` ascending: the order of `order: 'asc'`. */
export function oldestFirst(ids: readonly string[]): string[] {
  return newestFirst(ids).reverse();
}

/**
 * The behaviour every `Store` implementation must have, as one vitest `describe`: idempotent
 * writes, every form of the query language against the same fixture events, time bounds,
 * order and cursor paging, lookups, and the alert lifecycle. A write must be visible to
 * searches as soon as its promise resolves.
 */
export function runStoreContract(name: string, factory: StoreFactory): void {
  describe(`store contract: ${name}`, () => {
    describeWrites(factory);
    describeSearch(factory);
    describeAlertContract(factory);
  });
}

function describeWrites(factory: StoreFactory): void {
  describe('writing events', () => {
    const cleanups: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    async function emptyStore(): Promise<Store> {
      const { store, cleanup } = await factory();
      cleanups.push(cleanup);
      await store.init();
      await store.init();
      return store;
    }

    const pick = (...ids: string[]) => ids.map((id) => structuredClone(byId.get(id)!));

    it('writes each event id once and counts redeliveries as duplicates', async () => {
      const store = await emptyStore();
      expect(await store.writeEvents(pick('ssh-fail-01', 'ssh-fail-02', 'web-03'))).toEqual({ created: 3, duplicates: 0 });
      expect(await store.writeEvents(pick('ssh-fail-01', 'ssh-fail-02', 'web-03'))).toEqual({ created: 0, duplicates: 3 });
      expect(await store.writeEvents(pick('web-03', 'fw-01', 'fw-02'))).toEqual({ created: 2, duplicates: 1 });
      expect(await store.countEvents()).toBe(5);
      const all = await store.searchEvents({ query: '', size: 100 });
      expect(all.total).toBe(5);
      expect(all.events.map((event) => event.event?.id)).toEqual(newestFirst(['ssh-fail-01', 'ssh-fail-02', 'web-03', 'fw-01', 'fw-02']));
    });

    it('keeps one copy when a batch repeats an id', async () => {
      const store = await emptyStore();
      expect(await store.writeEvents(pick('sudo-01', 'sudo-01'))).toEqual({ created: 1, duplicates: 1 });
      expect(await store.countEvents()).toBe(1);
    });

    it('leaves the stored event as it was when a redelivery differs, in documents and in free text', async () => {
      const store = await emptyStore();
      await store.writeEvents(pick('sudo-02'));
      const changed = { ...structuredClone(byId.get('sudo-02')!), message: 'tampered replay' } as StorableEvent;
      expect(await store.writeEvents([changed])).toEqual({ created: 0, duplicates: 1 });
      expect(await store.getEvents(['sudo-02'])).toEqual([byId.get('sudo-02')]);
      expect((await store.searchEvents({ query: 'tampered', size: 10 })).total).toBe(0);
      expect((await store.searchEvents({ query: 'shadow', size: 10 })).total).toBe(1);
    });

    it('counts the total on the first page; later pages of that search repeat it and still reach new events', async () => {
      const store = await emptyStore();
      await store.writeEvents(pick('ssh-fail-01', 'ssh-fail-02', 'ssh-fail-03'));
      const first = await store.searchEvents({ query: '', size: 2, order: 'asc' });
      expect(first.total).toBe(3);
      await store.writeEvents(pick('web-01'));
      const second = await store.searchEvents({ query: '', size: 2, order: 'asc', cursor: first.cursor! });
      expect(second.total).toBe(3);
      expect(second.events.map((event) => event.event?.id)).toEqual(oldestFirst(['ssh-fail-01', 'ssh-fail-02', 'ssh-fail-03', 'web-01']).slice(2));
      expect((await store.searchEvents({ query: '', size: 2 })).total).toBe(4);
    });

    it('starts empty and makes writes searchable as soon as they resolve', async () => {
      const store = await emptyStore();
      expect(await store.countEvents()).toBe(0);
      expect(await store.searchEvents({ query: 'password', size: 10 })).toEqual({ total: 0, events: [], cursor: null });
      await store.writeEvents(pick('ssh-ok-02'));
      expect((await store.searchEvents({ query: 'password', size: 10 })).events.map((event) => event.event?.id)).toEqual(['ssh-ok-02']);
    });
  });
}

function describeSearch(factory: StoreFactory): void {
  describe('searching events', () => {
    let store: Store;
    let cleanup: () => Promise<void> = async () => {};

    beforeAll(async () => {
      ({ store, cleanup } = await factory());
      await store.init();
      // Written in two batches, newest first, so insertion order is not the answer order.
      const events = structuredClone([...FIXTURE_EVENTS]).reverse();
      await store.writeEvents(events.slice(0, 15));
      await store.writeEvents(events.slice(15));
    });
    afterAll(() => cleanup());

    async function pages(request: Omit<EventSearchRequest, 'cursor'>): Promise<{ ids: string[]; totals: number[]; sizes: number[] }> {
      const ids: string[] = [];
      const totals: number[] = [];
      const sizes: number[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 100; page++) {
        const result = await store.searchEvents({ ...request, ...(cursor !== undefined && { cursor }) });
        ids.push(...result.events.map((event) => event.event!.id!));
        totals.push(result.total);
        sizes.push(result.events.length);
        if (result.cursor === null) break;
        cursor = result.cursor;
      }
      return { ids, totals, sizes };
    }

    it.each(QUERY_CASES.map((c) => [c.query, c.ids] as const))('%s', async (query, expected) => {
      const result = await store.searchEvents({ query, size: 1000 });
      expect(result.events.map((event) => event.event?.id)).toEqual(newestFirst(expected));
      expect(result.total).toBe(expected.length);
      expect(result.cursor).toBeNull();
    });

    it('returns stored documents exactly as written', async () => {
      const result = await store.searchEvents({ query: 'event.category:network', size: 1000 });
      expect(result.events).toEqual(newestFirst(IDS.firewall).map((id) => byId.get(id)));
    });

    it('orders newest first by instant, ties by event.id descending', async () => {
      const result = await store.searchEvents({ query: '', size: 6 });
      expect(result.events.map((event) => event.event?.id)).toEqual(['app-01', 'fw-08', 'fw-07', 'fw-06', 'fw-05', 'fw-04']);
    });

    it('bounds @timestamp by from (inclusive) and to (exclusive), in any offset', async () => {
      const window = { from: '2024-05-14T08:06:00Z', to: '2024-05-14T08:06:04Z' };
      expect((await pages({ query: '', size: 100, ...window })).ids).toEqual(newestFirst(['web-01', 'web-02', 'web-03', 'web-04']));
      const shifted = { from: '2024-05-14T10:06:00+02:00', to: '2024-05-14T10:06:04+02:00' };
      expect((await pages({ query: '', size: 100, ...shifted })).ids).toEqual(newestFirst(['web-01', 'web-02', 'web-03', 'web-04']));
      expect((await pages({ query: 'http.response.status_code>=400', size: 100, from: '2024-05-14T08:06:03Z' })).ids).toEqual(
        newestFirst(['web-04', 'web-05', 'web-06', 'web-07', 'web-08', 'web-09', 'web-11']),
      );
      expect((await pages({ query: '', size: 100, to: '2024-05-14T08:00:05Z' })).ids).toEqual(['ssh-fail-01']);
      expect((await store.searchEvents({ query: '', size: 100, from: '2024-05-15T00:00:00Z' })).total).toBe(0);
    });

    it('pages with a cursor across every event without duplicates or gaps', async () => {
      const result = await pages({ query: '', size: 5 });
      expect(result.ids).toEqual(newestFirst(IDS.all));
      expect(result.sizes).toEqual([5, 5, 5, 5, 5, 5, 2]);
      expect(result.totals.every((total) => total === IDS.all.length)).toBe(true);
    });

    it('pages a query and time range, and ends without an empty page on an exact multiple', async () => {
      const firewall = await pages({ query: 'event.category:network', size: 4 });
      expect(firewall.ids).toEqual(newestFirst(IDS.firewall));
      expect(firewall.sizes).toEqual([4, 4]);
      const ties = await pages({ query: 'event.type:denied OR event.category:web', size: 1, from: '2024-05-14T08:06:08Z', to: '2024-05-14T08:08:05Z' });
      expect(ties.ids).toEqual(newestFirst(['web-09', 'web-10', 'web-11', 'fw-01', 'fw-02', 'fw-03', 'fw-04', 'fw-05', 'fw-06']));
      expect(ties.totals.every((total) => total === 9)).toBe(true);
    });

    it('pages oldest first with order asc, ties by event.id ascending, over a query and time range', async () => {
      const all = await pages({ query: '', size: 5, order: 'asc' });
      expect(all.ids).toEqual(oldestFirst(IDS.all));
      expect(all.sizes).toEqual([5, 5, 5, 5, 5, 5, 2]);
      expect(all.totals.every((total) => total === IDS.all.length)).toBe(true);
      const ties = await pages({ query: 'event.type:denied OR event.category:web', size: 1, order: 'asc', from: '2024-05-14T08:06:08Z', to: '2024-05-14T08:08:05Z' });
      expect(ties.ids).toEqual(['web-09', 'web-10', 'web-11', 'fw-01', 'fw-02', 'fw-03', 'fw-04', 'fw-05', 'fw-06']);
      expect(ties.totals.every((total) => total === 9)).toBe(true);
    });

    it('reads a query and time range through oldest first, a page at a time, with scanEvents', async () => {
      const ids: string[] = [];
      for await (const event of scanEvents(store, { query: 'event.category:network OR event.category:web', from: '2024-05-14T08:06:05Z', to: '2024-05-14T09:00:00Z', pageSize: 3 })) ids.push(event.event!.id!);
      expect(ids).toEqual(oldestFirst([...IDS.web.slice(5), ...IDS.firewall]));
      const none: unknown[] = [];
      for await (const event of scanEvents(store, { from: '2024-05-15T00:00:00Z' })) none.push(event);
      expect(none).toEqual([]);
    });

    it('refuses a cursor from a search in the other order', async () => {
      const newest = await store.searchEvents({ query: '', size: 2 });
      await expect(store.searchEvents({ query: '', size: 2, order: 'asc', cursor: newest.cursor! })).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_BAD_CURSOR', status: 400 });
      const oldest = await store.searchEvents({ query: '', size: 2, order: 'asc' });
      await expect(store.searchEvents({ query: '', size: 2, order: 'desc', cursor: oldest.cursor! })).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_BAD_CURSOR', status: 400 });
    });

    it('returns events by id in the order asked, leaving unknown ids out', async () => {
      const events = await store.getEvents(['web-03', 'no-such-event', 'ssh-fail-01', 'fw-08']);
      expect(events).toEqual([byId.get('web-03'), byId.get('ssh-fail-01'), byId.get('fw-08')]);
      expect(await store.getEvents([])).toEqual([]);
    });

    it('counts every stored event', async () => {
      expect(await store.countEvents()).toBe(FIXTURE_EVENTS.length);
    });

    it.each([
      ['user.name:(root', 'VIGIL_ERR_QUERY_SYNTAX', "expected ')' to close the '(' at column 11, found end of query at column 16"],
      ['source.port:[1 TO 5', 'VIGIL_ERR_QUERY_SYNTAX', "expected ']' or '}' to close the range, found end of query at column 20"],
      ['*admin', 'VIGIL_ERR_QUERY_UNSUPPORTED', undefined],
      ['message:fa?led', 'VIGIL_ERR_QUERY_UNSUPPORTED', undefined],
      ['@timestamp>yesterday', 'VIGIL_ERR_QUERY_INVALID_VALUE', undefined],
    ])('rejects %s with %s', async (query, code, message) => {
      const search = store.searchEvents({ query, size: 10 });
      await expect(search).rejects.toMatchObject({ code, status: 400, ...(message !== undefined && { message }) });
    });

    it('rejects a page size outside 1–1000, a bad time bound and a cursor it did not issue', async () => {
      for (const size of [0, 1001, 2.5]) {
        await expect(store.searchEvents({ query: '', size })).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_BAD_REQUEST', status: 400 });
      }
      await expect(store.searchEvents({ query: '', size: 10, from: 'yesterday' })).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_BAD_REQUEST' });
      for (const cursor of ['not a cursor', 'eyJ0IjoieCJ9', Buffer.from('{"k":"events","t":"x","i":1}').toString('base64url')]) {
        await expect(store.searchEvents({ query: '', size: 10, cursor })).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_BAD_CURSOR', status: 400 });
      }
    });
  });
}
