import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PASSWORDS, bearer, createTestApi, type TestApi } from '../testing/harness.ts';

let api: TestApi;

beforeEach(async () => {
  api = await createTestApi({ loginMaxFailures: 3 });
});

afterEach(async () => {
  await api.close();
});

function login(username: string, password: string, remoteAddress = '203.0.113.50') {
  return api.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password }, remoteAddress });
}

describe('login', () => {
  it('answers a token and its expiry for the right password, and the token works as bearer', async () => {
    const response = await login('alice', PASSWORDS.alice);
    expect(response.statusCode).toBe(200);
    const body = response.json() as { token: string; expiresAt: string };
    expect(body.token).toMatch(/^vgs_/);
    const lifetimeMs = Date.parse(body.expiresAt) - Date.now();
    expect(lifetimeMs).toBeGreaterThan(7.9 * 3600_000);
    expect(lifetimeMs).toBeLessThanOrEqual(8 * 3600_000);

    const me = await api.server.app.inject({ url: '/api/v1/auth/me', headers: bearer(body.token) });
    expect(me.json()).toEqual({ kind: 'user', name: 'alice', role: 'analyst' });
  });

  it('gives the same 401 for a wrong password and an unknown user, and counts both', async () => {
    const wrong = await login('alice', 'Analyst-pass-2025');
    const unknown = await login('mallory', 'whatever-password');
    for (const response of [wrong, unknown]) {
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ error: { code: 'VIGIL_ERR_API_LOGIN_FAILED', message: 'invalid username or password' } });
    }
    expect((await api.metrics.render()).body).toContain('vigil_api_login_failures_total 2');
  });

  it('rejects a malformed body with the fields named', async () => {
    const response = await api.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: '', extra: 1 } });
    expect(response.statusCode).toBe(400);
    const { error } = response.json() as { error: { code: string; details: { in: string; path: string }[] } };
    expect(error.code).toBe('VIGIL_ERR_API_BAD_REQUEST');
    expect(error.details.map((detail) => detail.path).sort()).toEqual(['', 'password']);
  });

  it('rate-limits a username from one address after repeated failures, even with the right password', async () => {
    for (let i = 0; i < 3; i++) expect((await login('admin', `guess-${i}-password`)).statusCode).toBe(401);
    const blocked = await login('admin', PASSWORDS.admin);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('VIGIL_ERR_API_LOGIN_RATE_LIMITED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(800);

    expect((await login('admin', PASSWORDS.admin, '198.51.100.7')).statusCode).toBe(200);
    expect((await login('alice', PASSWORDS.alice)).statusCode).toBe(200);
  });
  it('locks an account out everywhere when guesses come from many addresses (api.loginAccountMaxFailures), until the window passes', async () => {
    const spread = await createTestApi({ loginMaxFailures: 100, loginAccountMaxFailures: 4 });
    try {
      const attempt = (password: string, remoteAddress: string) => spread.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password }, remoteAddress });
      for (let i = 0; i < 4; i++) expect((await attempt(`guess-${i}-password`, `198.51.100.${10 + i}`)).statusCode).toBe(401);
      const locked = await attempt(PASSWORDS.alice, '192.0.2.200');
      expect(locked.statusCode).toBe(429);
      expect(locked.json().error.code).toBe('VIGIL_ERR_API_LOGIN_RATE_LIMITED');
      // Other accounts are not affected.
      expect((await spread.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'victor', password: PASSWORDS.victor }, remoteAddress: '198.51.100.10' })).statusCode).toBe(200);
    } finally {
      await spread.close();
    }
  });
});

describe('logout', () => {
  it('invalidates the token at once while other sessions keep working', async () => {
    const first = await api.login('alice');
    const second = await api.login('alice');
    const out = await api.server.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(first) });
    expect(out.statusCode).toBe(204);
    const after = await api.server.app.inject({ url: '/api/v1/alerts', headers: bearer(first) });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('VIGIL_ERR_API_UNAUTHENTICATED');
    expect((await api.server.app.inject({ url: '/api/v1/alerts', headers: bearer(second) })).statusCode).toBe(200);
  });

  it('needs a valid token', async () => {
    const response = await api.server.app.inject({ method: 'POST', url: '/api/v1/auth/logout' });
    expect(response.statusCode).toBe(401);
  });
});

describe('expired sessions', () => {
  it('stop working after sessionTtlMs', async () => {
    const session = await api.auth.createSession('victor', 60_000, new Date(Date.now() - 61_000));
    const response = await api.server.app.inject({ url: '/api/v1/alerts', headers: bearer(session.token) });
    expect(response.statusCode).toBe(401);
  });
});
