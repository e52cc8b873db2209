import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { storeErrors } from '@vigil/store';
import { bearer, createTestApi, type TestApi } from '../testing/harness.ts';

let api: TestApi;
let viewer: string;

beforeAll(async () => {
  api = await createTestApi();
  viewer = await api.login('victor');
});

beforeEach(() => {
  api.store.failure = null;
});

afterAll(async () => {
  await api.close();
});

function search(query: string, token = viewer) {
  return api.server.app.inject({ url: `/api/v1/events?${query}`, headers: bearer(token) });
}

describe('GET /api/v1/events', () => {
  it('passes query, time range, size and cursor to the store and pages through the results', async () => {
    const first = await search(new URLSearchParams({ q: 'user.name:*t* event.outcome:failure', from: '2025-03-14T09:26:00Z', to: '2025-03-14T09:27:00Z', size: '2' }).toString());
    expect(first.statusCode).toBe(200);
    expect(api.store.eventSearches.at(-1)).toEqual({ query: 'user.name:*t* event.outcome:failure', from: '2025-03-14T09:26:00Z', to: '2025-03-14T09:27:00Z', size: 2 });
    const page1 = first.json() as { total: number; events: { user: { name: string } }[]; cursor: string };
    expect(page1.total).toBe(3);
    expect(page1.events.map((event) => event.user.name)).toEqual(['postgres', 'ubuntu']);

    const second = await search(new URLSearchParams({ q: 'user.name:*t* event.outcome:failure', from: '2025-03-14T09:26:00Z', to: '2025-03-14T09:27:00Z', size: '2', cursor: page1.cursor }).toString());
    const page2 = second.json() as { total: number; events: { user: { name: string } }[]; cursor: string | null };
    expect(page2.events.map((event) => event.user.name)).toEqual(['test']);
    expect(page2.cursor).toBeNull();
  });

  it('matches everything with an empty query and returns events as stored, provenance included', async () => {
    const response = await search('');
    const body = response.json() as { total: number; events: Record<string, unknown>[] };
    expect(body.total).toBe(7);
    expect(api.store.eventSearches.at(-1)).toEqual({ query: '', size: 50 });
    expect(body.events[0]).toMatchObject({ event: { id: 'edge-dc2:boot-11aa:7:3' }, vigil: { edge: { id: 'edge-dc2' }, signature: { status: 'verified' } } });
  });

  it('turns a query syntax error from the store into a 400 with the store\'s code and message', async () => {
    const response = await search(new URLSearchParams({ q: 'message:"Failed password' }).toString());
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: { code: 'VIGIL_ERR_QUERY_SYNTAX', message: 'unterminated quoted phrase at column 9' } });
  });

  it('validates parameters before asking the store', async () => {
    const before = api.store.eventSearches.length;
    for (const query of ['size=0', 'size=5000', 'size=ten', 'from=yesterday', 'color=red']) {
      const response = await search(query);
      expect(response.statusCode, query).toBe(400);
      expect(response.json().error.code).toBe('VIGIL_ERR_API_BAD_REQUEST');
    }
    expect(api.store.eventSearches.length).toBe(before);
  });

  it('answers a store outage with the store\'s status and Retry-After, and an unexpected failure with a generic 500', async () => {
    api.store.failure = storeErrors.create('VIGIL_ERR_STORE_UNAVAILABLE', { reason: 'database is locked' });
    const unavailable = await search('q=');
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.headers['retry-after']).toBe('5');
    expect(unavailable.json().error.code).toBe('VIGIL_ERR_STORE_UNAVAILABLE');

    api.store.failure = new Error('SQLITE_CORRUPT: /var/lib/vigil/events.db');
    const broken = await search('q=');
    expect(broken.statusCode).toBe(500);
    expect(broken.json().error.code).toBe('VIGIL_ERR_API_INTERNAL');
    expect(broken.body).not.toContain('/var/lib/vigil');
  });
});
