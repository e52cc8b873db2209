import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaxiiClient, type TaxiiClientOptions } from './taxii-client.ts';
import { TaxiiFeed } from './taxii-feed.ts';

const COLLECTION = '91a7b528-80eb-42ed-a74d-c6fbd5a26116';
const NOW = Date.parse('2026-03-01T00:00:00Z');

interface Stored {
  readonly dateAdded: string;
  readonly object: Record<string, unknown>;
}

function indicator(n: number, pattern: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: `indicator--00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    created: '2026-02-01T00:00:00.000Z',
    modified: '2026-02-01T00:00:00.000Z',
    pattern,
    pattern_type: 'stix',
    valid_from: '2026-02-01T00:00:00Z',
    confidence: 80,
    ...extra,
  };
}

/**
 * A TAXII 2.1 server for one collection: filters on added_after, pages by `limit` (default 2)
 * with an opaque `next` token, or, in `noNext` mode, only says `more` and leaves paging to
 * X-TAXII-Date-Added-Last.
 */
class TaxiiServer {
  readonly objects: Stored[] = [];
  readonly requests: { url: URL; headers: IncomingHttpHeaders }[] = [];
  noNext = false;
  status = 200;
  readonly #server: Server;

  constructor() {
    this.#server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://taxii.test');
      this.requests.push({ url, headers: request.headers });
      if (request.headers.authorization !== 'Bearer s3cret' || this.status === 401) return void response.writeHead(401).end('{"title": "Unauthorized"}');
      if (!String(request.headers.accept).includes('application/taxii+json')) return void response.writeHead(406).end();
      if (url.pathname !== `/taxii2/api1/collections/${COLLECTION}/objects/`) return void response.writeHead(404).end();
      const addedAfter = url.searchParams.get('added_after');
      const matching = this.objects.filter((stored) => addedAfter === null || Date.parse(stored.dateAdded) > Date.parse(addedAfter));
      const limit = Number(url.searchParams.get('limit') ?? 2);
      const offset = this.noNext ? 0 : Number(url.searchParams.get('next') ?? 0);
      const page = matching.slice(offset, offset + limit);
      const more = offset + limit < matching.length;
      const headers: Record<string, string> = { 'content-type': 'application/taxii+json;version=2.1' };
      if (page.length > 0) {
        headers['x-taxii-date-added-first'] = page[0]!.dateAdded;
        headers['x-taxii-date-added-last'] = page.at(-1)!.dateAdded;
      }
      const envelope = { more, ...(more && !this.noNext && { next: String(offset + limit) }), ...(page.length > 0 && { objects: page.map((stored) => stored.object) }) };
      response.writeHead(200, headers).end(JSON.stringify(envelope));
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/taxii2/api1/`;
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

describe('TAXII 2.1 client', () => {
  let server: TaxiiServer;
  let options: TaxiiClientOptions;

  beforeEach(async () => {
    server = new TaxiiServer();
    const apiRoot = await server.listen();
    options = { apiRoot, collectionId: COLLECTION, auth: { token: 's3cret' }, maxPages: 100, timeoutMs: 5_000, maxBytes: 1_000_000 };
    server.objects.push(
      { dateAdded: '2026-02-20T10:00:00.000Z', object: indicator(1, "[ipv4-addr:value = '198.51.100.1']") },
      { dateAdded: '2026-02-20T10:00:01.000Z', object: indicator(2, "[ipv4-addr:value = '198.51.100.2']") },
      { dateAdded: '2026-02-20T10:00:02.000Z', object: indicator(3, "[domain-name:value = 'c2.bad.example']") },
      { dateAdded: '2026-02-20T10:00:03.500Z', object: indicator(4, "[url:value = 'http://c2.bad.example/gate.php']") },
      { dateAdded: '2026-02-20T10:00:04.000Z', object: indicator(5, "[file:hashes.'SHA-256' = 'cbc73fb5fa93a7ee9ff06b3cfeb4dc673fde3df9089b8e46277a45ce62688392']") },
    );
  });

  afterEach(async () => {
    await server.close();
  });

  it('pages through a collection with more/next, with the TAXII media type and credentials', async () => {
    const poll = await new TaxiiClient(options).poll();
    expect(poll.objects.map((object) => (object as { id: string }).id.slice(-1))).toEqual(['1', '2', '3', '4', '5']);
    expect(poll).toMatchObject({ pages: 3, addedAfter: '2026-02-20T10:00:04.000Z', truncated: false });
    expect(server.requests.map((request) => request.url.search)).toEqual(['', '?next=2', '?next=4']);
    expect(server.requests[0]!.headers.accept).toBe('application/taxii+json;version=2.1');
  });

  it('asks only for objects added after the last poll, keeping added_after while following next', async () => {
    const client = new TaxiiClient({ ...options, pageLimit: 1 });
    const first = await client.poll('2026-02-20T10:00:02.000Z');
    expect(first.objects).toHaveLength(2);
    server.objects.push({ dateAdded: '2026-02-21T08:00:00.000Z', object: indicator(6, "[ipv4-addr:value = '198.51.100.6']") });
    const second = await client.poll(first.addedAfter);
    expect(second.objects.map((object) => (object as { id: string }).id.slice(-1))).toEqual(['6']);
    expect(second.addedAfter).toBe('2026-02-21T08:00:00.000Z');
    expect(server.requests.map((request) => Object.fromEntries(request.url.searchParams))).toEqual([
      { added_after: '2026-02-20T10:00:02.000Z', limit: '1' },
      { added_after: '2026-02-20T10:00:02.000Z', limit: '1', next: '1' },
      { added_after: '2026-02-20T10:00:04.000Z', limit: '1' },
    ]);
  });

  it('keeps its starting point when nothing new was added', async () => {
    const poll = await new TaxiiClient(options).poll('2026-02-28T00:00:00.000Z');
    expect(poll).toEqual({ objects: [], pages: 1, addedAfter: '2026-02-28T00:00:00.000Z', truncated: false });
  });

  it('pages by X-TAXII-Date-Added-Last when the server says more without next', async () => {
    server.noNext = true;
    const poll = await new TaxiiClient(options).poll();
    expect(poll.objects).toHaveLength(5);
    expect(server.requests.map((request) => request.url.searchParams.get('added_after'))).toEqual([null, '2026-02-20T10:00:01.000Z', '2026-02-20T10:00:03.500Z']);
  });

  it('stops at maxPages and says so, so the next poll continues from there', async () => {
    const poll = await new TaxiiClient({ ...options, maxPages: 2 }).poll();
    expect(poll).toMatchObject({ pages: 2, truncated: true, addedAfter: '2026-02-20T10:00:03.500Z' });
  });

  it('fails with the status when the server refuses', async () => {
    await expect(new TaxiiClient({ ...options, auth: { username: 'vigil', password: 'wrong' } }).poll()).rejects.toMatchObject({
      code: 'VIGIL_ERR_INTEL_FEED_UNREADABLE',
      message: expect.stringMatching(/collections\/91a7b528-80eb-42ed-a74d-c6fbd5a26116\/objects\/ is unreadable: HTTP 401 Unauthorized$/),
    });
    expect(server.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('vigil:wrong').toString('base64')}`);
  });

  it('as a feed, keeps earlier polls, replaces newer versions and drops revoked ones', async () => {
    const feed = new TaxiiFeed(new TaxiiClient(options));
    const stix = { source: 'partner-taxii', defaultConfidence: 50, nowMs: NOW };
    const first = await feed.refresh(stix);
    expect(first.indicators.map((found) => found.value)).toEqual([
      '198.51.100.1',
      '198.51.100.2',
      'c2.bad.example',
      'http://c2.bad.example/gate.php',
      'cbc73fb5fa93a7ee9ff06b3cfeb4dc673fde3df9089b8e46277a45ce62688392',
    ]);
    server.objects.push(
      { dateAdded: '2026-02-22T00:00:00.000Z', object: indicator(1, "[ipv4-addr:value = '198.51.100.1']", { modified: '2026-02-22T00:00:00.000Z', revoked: true }) },
      { dateAdded: '2026-02-22T00:00:01.000Z', object: indicator(3, "[domain-name:value = 'c2-new.bad.example']", { modified: '2026-02-22T00:00:01.000Z' }) },
      { dateAdded: '2026-02-22T00:00:02.000Z', object: indicator(2, "[ipv4-addr:value = '198.51.100.99']", { modified: '2026-01-01T00:00:00.000Z' }) },
      { dateAdded: '2026-02-22T00:00:03.000Z', object: indicator(7, "[ipv4-addr:value = '198.51.100.7']", { valid_until: '2026-02-25T00:00:00Z' }) },
    );
    const second = await feed.refresh(stix);
    expect(second.load).toMatchObject({ entries: 4, revoked: 1, expired: 1 });
    expect(second.indicators.map((found) => found.value)).toEqual([
      '198.51.100.2',
      'c2-new.bad.example',
      'http://c2.bad.example/gate.php',
      'cbc73fb5fa93a7ee9ff06b3cfeb4dc673fde3df9089b8e46277a45ce62688392',
    ]);
    expect(feed.addedAfter).toBe('2026-02-22T00:00:03.000Z');
  });
});
