import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { PASSWORDS, bearer, withTestApi, type TestApi } from '../testing/harness.ts';
import { parseApiKey } from '../auth/tokens.ts';

let api: TestApi;
let adminToken: string;
withTestApi((context) => ({ api, adminToken } = context));

interface Entry {
  id: number;
  actor: string;
  action: string;
  target: string | null;
  detail: Record<string, unknown>;
  outcome: string;
  address: string;
}

async function entries(query = ''): Promise<{ entries: Entry[]; cursor: string | null }> {
  const response = await api.server.app.inject({ url: `/api/v1/audit${query}`, headers: bearer(adminToken) });
  expect(response.statusCode).toBe(200);
  return response.json();
}

describe('audit log', () => {
  it('records logins that worked and that failed, without the password', async () => {
    await api.server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: 'alice', password: 'not-her-password' } });
    await api.login('alice');
    const { entries: logins } = await entries('?action=login&actor=alice');
    expect(logins.slice(0, 2).map((entry) => entry.outcome)).toEqual(['ok', 'VIGIL_ERR_API_LOGIN_FAILED']);
    expect(logins[0]).toMatchObject({ actor: 'alice', action: 'login', target: null, detail: { username: 'alice' }, address: '127.0.0.1' });
    expect(JSON.stringify(logins)).not.toContain('not-her-password');
    expect(JSON.stringify(logins)).not.toContain(PASSWORDS.alice);
  });

  it('records triage, comments, keys and users with who did it to what; reads are not recorded', async () => {
    const alice = await api.login('alice');
    const alert = '/api/v1/alerts/alert-ssh-bruteforce-203.0.113.50';
    await api.server.app.inject({ method: 'PATCH', url: alert, headers: bearer(alice), payload: { status: 'acknowledged', comment: 'looking' } });
    await api.server.app.inject({ url: alert, headers: bearer(alice) });
    const key = (await api.server.app.inject({ method: 'POST', url: '/api/v1/api-keys', headers: bearer(adminToken), payload: { name: 'siem-export', role: 'viewer' } })).json().key as string;
    await api.server.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(adminToken), payload: { username: 'pat', password: 'pat-password-1', role: 'viewer' } });

    const recent = (await entries('?size=10')).entries;
    expect(recent.slice(0, 3).map(({ actor, action, target, detail, outcome }) => ({ actor, action, target, detail, outcome }))).toEqual([
      { actor: 'admin', action: 'createUser', target: null, detail: { username: 'pat', role: 'viewer' }, outcome: 'ok' },
      { actor: 'admin', action: 'createApiKey', target: null, detail: { name: 'siem-export', role: 'viewer' }, outcome: 'ok' },
      { actor: 'alice', action: 'updateAlert', target: 'id=alert-ssh-bruteforce-203.0.113.50', detail: { status: 'acknowledged', comment: 'looking' }, outcome: 'ok' },
    ]);
    expect(recent.some((entry) => entry.action === 'getAlert')).toBe(false);
    const text = JSON.stringify(recent);
    // The key's secret (base64url, so it may hold `_` itself): not the last piece after a `_`.
    expect(text).not.toContain(parseApiKey(key)!.secret);
    expect(text).not.toContain('pat-password-1');
  });

  it('records refused attempts with the error code, and API keys by name', async () => {
    const viewerKey = (await api.auth.createApiKey({ name: 'dashboard-tv', role: 'viewer', createdBy: 'admin' })).key;
    const refused = await api.server.app.inject({ method: 'PATCH', url: '/api/v1/alerts/alert-ssh-bruteforce-203.0.113.50', headers: bearer(viewerKey), payload: { status: 'open' } });
    expect(refused.statusCode).toBe(403);
    const [entry] = (await entries('?actor=api-key:dashboard-tv')).entries;
    expect(entry).toMatchObject({ action: 'updateAlert', outcome: 'VIGIL_ERR_API_FORBIDDEN', detail: { status: 'open' } });
  });

  it('pages newest first by cursor, and is for admins only', async () => {
    const first = await entries('?size=2');
    expect(first.entries).toHaveLength(2);
    expect(first.entries[0]!.id).toBeGreaterThan(first.entries[1]!.id);
    const second = await entries(`?size=2&cursor=${first.cursor}`);
    expect(second.entries[0]!.id).toBeLessThan(first.entries[1]!.id);
    for (const username of ['alice', 'victor', 'ivan'] as const) {
      const response = await api.server.app.inject({ url: '/api/v1/audit', headers: bearer(await api.login(username)) });
      expect(response.statusCode, username).toBe(403);
    }
    expect((await api.server.app.inject({ url: '/api/v1/audit?cursor=abc', headers: bearer(adminToken) })).statusCode).toBe(400);
  });

  it('is append-only in the database itself: entries cannot be changed or deleted', async () => {
    const db = new DatabaseSync(join(api.dir, 'auth.db'));
    try {
      expect(() => db.prepare("UPDATE audit_log SET actor = 'someone-else'").run()).toThrow(/append-only/);
      expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
    expect((await entries()).entries.length).toBeGreaterThan(0);
  });
});
