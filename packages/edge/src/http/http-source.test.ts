import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { Metrics } from '@vigil/runtime';
import type { EdgeConfigInput } from '../config.ts';
import { createEdge, type Edge } from '../edge.ts';
import { metricValue, testDeps, type MemoryProducer } from '../test-support.ts';
import type { EdgeDeps } from '../edge.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const KEY = 'ingest-key-1';

async function startEdge(config: EdgeConfigInput = {}, overrides: Partial<EdgeDeps> = {}): Promise<{ edge: Edge; producer: MemoryProducer; metrics: Metrics; url: string }> {
  const { deps, producer, metrics, cleanup } = testDeps(overrides);
  const edge = createEdge(
    {
      ...config,
      syslog: { udp: { enabled: false }, tcp: { enabled: false } },
      http: { host: '127.0.0.1', port: 0, ...config.http },
      batch: { flushIntervalMs: 20, retryBaseMs: 200, retryMaxMs: 400, ...config.batch },
    },
    deps,
  );
  await edge.start();
  cleanups.push(cleanup, () => edge.stop());
  return { edge, producer, metrics, url: `http://127.0.0.1:${edge.addresses().http!.port}` };
}

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { error?: { code: string; message: string }; errors?: Array<Record<string, unknown>> };
}

async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${url}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Answer['body'] };
}

const loginFailure = {
  message: 'login failed for bob',
  event: { kind: 'event', category: ['authentication'], action: 'user_login', outcome: 'failure' },
  source: { ip: '198.51.100.23' },
  user: { name: 'bob' },
};

