import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { metricValue } from '../test-support.ts';
import { KEYS, basic, call, edgeStarter, fixture } from './test-harness.ts';

const startEdge = edgeStarter();
const NDJSON = { 'content-type': 'application/x-ndjson' };
const filebeatAuth = { authorization: `ApiKey ${Buffer.from(`filebeat:${KEYS.filebeat}`).toString('base64')}` };
const logstashAuth = { authorization: basic(KEYS.logstash, 'logstash_internal') };

function bulk(url: string, body: string | Buffer, headers: Record<string, string> = {}, path = '/_bulk') {
  return call(url, path, { method: 'POST', body, headers: { ...logstashAuth, ...NDJSON, ...headers } });
}

describe('POST /_bulk from shippers', () => {
  it('takes a gzipped Filebeat bulk and answers in the Elasticsearch bulk shape with the ids Vigil gave', async () => {
    const { url, producer } = await startEdge();
    const body = gzipSync(fixture('filebeat-bulk.ndjson'));
    const answer = await bulk(url, body, { ...filebeatAuth, 'content-type': 'application/json', 'content-encoding': 'gzip' });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-elastic-product')).toBe('Elasticsearch');
    expect(answer.body).toMatchObject({ took: expect.any(Number), errors: false });
    const events = producer.events();
    expect(events).toHaveLength(2);
    expect(answer.body.items).toEqual(
      events.map((event) => ({
        create: {
          _index: 'filebeat-8.17.0',
          _id: event.event!.id,
          _version: 1,
          result: 'created',
          _shards: { total: 1, successful: 1, failed: 0 },
          _seq_no: expect.any(Number),
          _primary_term: 1,
          status: 201,
        },
      })),
    );
    expect(events[0]).toMatchObject({
      host: { name: 'web-01' },
      labels: { 'agent.type': 'filebeat', 'log.offset': '18233', 'fields.env': 'prod', _index: 'filebeat-8.17.0' },
      event: { original: expect.stringContaining('Failed password'), created: expect.any(String) },
      vigil: { input: { type: 'http_bulk' } },
    });
    expect(events[1]!.event).toMatchObject({ dataset: 'nginx.access', module: 'nginx' });
  });

  it('takes Logstash, Vector and Fluent Bit bulks as they send them', async () => {
    const { url, producer, metrics } = await startEdge();
    const logstash = await bulk(url, fixture('logstash-bulk.ndjson'), { 'content-type': 'application/json' }, '/_bulk?filter_path=errors,items.*.error,items.*.status');
    expect([logstash.status, logstash.body.errors]).toEqual([200, false]);
    const vector = await bulk(url, fixture('vector-bulk.ndjson'), { authorization: basic(KEYS.filebeat, 'vector') }, '/vector-2025.03.14/_bulk?timeout=60s');
    expect(vector.body.items.map((item: Record<string, { status: number }>) => Object.keys(item)[0])).toEqual(['index', 'index']);
    const fluentBit = await call(url, '/_bulk', { method: 'PUT', body: fixture('fluent-bit-bulk.ndjson'), headers: { ...logstashAuth, ...NDJSON } });
    expect(fluentBit.body.items[0].create).toMatchObject({ _index: 'fluent-bit', status: 201 });
    const events = producer.events();
    expect(events.map((event) => event.labels?._index)).toEqual(['logs-generic-default', 'logs-generic-default', 'vector-2025.03.14', 'vector-2025.03.14', 'fluent-bit']);
    expect(events[1]!.source).toEqual({ ip: '203.0.113.9', port: 51122 });
    expect(events[2]!.host).toEqual({ hostname: 'web-02' });
    expect(events[4]!.message).toContain('login failed');
    expect(await metricValue(metrics, 'vigil_edge_received_total', { source: 'http_bulk' })).toBe(5);
  });

  it('fails single items Elasticsearch-style and takes the rest', async () => {
    const { url, producer, metrics } = await startEdge({ http: { maxEventBytes: 1024 } });
    const lines = [
      '{"create":{"_index":"a"}}',
      '{"message":"first good"}',
      '{"delete":{"_index":"a","_id":"1"}}',
      '{"update":{"_index":"a","_id":"1"}}',
      '{"doc":{"message":"changed"}}',
      '{"index":{"_index":"a"}}',
      '{"message": "unterminated',
      '{"index":{"_index":"a"}}',
      '["an","array"]',
      '{"create":{"_index":"a"}}',
      JSON.stringify({ message: 'x'.repeat(2000) }),
      '{"create":{"_index":"a"}}',
      '{"message":"pollute","fields":{"__proto__":{"polluted":"yes"}}}',
      '{"create":{"_index":"a","_id":"last"}}',
      '{"message":"second good"}',
      '{"create":{"_index":"a"}}',
    ];
    const answer = await bulk(url, `${lines.join('\n')}\n`);
    expect([answer.status, answer.body.errors]).toEqual([200, true]);
    const summary = answer.body.items.map((item: Record<string, { status: number; error?: { type: string; vigil_code: string } }>) => {
      const [action, result] = Object.entries(item)[0]!;
      return [action, result.status, result.error?.type, result.error?.vigil_code];
    });
    expect(summary).toEqual([
      ['create', 201, undefined, undefined],
      ['delete', 400, 'illegal_argument_exception', 'VIGIL_ERR_EDGE_BULK_UNSUPPORTED_ACTION'],
      ['update', 400, 'illegal_argument_exception', 'VIGIL_ERR_EDGE_BULK_UNSUPPORTED_ACTION'],
      ['index', 400, 'document_parsing_exception', 'VIGIL_ERR_EDGE_BULK_BAD_SOURCE'],
      ['index', 400, 'document_parsing_exception', 'VIGIL_ERR_EDGE_BULK_BAD_SOURCE'],
      ['create', 400, 'document_parsing_exception', 'VIGIL_ERR_EDGE_EVENT_TOO_LARGE'],
      ['create', 400, 'document_parsing_exception', 'VIGIL_ERR_EDGE_EVENT_UNSAFE_KEY'],
      ['create', 201, undefined, undefined],
      ['create', 400, 'action_request_validation_exception', 'VIGIL_ERR_EDGE_BULK_MISSING_SOURCE'],
    ]);
    expect(answer.body.items[1].delete).toMatchObject({ _index: 'a', _id: '1' });
    expect(answer.body.items[7].create._id).toBe('last');
    expect(producer.events().map((event) => event.message)).toEqual(['first good', 'second good']);
    expect(producer.events()[1]!.labels).toEqual({ _index: 'a', _id: 'last' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await metricValue(metrics, 'vigil_edge_http_rejected_total', { code: 'VIGIL_ERR_EDGE_BULK_UNSUPPORTED_ACTION' })).toBe(2);
  });

  it('rejects documents over the field and depth limits on their own', async () => {
    const { url, producer } = await startEdge({ http: { elasticsearch: { maxFieldsPerDocument: 10, maxDepth: 3 } } });
    const wide = JSON.stringify(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`f${i}`, 'v'])));
    const body = ['{"create":{}}', wide, '{"create":{}}', '{"a":{"b":{"c":{"d":1}}}}', '{"create":{}}', '{"message":"fits","a":{"b":1}}', ''].join('\n');
    const answer = await bulk(url, body);
    expect(answer.body.items.map((item: { create: { error?: { vigil_code: string } } }) => item.create.error?.vigil_code)).toEqual([
      'VIGIL_ERR_EDGE_EVENT_TOO_MANY_FIELDS',
      'VIGIL_ERR_EDGE_EVENT_TOO_DEEP',
      undefined,
    ]);
    expect(producer.events().map((event) => event.labels)).toEqual([{ 'a.b': '1' }]);
  });

  it('fails the whole request on a malformed action line, naming it, and publishes nothing', async () => {
    const { url, producer } = await startEdge();
    const answer = await bulk(url, '{"create":{}}\n{"message":"a"}\n{"create":{}\n{"message":"b"}\n');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { type: 'illegal_argument_exception', vigil_code: 'VIGIL_ERR_EDGE_BULK_MALFORMED_ACTION', reason: expect.stringContaining('line 3') }, status: 400 });
    const empty = await bulk(url, '\n\n');
    expect([empty.status, empty.body.error.type]).toEqual([400, 'action_request_validation_exception']);
    const media = await bulk(url, '{"create":{}}\n{}\n', { 'content-type': 'application/x-www-form-urlencoded' });
    expect([media.status, media.body.error.vigil_code]).toEqual([415, 'VIGIL_ERR_EDGE_HTTP_UNSUPPORTED_MEDIA_TYPE']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(producer.events()).toHaveLength(0);
  });

  it('answers 413 for a body or line count over the limits, compressed or not', async () => {
    const { url } = await startEdge({ http: { maxBodyBytes: 4096, maxLinesPerRequest: 10 } });
    const big = `{"create":{}}\n${JSON.stringify({ message: 'y'.repeat(8000) })}\n`;
    const plain = await bulk(url, big);
    expect([plain.status, plain.body.error.vigil_code]).toEqual([413, 'VIGIL_ERR_EDGE_HTTP_BODY_TOO_LARGE']);
    const bomb = await bulk(url, gzipSync(big), { 'content-encoding': 'gzip' });
    expect([bomb.status, bomb.body.status]).toEqual([413, 413]);
    const many = await bulk(url, '{"create":{}}\n{"message":"m"}\n'.repeat(6));
    expect([many.status, many.body.error.vigil_code]).toEqual([413, 'VIGIL_ERR_EDGE_HTTP_TOO_MANY_LINES']);
  });
});

