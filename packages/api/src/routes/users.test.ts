import { describe, expect, it } from 'vitest';
import { PASSWORDS, bearer, withTestApi, type TestApi } from '../testing/harness.ts';

let api: TestApi;
let adminToken: string;
withTestApi((context) => ({ api, adminToken } = context));

function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: Record<string, unknown>, token = adminToken) {
  return api.server.app.inject({ method, url, headers: bearer(token), ...(payload && { payload }) });
}

async function loginAs(username: string, password: string) {
  return api.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
}

describe('users', () => {
  it('an admin lists users (without password hashes), creates one who can sign in with the role given, and deletes them', async () => {
    const listed = await call('GET', '/api/v1/users');
    expect(listed.statusCode).toBe(200);
    expect((listed.json() as { users: { username: string; role: string }[] }).users.map((user) => [user.username, user.role])).toEqual([
      ['admin', 'admin'],
      ['alice', 'analyst'],
      ['ivan', 'ingest'],
      ['victor', 'viewer'],
    ]);
    expect(listed.body).not.toMatch(/scrypt|hash/i);

    const created = await call('POST', '/api/v1/users', { username: 'nora', password: 'night-shift-2026', role: 'analyst' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ username: 'nora', role: 'analyst' });
    const login = await loginAs('nora', 'night-shift-2026');
    expect(login.statusCode).toBe(200);
    const token = (login.json() as { token: string }).token;
    expect((await api.server.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })).json()).toMatchObject({ name: 'nora', role: 'analyst' });

    expect((await call('POST', '/api/v1/users', { username: 'nora', password: 'another-password', role: 'viewer' })).statusCode).toBe(409);
    expect((await call('DELETE', '/api/v1/users/nora')).statusCode).toBe(204);
    expect((await api.server.app.inject({ url: '/api/v1/auth/me', headers: bearer(token) })).statusCode).toBe(401);
    expect((await loginAs('nora', 'night-shift-2026')).statusCode).toBe(401);
    expect((await call('DELETE', '/api/v1/users/nora')).statusCode).toBe(404);
  });

  it('a role or password change ends the user\'s sessions at once; the old password stops working', async () => {
    await call('POST', '/api/v1/users', { username: 'omar', password: 'first-password-1', role: 'analyst' });
    const token = (await loginAs('omar', 'first-password-1')).json().token as string;
    const demoted = await call('PATCH', '/api/v1/users/omar', { role: 'viewer' });
    expect(demoted.statusCode).toBe(200);
    expect(demoted.json()).toMatchObject({ username: 'omar', role: 'viewer' });
    expect((await api.server.app.inject({ url: '/api/v1/alerts', headers: bearer(token) })).statusCode).toBe(401);

    expect((await call('PATCH', '/api/v1/users/omar', { password: 'second-password-2' })).statusCode).toBe(200);
    expect((await loginAs('omar', 'first-password-1')).statusCode).toBe(401);
    const again = await loginAs('omar', 'second-password-2');
    expect(again.statusCode).toBe(200);
    expect((await api.server.app.inject({ url: '/api/v1/auth/me', headers: bearer(again.json().token as string) })).json()).toMatchObject({ role: 'viewer' });
  });

  it('keeps at least one admin, and answers bad input with the error body', async () => {
    const demote = await call('PATCH', '/api/v1/users/admin', { role: 'analyst' });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().error.code).toBe('VIGIL_ERR_AUTH_LAST_ADMIN');
    expect((await call('DELETE', '/api/v1/users/admin')).json().error.code).toBe('VIGIL_ERR_AUTH_LAST_ADMIN');
    expect((await loginAs('admin', PASSWORDS.admin)).statusCode).toBe(200);

    // With a second admin, the first may step down.
    await call('POST', '/api/v1/users', { username: 'second-admin', password: 'second-admin-pass', role: 'admin' });
    expect((await call('PATCH', '/api/v1/users/second-admin', { role: 'analyst' })).statusCode).toBe(200);

    for (const [payload, code] of [
      [{ username: 'bad name', password: 'long-enough-1', role: 'viewer' }, 'VIGIL_ERR_API_BAD_REQUEST'],
      [{ username: 'short', password: 'short', role: 'viewer' }, 'VIGIL_ERR_API_BAD_REQUEST'],
      [{ username: 'norole', password: 'long-enough-1', role: 'root' }, 'VIGIL_ERR_API_BAD_REQUEST'],
    ] as const) {
      const response = await call('POST', '/api/v1/users', payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.code).toBe(code);
    }
    expect((await call('PATCH', '/api/v1/users/alice', {})).statusCode).toBe(400);
    expect((await call('PATCH', '/api/v1/users/nobody', { role: 'viewer' })).json().error.code).toBe('VIGIL_ERR_API_USER_NOT_FOUND');
  });

  it('is for admins only', async () => {
    for (const username of ['alice', 'victor', 'ivan'] as const) {
      const token = await api.login(username);
      expect((await call('GET', '/api/v1/users', undefined, token)).statusCode, username).toBe(403);
      expect((await call('POST', '/api/v1/users', { username: 'mallory', password: 'mallory-pass-1', role: 'admin' }, token)).statusCode, username).toBe(403);
    }
  });
});
