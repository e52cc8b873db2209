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

describe('GET /api/v1/events/export', () => {
  it('writes every matching event as NDJSON, or the chosen fields as CSV with formulas defused, as an attachment', async () => {
    const exporter = await createTestApi();
    try {
      await exporter.server.start();
      const base = `http://127.0.0.1:${exporter.server.addresses()[0]!.port}`;
      const headers = bearer(await exporter.login('victor'));
      const ndjson = await fetch(`${base}/api/v1/events/export?q=${encodeURIComponent('source.ip:203.0.113.50')}`, { headers });
      expect(ndjson.status).toBe(200);
      expect(ndjson.headers.get('content-type')).toBe('application/x-ndjson; charset=utf-8');
      expect(ndjson.headers.get('content-disposition')).toBe('attachment; filename="vigil-events.ndjson"');
      expect(ndjson.headers.get('x-content-type-options')).toBe('nosniff');
      const events = (await ndjson.text()).trim().split('\n').map((line) => JSON.parse(line) as { source: { ip: string } });
      expect(events).toHaveLength(5);
      expect(events.every((event) => event.source.ip === '203.0.113.50')).toBe(true);

      const csv = await fetch(`${base}/api/v1/events/export?format=csv&fields=user.name,message&limit=2&q=${encodeURIComponent('source.ip:203.0.113.50')}`, { headers });
      const rows = (await csv.text()).split('\r\n');
      expect(rows[0]).toBe('user.name,message');
      expect(rows).toHaveLength(4); // header, two rows, and the empty string after the last line end
      expect(rows[1]).toMatch(/^\w+,Failed password for invalid user \w+ from 203\.0\.113\.50 port \d+ ssh2$/);

      // A value an attacker chose that a spreadsheet would run is written as text.
      await exporter.store.writeEvents([
        { '@timestamp': '2025-03-14T10:00:00.000Z', message: 'x', event: { id: 'formula-1', kind: 'event' }, user: { name: '=HYPERLINK("http://evil.example/","click")' }, source: { ip: '192.0.2.99' } },
      ]);
      const defused = await fetch(`${base}/api/v1/events/export?format=csv&fields=user.name&q=${encodeURIComponent('source.ip:192.0.2.99')}`, { headers });
      expect((await defused.text()).split('\r\n')[1]).toBe(`"'=HYPERLINK(""http://evil.example/"",""click"")"`);

      const bad = await fetch(`${base}/api/v1/events/export?q=${encodeURIComponent('message:"unterminated')}`, { headers });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('VIGIL_ERR_QUERY_SYNTAX');
      expect((await fetch(`${base}/api/v1/events/export`, { headers: bearer(await exporter.login('ivan')) })).status).toBe(403);
    } finally {
      await exporter.close();
    }
  });
});

describe('GET /api/v1/events/histogram', () => {
  it('counts the events a search finds per equal time bucket, empty buckets included', async () => {
    const histogram = await api.server.app.inject({
      url: `/api/v1/events/histogram?${new URLSearchParams({ q: 'source.ip:203.0.113.50', from: '2025-03-14T09:26:00.000Z', to: '2025-03-14T09:32:00.000Z', buckets: '6' })}`,
      headers: bearer(viewer),
    });
    expect(histogram.statusCode).toBe(200);
    const body = histogram.json() as { intervalMs: number; total: number; buckets: { start: string; count: number }[] };
    expect(body.intervalMs).toBe(60_000);
    expect(body.buckets.map((bucket) => bucket.start.slice(11, 16))).toEqual(['09:26', '09:27', '09:28', '09:29', '09:30', '09:31']);
    expect(body.buckets.map((bucket) => bucket.count)).toEqual([5, 0, 0, 0, 0, 0]);
    expect(body.total).toBe(5);
    const all = (await api.server.app.inject({ url: '/api/v1/events?size=1', headers: bearer(viewer) })).json().total as number;
    const everything = await api.server.app.inject({ url: `/api/v1/events/histogram?${new URLSearchParams({ from: '2025-03-14T00:00:00.000Z', to: '2025-03-15T00:00:00.000Z', buckets: '24' })}`, headers: bearer(viewer) });
    expect(everything.json().buckets).toHaveLength(24);
    expect(everything.json().total).toBe(all);
  });

  it('answers a query that does not parse with the search\'s error', async () => {
    const bad = await api.server.app.inject({ url: `/api/v1/events/histogram?q=${encodeURIComponent('message:"open')}`, headers: bearer(viewer) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VIGIL_ERR_QUERY_SYNTAX');
  });
});
