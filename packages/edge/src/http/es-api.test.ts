import { describe, expect, it } from 'vitest';
import { metricValue } from '../test-support.ts';
import { KEYS, basic, call, edgeStarter } from './test-harness.ts';

const startEdge = edgeStarter();
const auth = { authorization: basic(KEYS.logstash) };

describe('what shippers call before sending', () => {
  it('answers GET / and HEAD / like Elasticsearch 8, with the product header clients check', async () => {
    const { url } = await startEdge();
    const info = await call(url, '/', { headers: auth });
    expect(info.status).toBe(200);
    expect(info.headers.get('x-elastic-product')).toBe('Elasticsearch');
    expect(info.body).toMatchObject({
      name: expect.any(String),
      cluster_name: 'vigil',
      cluster_uuid: expect.stringMatching(/^[\w-]{22}$/),
      version: { number: '8.17.0', build_flavor: 'default', minimum_wire_compatibility_version: expect.any(String) },
      tagline: 'You Know, for Search',
    });
    const head = await call(url, '/', { method: 'HEAD', headers: auth });
    expect([head.status, head.text, head.headers.get('x-elastic-product')]).toEqual([200, '', 'Elasticsearch']);
  });

  it('reports the configured version', async () => {
    const { url } = await startEdge({ http: { elasticsearch: { version: '8.11.4' } } });
    expect((await call(url, '/', { headers: auth })).body.version.number).toBe('8.11.4');
  });

  it('answers license, x-pack, health and nodes as a one-node basic cluster', async () => {
    const { url } = await startEdge();
    const license = await call(url, '/_license?human=false', { headers: auth });
    expect(license.body.license).toMatchObject({ status: 'active', type: 'basic', mode: 'basic' });
    const xpack = await call(url, '/_xpack', { headers: auth });
    expect(xpack.body.features.ilm).toEqual({ available: true, enabled: true });
    const health = await call(url, '/_cluster/health', { headers: auth });
    expect([health.status, health.body.status, health.body.number_of_nodes]).toEqual([200, 'green', 1]);
    const nodes = await call(url, '/_nodes/http', { headers: auth });
    const [node] = Object.values(nodes.body.nodes as Record<string, { http: { publish_address: string } }>);
    expect(node!.http.publish_address).toBe(url.replace('http://', ''));
  });

  it('acknowledges templates, ILM policies, pipelines and indices so a default shipper setup passes', async () => {
    const { url } = await startEdge();
    const put = (path: string) => call(url, path, { method: 'PUT', headers: { ...auth, 'content-type': 'application/json' }, body: '{"index_patterns":["x-*"]}' });
    expect((await call(url, '/_index_template/filebeat-8.17.0', { headers: auth })).body.index_templates[0].name).toBe('filebeat-8.17.0');
    expect((await call(url, '/_index_template/logstash', { method: 'HEAD', headers: auth })).status).toBe(200);
    expect((await put('/_index_template/logstash')).body).toEqual({ acknowledged: true });
    expect((await call(url, '/_ilm/policy/filebeat', { headers: auth })).body.filebeat.policy.phases).toBeDefined();
    expect((await put('/_ilm/policy/logstash-policy')).body).toEqual({ acknowledged: true });
    expect((await call(url, '/_ingest/pipeline/filebeat-8.17.0-system-auth-pipeline', { headers: auth })).status).toBe(200);
    expect((await call(url, '/logstash', { method: 'HEAD', headers: auth })).status).toBe(200);
    expect((await put('/%3Clogstash-%7Bnow%2Fd%7D-000001%3E')).body).toMatchObject({ acknowledged: true, index: '<logstash-{now/d}-000001>' });
    const unsafe = await call(url, '/_ilm/policy/__proto__', { headers: auth });
    expect([unsafe.status, unsafe.body.error.vigil_code]).toEqual([400, 'VIGIL_ERR_EDGE_HTTP_BAD_PARAMETER']);
  });

  it('needs an ingest key in any Elasticsearch form and answers 401 in Elasticsearch shape', async () => {
    const { url, metrics } = await startEdge();
    const none = await call(url, '/');
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ error: { type: 'security_exception', root_cause: [{ type: 'security_exception' }] }, status: 401 });
    expect(none.headers.get('www-authenticate')).toContain('Basic realm="vigil"');
    expect(none.headers.get('www-authenticate')).toContain('ApiKey');
    expect((await call(url, '/', { headers: { authorization: basic('not-a-key') } })).status).toBe(401);
    const apiKey = Buffer.from(`filebeat:${KEYS.filebeat}`).toString('base64');
    expect((await call(url, '/', { headers: { authorization: `ApiKey ${apiKey}` } })).status).toBe(200);
    expect((await call(url, '/', { headers: { authorization: `ApiKey ${KEYS.filebeat}` } })).status).toBe(200);
    expect((await call(url, '/', { headers: { authorization: `Bearer ${KEYS.filebeat}` } })).status).toBe(200);
    expect(await metricValue(metrics, 'vigil_edge_http_rejected_total', { code: 'VIGIL_ERR_EDGE_HTTP_UNAUTHORIZED' })).toBe(2);
  });

  it('answers 503 with Retry-After when the key store cannot be asked', async () => {
    const { url } = await startEdge({}, { verifyIngestKey: async () => Promise.reject(new Error('api down')) });
    const answer = await call(url, '/_bulk', { method: 'POST', headers: auth, body: '{"create":{}}\n{"message":"x"}\n' });
    expect([answer.status, answer.headers.get('retry-after'), answer.body.error.vigil_code]).toEqual([503, '1', 'VIGIL_ERR_EDGE_HTTP_AUTH_UNAVAILABLE']);
  });

  it('can be turned off', async () => {
    const { url } = await startEdge({ http: { elasticsearch: { enabled: false } } });
    expect((await call(url, '/', { headers: auth })).status).toBe(404);
    expect((await call(url, '/_bulk', { method: 'POST', headers: auth, body: '{"create":{}}\n{}\n' })).status).toBe(404);
    expect((await call(url, '/healthz')).status).toBe(200);
  });
});