describe('POST /api/v1/events', () => {
  it('accepts one object and publishes it signed, with receipt time and original filled in', async () => {
    const { url, producer } = await startEdge();
    const text = JSON.stringify(loginFailure);
    const before = Date.now();
    const answer = await post(url, text);
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ accepted: 1, rejected: 0, errors: [] });
    const [event] = producer.events();
    expect(event).toMatchObject({ ...loginFailure, event: { ...loginFailure.event, original: text }, vigil: { input: { type: 'http' } } });
    expect(event!['@timestamp']).toBe(event!.event?.created);
    expect(Date.parse(event!.event!.created!)).toBeGreaterThanOrEqual(before - 5);
    expect(event!.event?.id).toMatch(/^[\w-]{20}$/);
  });

  it('accepts the good events of an array and names the unknown field of the bad one', async () => {
    const { url, producer } = await startEdge();
    const events = [
      { ...loginFailure, '@timestamp': '2025-03-14T11:00:00Z' },
      { message: 'typo', source: { ipaddr: '192.0.2.1' } },
      { message: 'fine', event: { original: 'raw text as the source wrote it' } },
    ];
    const answer = await post(url, JSON.stringify(events));
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({ accepted: 2, rejected: 1 });
    expect(answer.body.errors).toEqual([{ index: 1, code: 'VIGIL_ERR_EDGE_EVENT_UNKNOWN_FIELD', path: 'source.ipaddr', message: 'unknown field' }]);
    const published = producer.events();
    expect(published.map((e) => e.message)).toEqual(['login failed for bob', 'fine']);
    expect(published[0]!['@timestamp']).toBe('2025-03-14T11:00:00Z');
    expect(published[0]!.event?.original).toBe(JSON.stringify(events[0]));
    expect(published[1]!.event?.original).toBe('raw text as the source wrote it');
  });

  it('rejects bad types, reserved fields and prototype keys per event', async () => {
    const { url } = await startEdge();
    const body = `[{"source":{"port":"ssh"}},{"event":{"id":"mine"}},{"labels":{"__proto__":{"polluted":"yes"}}},{"message":"ok"}]`;
    const answer = await post(url, body);
    expect(answer.status).toBe(202);
    expect(answer.body.accepted).toBe(1);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({ index: 0, code: 'VIGIL_ERR_EDGE_EVENT_INVALID_FIELD', path: 'source.port' }),
      expect.objectContaining({ index: 1, code: 'VIGIL_ERR_EDGE_EVENT_RESERVED_FIELD', path: 'event.id' }),
      expect.objectContaining({ index: 2, code: 'VIGIL_ERR_EDGE_EVENT_UNSAFE_KEY', path: 'labels.__proto__' }),
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('answers 400 naming the problems when no event is acceptable', async () => {
    const { url, producer } = await startEdge();
    const answer = await post(url, JSON.stringify({ message: 'x', host: { hostname: 'a', os: 'linux' } }));
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('VIGIL_ERR_EDGE_HTTP_NO_VALID_EVENTS');
    expect(answer.body.errors).toEqual([expect.objectContaining({ index: 0, path: 'host.os' })]);
    expect(producer.events()).toHaveLength(0);
  });

  it('accepts gzipped NDJSON, each line its own event and original', async () => {
    const { url, producer } = await startEdge();
    const lines = [JSON.stringify(loginFailure), '', JSON.stringify({ message: 'second', user: { name: 'eve' } })];
    const answer = await post(url, gzipSync(`${lines.join('\r\n')}\n`), { 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' });
    expect(answer.status).toBe(202);
    expect(answer.body).toEqual({ accepted: 2, rejected: 0, errors: [] });
    expect(producer.events().map((e) => e.event?.original)).toEqual([lines[0], lines[2]]);
  });

  it('answers 400 for invalid JSON and for bad NDJSON lines, listing each bad line', async () => {
    const { url, producer } = await startEdge();
    const json = await post(url, '{"message": "unterminated');
    expect(json.status).toBe(400);
    expect(json.body.error?.code).toBe('VIGIL_ERR_EDGE_HTTP_INVALID_JSON');
    const ndjson = await post(url, '{"message":"a"}\n{oops}\n{"message":"c"}\n[1,\n', { 'content-type': 'application/x-ndjson' });
    expect(ndjson.status).toBe(400);
    expect(ndjson.body.error?.code).toBe('VIGIL_ERR_EDGE_HTTP_INVALID_NDJSON');
    expect(ndjson.body.errors?.map((e) => [e.index, e.code])).toEqual([
      [1, 'VIGIL_ERR_EDGE_HTTP_INVALID_NDJSON_LINE'],
      [3, 'VIGIL_ERR_EDGE_HTTP_INVALID_NDJSON_LINE'],
    ]);
    const gzip = await post(url, Buffer.from('not gzip'), { 'content-encoding': 'gzip' });
    expect(gzip.body.error?.code).toBe('VIGIL_ERR_EDGE_HTTP_BAD_GZIP');
    const media = await post(url, 'hello', { 'content-type': 'text/plain' });
    expect([media.status, media.body.error?.code]).toEqual([415, 'VIGIL_ERR_EDGE_HTTP_UNSUPPORTED_MEDIA_TYPE']);
    expect(producer.events()).toHaveLength(0);
  });

  it('answers 413 for a body over the limit, compressed or once decompressed', async () => {
    const { url } = await startEdge({ http: { maxBodyBytes: 2048 } });
    const big = JSON.stringify({ message: 'x'.repeat(4096) });
    const plain = await post(url, big);
    expect([plain.status, plain.body.error?.code]).toEqual([413, 'VIGIL_ERR_EDGE_HTTP_BODY_TOO_LARGE']);
    const bomb = await post(url, gzipSync(big), { 'content-encoding': 'gzip' });
    expect([bomb.status, bomb.body.error?.code]).toEqual([413, 'VIGIL_ERR_EDGE_HTTP_BODY_TOO_LARGE']);
  });

  it('answers 401 without a key or with a bad one, and takes ApiKey as well as Bearer', async () => {
    const { url, metrics } = await startEdge();
    const none = await post(url, '{}', { authorization: '' });
    expect([none.status, none.body.error?.code]).toEqual([401, 'VIGIL_ERR_EDGE_HTTP_UNAUTHORIZED']);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const wrong = await post(url, '{}', { authorization: 'Bearer not-a-key' });
    expect(wrong.status).toBe(401);
    const apiKey = await post(url, '{"message":"hi"}', { authorization: `ApiKey ${KEY}` });
    expect(apiKey.status).toBe(202);
    expect(await metricValue(metrics, 'vigil_edge_http_rejected_total', { code: 'VIGIL_ERR_EDGE_HTTP_UNAUTHORIZED' })).toBe(2);
  });

  it('answers 503 when the key store cannot be asked', async () => {
    const { url } = await startEdge({}, { verifyIngestKey: async () => Promise.reject(new Error('db locked')) });
    const answer = await post(url, '{"message":"hi"}');
    expect([answer.status, answer.body.error?.code]).toEqual([503, 'VIGIL_ERR_EDGE_HTTP_AUTH_UNAVAILABLE']);
  });
});

describe('durability and load', () => {
  it('answers 202 only after the batch holding the events is on the bus', async () => {
    const { url, producer } = await startEdge();
    const release = producer.hold();
    let answered = false;
    const answer = post(url, '{"message":"wait for me"}').then((result) => {
      answered = true;
      return result;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answered).toBe(false);
    expect(producer.events()).toHaveLength(0);
    release();
    expect((await answer).status).toBe(202);
    expect(producer.events().map((e) => e.message)).toEqual(['wait for me']);
  });

  it('answers 503 with Retry-After when the bus rejects, refuses while it fails, and recovers', async () => {
    const { url, producer } = await startEdge();
    producer.failNext(2);
    const failed = await post(url, '{"message":"first"}');
    expect([failed.status, failed.body.error?.code]).toEqual([503, 'VIGIL_ERR_EDGE_BUS_UNAVAILABLE']);
    expect(Number(failed.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const refused = await post(url, '{"message":"second"}');
    expect(refused.status).toBe(503);
    // The first event is still held and delivered once the bus is back (at-least-once).
    await producer.waitForEvents(1);
    const recovered = await post(url, '{"message":"third"}');
    expect(recovered.status).toBe(202);
    expect(producer.events().map((e) => e.message)).toEqual(['first', 'third']);
  });

  it('answers 429 with Retry-After when the edge holds maxInFlightEvents', async () => {
    const { url, producer } = await startEdge({ maxInFlightEvents: 2 });
    const release = producer.hold();
    const first = post(url, '[{"message":"a"},{"message":"b"}]');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const full = await post(url, '{"message":"c"}');
    expect([full.status, full.body.error?.code]).toEqual([429, 'VIGIL_ERR_EDGE_QUEUE_FULL']);
    expect(full.headers.get('retry-after')).toBe('1');
    release();
    expect((await first).status).toBe(202);
    expect((await post(url, '{"message":"c"}')).status).toBe(202);
  });
});

describe('health and metrics', () => {
  it('serves /healthz and Prometheus /metrics without a key, and errors in one shape', async () => {
    const { url } = await startEdge();
    await post(url, '{"message":"counted"}');
    const health = await fetch(`${url}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('vigil_edge_received_total{source="http"} 1');
    expect(metrics).toContain('vigil_edge_batches_published_total 1');
    const missing = await fetch(`${url}/nope`);
    expect([missing.status, ((await missing.json()) as Answer['body']).error?.code]).toEqual([404, 'VIGIL_ERR_EDGE_HTTP_NOT_FOUND']);
  });
});

describe('per-key rate limit and request limits', () => {
  it('answers 429 with Retry-After once a key sends more events than its rate, counting events not requests', async () => {
    const { url, metrics } = await startEdge({ http: { rateLimit: { eventsPerSecond: 2, burstEvents: 3 } } });
    expect((await post(url, '[{"message":"a"},{"message":"b"},{"message":"c"}]')).status).toBe(202);
    const limited = await post(url, '{"message":"d"}');
    expect([limited.status, limited.body.error?.code, limited.headers.get('retry-after')]).toEqual([429, 'VIGIL_ERR_EDGE_HTTP_RATE_LIMITED', '1']);
    // Keys the API does not name are counted under an id derived from a hash, never the key itself.
    const rendered = await (await fetch(`${url}/metrics`)).text();
    expect(rendered).toMatch(/vigil_edge_http_rate_limited_total\{key="sha256:[0-9a-f]{16}"\} 1/);
    expect(rendered).not.toContain(KEY);
    expect(await metricValue(metrics, 'vigil_edge_http_rejected_total', { code: 'VIGIL_ERR_EDGE_HTTP_RATE_LIMITED' })).toBe(1);
  });

  it('answers 413 for more NDJSON lines or array items than maxLinesPerRequest', async () => {
    const { url, producer } = await startEdge({ http: { maxLinesPerRequest: 2 } });
    const array = await post(url, '[{"message":"a"},{"message":"b"},{"message":"c"}]');
    expect([array.status, array.body.error?.code]).toEqual([413, 'VIGIL_ERR_EDGE_HTTP_TOO_MANY_LINES']);
    const ndjson = await post(url, '{"message":"a"}\n{"message":"b"}\n{"message":"c"}\n', { 'content-type': 'application/x-ndjson' });
    expect(ndjson.status).toBe(413);
    expect((await post(url, '{"message":"a"}\n{"message":"b"}\n', { 'content-type': 'application/x-ndjson' })).status).toBe(202);
    expect(producer.events()).toHaveLength(2);
  });

  it('takes the ingest key as a Basic password, whatever the user name', async () => {
    const { url } = await startEdge();
    const answer = await post(url, '{"message":"hi"}', { authorization: `Basic ${Buffer.from(`integrator:${KEY}`).toString('base64')}` });
    expect(answer.status).toBe(202);
  });
});
