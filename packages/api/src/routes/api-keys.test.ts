import { describe, expect, it } from 'vitest';
import { bearer, withTestApi, type TestApi } from '../testing/harness.ts';

let api: TestApi;
let adminToken: string;
withTestApi((context) => ({ api, adminToken } = context));

describe('API keys', () => {
  it('an admin creates a key that works as a bearer with its role, lists it without the secret, and revokes it', async () => {
    const created = await api.server.app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: bearer(adminToken),
      payload: { name: 'soar-integration', role: 'viewer' },
    });
    expect(created.statusCode).toBe(201);
    const { id, key } = created.json() as { id: string; key: string };
    expect(key).toMatch(/^vgl_[0-9a-f]{16}_/);

    const alerts = await api.server.app.inject({ url: '/api/v1/alerts', headers: bearer(key) });
    expect(alerts.statusCode).toBe(200);
    expect(alerts.json().total).toBe(2);
    const patch = await api.server.app.inject({ method: 'PATCH', url: '/api/v1/alerts/alert-ssh-bruteforce-203.0.113.50', headers: bearer(key), payload: { status: 'closed', resolution: 'benign_positive' } });
    expect(patch.statusCode).toBe(403);

    const listed = await api.server.app.inject({ url: '/api/v1/api-keys', headers: bearer(adminToken) });
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(key.slice(`vgl_${id}_`.length));
    const entry = (listed.json() as { apiKeys: { id: string }[] }).apiKeys.find((apiKey) => apiKey.id === id);
    expect(entry).toMatchObject({ id, name: 'soar-integration', role: 'viewer', createdBy: 'admin', revoked: false });

    const revoked = await api.server.app.inject({ method: 'DELETE', url: `/api/v1/api-keys/${id}`, headers: bearer(adminToken) });
    expect(revoked.statusCode).toBe(204);
    expect((await api.server.app.inject({ url: '/api/v1/alerts', headers: bearer(key) })).statusCode).toBe(401);
    const after = await api.server.app.inject({ url: '/api/v1/api-keys', headers: bearer(adminToken) });
    expect((after.json() as { apiKeys: { id: string; revoked: boolean }[] }).apiKeys.find((apiKey) => apiKey.id === id)?.revoked).toBe(true);
  });

  it('an admin key can create keys, recorded as created by that key', async () => {
    const admin = await api.auth.createApiKey({ name: 'terraform', role: 'admin', createdBy: 'admin' });
    const created = await api.server.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: bearer(admin.key), payload: { name: 'edge-dc2', role: 'ingest' } });
    expect(created.statusCode).toBe(201);
    expect(await api.auth.verifyIngestKey(created.json().key)).toBe(true);
    const listed = (await api.auth.listApiKeys()).find((apiKey) => apiKey.name === 'edge-dc2');
    expect(listed?.createdBy).toBe('api-key:terraform');
  });

  it('only admins manage keys', async () => {
    const analyst = await api.login('alice');
    for (const request of [
      { method: 'POST' as const, url: '/api/v1/api-keys', payload: { name: 'x', role: 'admin' } },
      { method: 'GET' as const, url: '/api/v1/api-keys' },
      { method: 'DELETE' as const, url: '/api/v1/api-keys/0123456789abcdef' },
    ]) {
      const response = await api.server.app.inject({ ...request, headers: bearer(analyst) });
      expect(response.statusCode, `${request.method} ${request.url}`).toBe(403);
      expect(response.json().error.code).toBe('VIGIL_ERR_API_FORBIDDEN');
    }
  });

  it('rejects unknown roles and ids with clear errors', async () => {
    const badRole = await api.server.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: bearer(adminToken), payload: { name: 'x', role: 'root' } });
    expect(badRole.statusCode).toBe(400);
    expect(badRole.json().error.message).toContain('body.role');
    const unknown = await api.server.app.inject({ method: 'DELETE', url: '/api/v1/api-keys/0123456789abcdef', headers: bearer(adminToken) });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('VIGIL_ERR_API_KEY_NOT_FOUND');
  });
});
