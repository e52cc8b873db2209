import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE_EVENTS } from '../contract/event-fixtures.ts';
import type { StorableEvent } from '../store.ts';
import { createOpenSearchStore, type OpenSearchStore } from './opensearch-store.ts';
import { dropPrefix, forward, indicesOf, openSearchUrl, startProxy, testOptions, uniquePrefix, type Intercept } from './test-helpers.ts';

const url = openSearchUrl();

/** A fixture event as an edge stamps it: received (event.created) at `created`. */
function received(id: string, created: string, changes: Partial<StorableEvent> = {}): StorableEvent {
  const event = structuredClone(FIXTURE_EVENTS.find((candidate) => candidate.event.id === id)!);
  return { ...event, ...changes, event: { ...event.event, created } };
}

const REJECTED_BODY = JSON.stringify({
  error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation [coordinating_and_primary_bytes=0, replica_bytes=0, all_bytes=0, coordinating_operation_bytes=5120, max_coordinating_and_primary_bytes=1048576]' },
  status: 429,
});

/** The `_id`s of a bulk request body, in order. */
function bulkIds(body: string): string[] {
  return body
    .split('\n')
    .filter((_, i) => i % 2 === 0)
    .filter((line) => line.length > 0)
    .map((line) => (Object.values(JSON.parse(line) as Record<string, { _id: string }>)[0]!._id));
}

