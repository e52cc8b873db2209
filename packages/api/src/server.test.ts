import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from './auth/roles.ts';
import { captureLogger } from './testing/capture-logger.ts';
import { PASSWORDS, bearer, createTestApi, type TestApi } from './testing/harness.ts';

let api: TestApi;
const keys = {} as Record<Role, string>;
/** A built web app as Vite lays it out: index.html, hashed assets, files from public/. */
const webApp = mkdtempSync(join(tmpdir(), 'vigil-web-'));
const SCRIPT = '/assets/index-Bx7Q2a9z.js';

beforeAll(async () => {
  mkdirSync(join(webApp, 'assets'));
  writeFileSync(join(webApp, 'index.html'), `<!doctype html><html><head><script type="module" crossorigin src="${SCRIPT}"></script><link rel="stylesheet" href="/assets/index-C1.css"></head><body><div id="root"></div></body></html>`);
  writeFileSync(join(webApp, SCRIPT), 'console.log("vigil")');
  writeFileSync(join(webApp, 'assets/index-C1.css'), 'body{margin:0}');
  writeFileSync(join(webApp, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  api = await createTestApi({}, undefined, undefined, { dashboardDir: webApp });
  for (const role of ['admin', 'analyst', 'viewer', 'ingest'] as const) {
    keys[role] = (await api.auth.createApiKey({ name: `${role}-key`, role, createdBy: 'admin' })).key;
  }
});

afterAll(async () => {
  await api.close();
  rmSync(webApp, { recursive: true, force: true });
});

function concreteUrl(url: string): string {
  return url.replace(':id', url.includes('alerts') ? 'alert-ssh-bruteforce-203.0.113.50' : '0123456789abcdef');
}

describe('roles', () => {
  it('every protected route answers 401 without a token, 403 to roles it does not allow, and serves the roles it allows', async () => {
    const protectedRoutes = api.server.routes.filter((route) => route.spec.access !== 'public');
    expect(protectedRoutes.length).toBeGreaterThanOrEqual(8);
    for (const { spec } of protectedRoutes) {
      if (spec.access === 'public') continue;
      const request = { method: spec.method, url: concreteUrl(spec.url) };
      const anonymous = await api.server.app.inject(request);
      expect(anonymous.statusCode, `${spec.method} ${spec.url} without token`).toBe(401);
      const garbage = await api.server.app.inject({ ...request, headers: bearer('vgl_0123456789abcdef_forged') });
      expect(garbage.statusCode, `${spec.method} ${spec.url} with forged key`).toBe(401);
      for (const role of ['admin', 'analyst', 'viewer', 'ingest'] as const) {
        // The live stream stays open for roles it serves (routes/live.test.ts reads it over a socket).
        if (spec.operationId === 'streamAlerts' && spec.access.includes(role)) continue;
        // Logout with an API key ends nothing, so it is safe to call here.
        const response = await api.server.app.inject({ ...request, headers: bearer(keys[role]) });
        const label = `${spec.method} ${spec.url} as ${role}`;
        if (spec.access.includes(role)) expect([401, 403], label).not.toContain(response.statusCode);
        else expect(response.statusCode, label).toBe(403);
      }
    }
  });

  it('the ingest role reads nothing: no events, alerts or keys', async () => {
    for (const url of ['/api/v1/events', '/api/v1/alerts', '/api/v1/alerts/alert-ssh-bruteforce-203.0.113.50', '/api/v1/api-keys']) {
      const response = await api.server.app.inject({ url, headers: bearer(keys.ingest) });
      expect(response.statusCode, url).toBe(403);
      expect(response.body).not.toContain('203.0.113.50');
    }
  });

  it('accepts the bearer scheme in any case but nothing else in the header', async () => {
    expect((await api.server.app.inject({ url: '/api/v1/alerts', headers: { authorization: `bearer ${keys.viewer}` } })).statusCode).toBe(200);
    expect((await api.server.app.inject({ url: '/api/v1/alerts', headers: { authorization: keys.viewer } })).statusCode).toBe(401);
    expect((await api.server.app.inject({ url: '/api/v1/alerts', headers: { authorization: `Basic ${keys.viewer}` } })).statusCode).toBe(401);
  });
});

describe('security headers', () => {
  it('are on API answers, errors, not-found answers and dashboard files', async () => {
    const responses = [
      await api.server.app.inject({ url: '/api/v1/alerts', headers: bearer(keys.viewer) }),
      await api.server.app.inject({ url: '/api/v1/alerts' }),
      await api.server.app.inject({ url: '/no/such/page' }),
      await api.server.app.inject({ url: '/' }),
      await api.server.app.inject({ url: '/healthz' }),
    ];
    for (const response of responses) {
      expect(response.headers['content-security-policy']).toMatch(/^default-src 'self'/);
      expect(response.headers['content-security-policy']).not.toContain('unsafe');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
      expect(response.headers['x-frame-options']).toBe('DENY');
    }
    expect(responses[0]!.headers['cache-control']).toBe('no-store');
  });
});

describe('web app files', () => {
  it('serves index.html at / and the built files with their content types; hashed assets may be cached for good', async () => {
    const index = await api.server.app.inject({ url: '/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.body).toContain(`src="${SCRIPT}"`);
    const script = await api.server.app.inject({ url: SCRIPT });
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(script.body).toBe('console.log("vigil")');
    expect((await api.server.app.inject({ url: '/assets/index-C1.css' })).headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await api.server.app.inject({ url: '/favicon.svg' })).headers['content-type']).toBe('image/svg+xml');
    expect([...api.server.webAppFiles].sort()).toEqual(['/', '/assets/index-C1.css', SCRIPT, '/favicon.svg', '/index.html'].sort());
  });

  it('serves nothing outside the web app\'s directory', async () => {
    for (const url of ['/../package.json', '/%2e%2e/package.json', '/src/server.ts', '/assets/../../package.json', `${SCRIPT}/../../package.json`]) {
      const response = await api.server.app.inject({ url });
      expect(response.statusCode, url).toBe(404);
      expect(response.body).not.toContain('"@vigil/api"');
    }
  });

  it('says how to build the app when it is not built, and the API still works', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'vigil-web-none-'));
    const captured = captureLogger();
    const bare = await createTestApi({}, captured.logger, undefined, { dashboardDir: empty });
    try {
      const page = await bare.server.app.inject({ url: '/' });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('The web app is not built');
      expect(page.body).toContain('pnpm --filter @vigil/web build');
      expect(page.body).not.toMatch(/<script|<style|\sstyle=/);
      expect(captured.lines.some((line) => line.includes('the web app is not built'))).toBe(true);
      expect((await bare.server.app.inject({ url: '/api/v1/alerts', headers: bearer(await bare.login('victor')) })).statusCode).toBe(200);
    } finally {
      await bare.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('health and metrics', () => {
  it('/healthz is 200 when ready and 503 with details when not, without authentication', async () => {
    expect((await api.server.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    api.health.ready = false;
    api.health.details = { store: 'connecting' };
    const down = await api.server.app.inject({ url: '/healthz' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toEqual({ status: 'unavailable', details: { store: 'connecting' } });
    api.health.ready = true;
    delete api.health.details;
  });

  it('/metrics counts requests by route template and status in Prometheus text', async () => {
    await api.server.app.inject({ url: '/api/v1/alerts/alert-ssh-bruteforce-203.0.113.50', headers: bearer(keys.viewer) });
    await api.server.app.inject({ url: '/api/v1/alerts/unknown-alert', headers: bearer(keys.viewer) });
    await api.server.app.inject({ url: '/definitely/not/here' });
    const metrics = await api.server.app.inject({ url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.headers['content-type']).toContain('text/plain');
    expect(metrics.body).toMatch(/vigil_api_requests_total\{route="\/api\/v1\/alerts\/:id",status="200"\} [1-9]/);
    expect(metrics.body).toMatch(/vigil_api_requests_total\{route="\/api\/v1\/alerts\/:id",status="404"\} [1-9]/);
    expect(metrics.body).toMatch(/vigil_api_requests_total\{route="unmatched",status="404"\} [1-9]/);
    expect(metrics.body).toContain('vigil_api_login_failures_total');
  });
});

describe('bad requests', () => {
  it('answer with the one error body and a code for unknown routes, bad JSON, poisoned JSON, big bodies and wrong content types', async () => {
    const notFound = await api.server.app.inject({ url: '/api/v1/no-such-route' });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.json()).toEqual({ error: { code: 'VIGIL_ERR_API_NOT_FOUND', message: 'no route GET /api/v1/no-such-route' } });

    const login = { method: 'POST' as const, url: '/api/v1/auth/login' };
    const badJson = await api.server.app.inject({ ...login, headers: { 'content-type': 'application/json' }, payload: '{"username":' });
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().error.code).toBe('VIGIL_ERR_API_BAD_REQUEST');

    const poisoned = await api.server.app.inject({ ...login, headers: { 'content-type': 'application/json' }, payload: '{"username":"admin","password":"x","__proto__":{"role":"admin"}}' });
    expect(poisoned.statusCode).toBe(400);
    expect(({} as Record<string, unknown>).role).toBeUndefined();

    const big = await api.server.app.inject({ ...login, payload: { username: 'admin', password: 'x'.repeat(2 * 1024 * 1024) } });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toEqual({ code: 'VIGIL_ERR_API_BODY_TOO_LARGE', message: 'request body is larger than 1048576 bytes' });

    const form = await api.server.app.inject({ ...login, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'username=admin&password=x' });
    expect(form.statusCode).toBe(415);
    expect(form.json().error.code).toBe('VIGIL_ERR_API_UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('as a component', () => {
  it('listens on a real socket after start and stops cleanly', async () => {
    const other = await createTestApi();
    try {
      await other.server.start();
      const [address] = other.server.addresses();
      expect(address?.port).toBeGreaterThan(0);
      const response = await fetch(`http://127.0.0.1:${address!.port}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'victor', password: 'viewer-pass-2025' }),
      });
      expect(response.status).toBe(200);
      const { token } = (await response.json()) as { token: string };
      const alerts = await fetch(`http://127.0.0.1:${address!.port}/api/v1/alerts`, { headers: bearer(token) });
      expect(((await alerts.json()) as { total: number }).total).toBe(2);
    } finally {
      await other.close();
    }
  });

  it('refuses a bad configuration with a message naming the key', async () => {
    await expect(createTestApi({ port: 70_000 })).rejects.toThrow(/port/);
    await expect(createTestApi({ sessionTtl: 5 } as never)).rejects.toThrow(/sessionTtl/);
  });
});

describe('logging', () => {
  it('logs an internal failure once with its code, and never a password, token or key', async () => {
    const { logger, lines } = captureLogger();
    const logged = await createTestApi({}, logger);
    try {
      const app = logged.server.app;
      const key = await logged.auth.createApiKey({ name: 'soar', role: 'viewer', createdBy: 'admin' });
      await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: 'not-alices-password' } });
      const token = await logged.login('alice');
      logged.store.failure = new Error('disk I/O error');
      for (let i = 0; i < 3; i++) {
        expect((await app.inject({ url: '/api/v1/events?q=user.name:alice', headers: bearer(token) })).statusCode).toBe(500);
        expect((await app.inject({ url: '/api/v1/alerts', headers: bearer(key.key) })).statusCode).toBe(500);
      }
      const failures = lines.filter((line) => line.includes('VIGIL_ERR_API_INTERNAL'));
      expect(failures).toHaveLength(1);
      expect(failures[0]).toContain('disk I/O error');
      const all = lines.join('\n');
      for (const secret of [PASSWORDS.alice, 'not-alices-password', token, key.key, key.key.slice(`vgl_${key.id}_`.length)]) expect(all).not.toContain(secret);
    } finally {
      await logged.close();
    }
  });
});