describe('_bulk durability and back-pressure', () => {
  it('answers only once the documents are on the bus', async () => {
    const { url, producer } = await startEdge();
    const release = producer.hold();
    let answered = false;
    const pending = bulk(url, fixture('vector-bulk.ndjson')).then((answer) => {
      answered = true;
      return answer;
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(answered).toBe(false);
    release();
    const answer = await pending;
    expect([answer.status, answer.body.errors]).toEqual([200, false]);
    expect(producer.events().map((event) => event.event?.id)).toEqual(answer.body.items.map((item: { index: { _id: string } }) => item.index._id));
  });

  it('answers 503 with Retry-After in Elasticsearch shape while the bus fails, then recovers', async () => {
    const { url, producer } = await startEdge();
    producer.failNext(2);
    const failed = await bulk(url, fixture('fluent-bit-bulk.ndjson'));
    expect(failed.status).toBe(503);
    expect(failed.body).toMatchObject({ error: { type: 'unavailable_shards_exception', vigil_code: 'VIGIL_ERR_EDGE_BUS_UNAVAILABLE' }, status: 503 });
    expect(failed.body.items).toBeUndefined();
    expect(Number(failed.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await producer.waitForEvents(1);
    expect((await bulk(url, fixture('fluent-bit-bulk.ndjson'))).status).toBe(200);
  });

  it('answers 429 es_rejected_execution_exception with Retry-After when the edge is full', async () => {
    const { url, producer } = await startEdge({ maxInFlightEvents: 2 });
    const release = producer.hold();
    const first = bulk(url, fixture('logstash-bulk.ndjson'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const full = await bulk(url, fixture('fluent-bit-bulk.ndjson'));
    expect([full.status, full.body.error.type, full.headers.get('retry-after')]).toEqual([429, 'es_rejected_execution_exception', '1']);
    release();
    expect((await first).status).toBe(200);
  });

  it('rate-limits each key in events, with a 429 shippers retry and a metric by key name', async () => {
    const { url, metrics } = await startEdge({
      http: { rateLimit: { eventsPerSecond: 1, burstEvents: 2, perKey: { 'logstash-core': { eventsPerSecond: 1000, burstEvents: 1000 } } } },
    });
    const first = await bulk(url, fixture('filebeat-bulk.ndjson'), filebeatAuth);
    expect(first.status).toBe(200);
    const limited = await bulk(url, fixture('filebeat-bulk.ndjson'), filebeatAuth);
    expect([limited.status, limited.body.error.type, limited.body.error.vigil_code]).toEqual([429, 'es_rejected_execution_exception', 'VIGIL_ERR_EDGE_HTTP_RATE_LIMITED']);
    expect(Number(limited.headers.get('retry-after'))).toBe(2);
    expect(limited.body.error.reason).toContain('filebeat-dmz');
    expect(limited.body.error.reason).not.toContain(KEYS.filebeat);
    // Another key, with a larger override, is not held back by the first one.
    expect((await bulk(url, fixture('filebeat-bulk.ndjson'))).status).toBe(200);
    expect(await metricValue(metrics, 'vigil_edge_http_rate_limited_total', { key: 'filebeat-dmz' })).toBe(2);
    const rendered = await (await fetch(`${url}/metrics`)).text();
    expect(rendered).not.toContain(KEYS.filebeat);
  });
});
