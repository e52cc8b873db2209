import { createServer } from 'node:http';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteKeyVerifier } from './remote-key-verifier.ts';

describe('remote ingest-key verification', () => {
  const INGEST_KEY = 'vgl_0123456789abcdef_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA';
  const roles: Record<string, string> = { [INGEST_KEY]: 'ingest', vgl_viewer_key: 'viewer' };
  let calls = 0;
  let failing = false;
  const server = createServer((request, response) => {
    calls++;
    if (failing) return void response.writeHead(500).end();
    const key = (request.headers.authorization ?? '').replace('Bearer ', '');
    const role = roles[key];
    if (request.url !== '/api/v1/auth/me' || !role) return void response.writeHead(401).end('{}');
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'api-key', name: role === 'ingest' ? 'filebeat-dmz' : 'k', role }));
  });
  let apiUrl = '';

  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    apiUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => void server.close());

  it('accepts ingest keys with their id and name, refuses others, and caches both answers', async () => {
    let clock = 0;
    const verify = createRemoteKeyVerifier({ apiUrl, validTtlMs: 1_000, invalidTtlMs: 100, requestTimeoutMs: 2_000, now: () => clock });
    calls = 0;
    expect(await verify(INGEST_KEY)).toEqual({ id: '0123456789abcdef', name: 'filebeat-dmz' });
    expect(await verify('vgl_viewer_key')).toBeNull();
    expect(await verify('vgl_unknown')).toBeNull();
    expect(await verify(INGEST_KEY)).toEqual({ id: '0123456789abcdef', name: 'filebeat-dmz' });
    expect(calls).toBe(3);
    clock = 2_000;
    expect(await verify(INGEST_KEY)).toMatchObject({ name: 'filebeat-dmz' });
    expect(calls).toBe(4);
  });

  it('throws a retryable error when the API cannot answer, so the edge says 503', async () => {
    const verify = createRemoteKeyVerifier({ apiUrl, validTtlMs: 1_000, invalidTtlMs: 100, requestTimeoutMs: 2_000 });
    failing = true;
    try {
      await expect(verify(INGEST_KEY)).rejects.toMatchObject({ code: 'VIGIL_ERR_EDGE_KEY_CHECK_UNAVAILABLE', retryable: true });
    } finally {
      failing = false;
    }
  });
});