describe('opensearch store: writing events', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function openStore(options: { node?: string; now?: () => Date; overrides?: Parameters<typeof testOptions>[2] } = {}): Promise<{ store: OpenSearchStore; prefix: string }> {
    const prefix = uniquePrefix();
    const store = await createOpenSearchStore(testOptions(options.node ?? url, prefix, options.overrides), options.now ? { now: options.now } : {});
    cleanups.push(async () => {
      await store.close();
      await dropPrefix(url, prefix);
    });
    await store.init();
    return { store, prefix };
  }

  async function proxy(intercept: Intercept): Promise<string> {
    const started = await startProxy(url, intercept);
    cleanups.push(started.close);
    return started.url;
  }

  it('never stores a second copy when a batch is replayed after the next day’s index exists', async () => {
    let now = new Date('2024-05-14T23:59:00Z');
    const { store, prefix } = await openStore({ now: () => now });
    const batch = [
      received('ssh-fail-01', '2024-05-14T23:59:50Z'),
      received('ssh-fail-02', '2024-05-14T23:59:55Z'),
      received('sudo-02', '2024-05-15T00:00:05Z'),
      received('web-03', '2024-05-15T00:00:06Z'),
    ];
    expect(await store.writeEvents(batch)).toEqual({ created: 4, duplicates: 0 });
    expect(await indicesOf(url, prefix)).toEqual([`${prefix}-alerts`, `${prefix}-events-2024.05.14`, `${prefix}-events-2024.05.15`]);

    now = new Date('2024-05-16T06:00:00Z');
    expect((await store.maintain()).created).toEqual([`${prefix}-events-2024.05.16`, `${prefix}-events-2024.05.17`]);
    // The source's clock moved on the replay: the copy still goes where the first one is, by the edge's receipt time.
    const replay = [...batch.map((event) => structuredClone(event)), received('sudo-02', '2024-05-15T00:00:05Z', { '@timestamp': '2024-05-16T05:59:00Z' })];
    expect(await store.writeEvents(replay)).toEqual({ created: 0, duplicates: 5 });
    expect(await store.countEvents()).toBe(4);
    const all = await store.searchEvents({ query: '', size: 100 });
    expect(all.events.map((event) => event.event?.id).sort()).toEqual(['ssh-fail-01', 'ssh-fail-02', 'sudo-02', 'web-03']);
  });

  it('creates the index of a period on its first write, with the cluster’s auto-create turned off', async () => {
    const { store, prefix } = await openStore({ now: () => new Date('2024-05-14T08:00:00Z') });
    const late = received('fw-01', '2023-12-31T23:00:00Z');
    expect(await store.writeEvents([late])).toEqual({ created: 1, duplicates: 0 });
    expect(await indicesOf(url, prefix)).toContain(`${prefix}-events-2023.12.31`);
    expect(await store.getEvents(['fw-01'])).toEqual([late]);
  });

  it('splits a large write into bounded bulk requests run side by side', async () => {
    const bodies: string[] = [];
    const node = await proxy(async ({ path, body }) => {
      if (path.startsWith('/_bulk')) bodies.push(body);
      return null;
    });
    const { store } = await openStore({ node, overrides: { bulk: { maxBulkDocs: 7, concurrency: 3 } } });
    const events = FIXTURE_EVENTS.map((event, i) => ({ ...structuredClone(event), event: { ...event.event, created: `2024-05-14T08:10:${String(i).padStart(2, '0')}Z` } }));
    expect(await store.writeEvents(events)).toEqual({ created: 32, duplicates: 0 });
    expect(bodies.map((body) => bulkIds(body).length)).toEqual([7, 7, 7, 7, 4]);
    expect(await store.countEvents()).toBe(32);
  });

  it('backs off and retries bulk requests OpenSearch rejects with 429', async () => {
    let rejected = 0;
    const node = await proxy(async ({ path }) => {
      if (!path.startsWith('/_bulk') || rejected >= 2) return null;
      rejected++;
      return { status: 429, body: REJECTED_BODY };
    });
    const { store } = await openStore({ node });
    const batch = ['ssh-fail-03', 'ssh-fail-04', 'ssh-fail-05'].map((id) => received(id, '2024-05-14T08:01:10Z'));
    expect(await store.writeEvents(batch)).toEqual({ created: 3, duplicates: 0 });
    expect(rejected).toBe(2);
    expect(await store.countEvents()).toBe(3);
  });

  it('retries only the items a bulk response rejected with 429', async () => {
    const bodies: string[] = [];
    const node = await proxy(async ({ method, path, body }) => {
      if (!path.startsWith('/_bulk')) return null;
      bodies.push(body);
      if (bodies.length > 1) return null;
      // The first request: the node takes the second half and rejects the first half item by item.
      const lines = body.split('\n').filter((line) => line.length > 0);
      const half = lines.length / 4;
      const accepted = await forward(url, method, path, `${lines.slice(half * 2).join('\n')}\n`, 'application/x-ndjson');
      const items = (JSON.parse(accepted.body) as { items: unknown[] }).items;
      const rejectedItems = bulkIds(body)
        .slice(0, half)
        .map((id) => ({ create: { _index: 'x', _id: id, status: 429, error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of primary operation' } } }));
      return { status: 200, body: JSON.stringify({ took: 3, errors: true, items: [...rejectedItems, ...items] }) };
    });
    const { store } = await openStore({ node });
    const batch = ['web-01', 'web-02', 'web-03', 'web-04'].map((id) => received(id, '2024-05-14T08:06:30Z'));
    expect(await store.writeEvents(batch)).toEqual({ created: 4, duplicates: 0 });
    expect(bodies.map(bulkIds)).toEqual([
      ['web-01', 'web-02', 'web-03', 'web-04'],
      ['web-01', 'web-02'],
    ]);
    expect((await store.getEvents(['web-01', 'web-04'])).map((event) => event.event?.id)).toEqual(['web-01', 'web-04']);
  });

  it('gives up with a retryable error, writing nothing twice, while OpenSearch keeps rejecting', async () => {
    const node = await proxy(async ({ path }) => (path.startsWith('/_bulk') ? { status: 429, body: REJECTED_BODY } : null));
    const { store } = await openStore({ node, overrides: { retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 } } });
    await expect(store.writeEvents([received('fw-02', '2024-05-14T08:08:01Z')])).rejects.toMatchObject({
      code: 'VIGIL_ERR_STORE_OVERLOADED',
      retryable: true,
      message: expect.stringContaining('es_rejected_execution_exception'),
    });
    expect(await store.countEvents()).toBe(0);
  });

  it('names the events OpenSearch cannot map in a permanent error, and stores the rest', async () => {
    const { store } = await openStore();
    const badPort = received('fw-03', '2024-05-14T08:08:02Z', { source: { ip: '198.51.100.23', port: 'rdp' as unknown as number } });
    const badIp = received('fw-04', '2024-05-14T08:08:03Z', { related: { ip: ['203.0.113.7', 'fw-edge-01'] } });
    const batch = [received('fw-01', '2024-05-14T08:08:00Z'), badPort, received('fw-02', '2024-05-14T08:08:01Z'), badIp];
    const failure = await store.writeEvents(batch).then(
      () => null,
      (error: unknown) => error as { code: string; retryable: boolean; message: string; params: Record<string, unknown> },
    );
    expect(failure).toMatchObject({ code: 'VIGIL_ERR_STORE_DOCUMENT_REJECTED', retryable: false, status: 422 });
    expect(failure!.message).toMatch(/^OpenSearch refused 2 of 4 events, which were not stored: fw-03 \(400 mapper_parsing_exception: .*source\.port.*\); fw-04 \(400 mapper_parsing_exception: .*related\.ip/);
    expect(failure!.params).toMatchObject({ ids: ['fw-03', 'fw-04'], created: 2, duplicates: 0 });
    expect(await store.countEvents()).toBe(2);
    // The indexer sends the batch to the DLQ; a redelivery meanwhile changes nothing and fails the same way.
    await expect(store.writeEvents(batch)).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_DOCUMENT_REJECTED', params: { ids: ['fw-03', 'fw-04'], duplicates: 2 } });
    expect(await store.countEvents()).toBe(2);
  });

  it('fails with a retryable error when OpenSearch goes away, and works again when it is back', async () => {
    let down = false;
    const node = await proxy(async () => (down ? { status: 503, body: JSON.stringify({ error: { type: 'unavailable', reason: 'node is restarting' }, status: 503 }) } : null));
    const { store } = await openStore({ node, overrides: { retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 } } });
    const event = received('ssh-ok-01', '2024-05-14T08:02:01Z');
    down = true;
    await expect(store.writeEvents([event])).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_UNAVAILABLE', retryable: true, message: expect.stringContaining('503') });
    await expect(store.searchEvents({ query: 'accepted', size: 10 })).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_UNAVAILABLE', retryable: true });
    down = false;
    expect(await store.writeEvents([event])).toEqual({ created: 1, duplicates: 0 });
  });
});
