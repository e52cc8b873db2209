import { describe, expect, it } from 'vitest';
import { bearer, withTestApi, type TestApi } from '../testing/harness.ts';

let api: TestApi;
withTestApi((context) => ({ api } = context));

async function as(username: 'alice' | 'victor' | 'admin' | 'ivan') {
  const token = await api.login(username);
  return (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: Record<string, unknown>) => api.server.app.inject({ method, url, headers: bearer(token), ...(payload && { payload }) });
}

describe('saved searches', () => {
  it('keeps a reader\'s searches to themselves unless shared, and lists them by name', async () => {
    const alice = await as('alice');
    const victor = await as('victor');
    const mine = await alice('POST', '/api/v1/saved-searches', { name: 'ssh failures', query: 'event.outcome:failure AND process.name:sshd', range: '1h' });
    expect(mine.statusCode).toBe(201);
    expect(mine.json()).toMatchObject({ name: 'ssh failures', range: '1h', owner: 'alice', shared: false });
    const team = await alice('POST', '/api/v1/saved-searches', { name: 'admin logins', query: 'user.name:admin', shared: true });
    expect(team.json()).toMatchObject({ range: '24h', shared: true });

    const names = async (call: typeof alice) => ((await call('GET', '/api/v1/saved-searches')).json() as { searches: { name: string }[] }).searches.map((search) => search.name);
    expect(await names(alice)).toEqual(['admin logins', 'ssh failures']);
    expect(await names(victor)).toEqual(['admin logins']);
    // Another reader cannot delete it; its owner and admins can.
    expect((await victor('DELETE', `/api/v1/saved-searches/${team.json().id}`)).statusCode).toBe(403);
    expect((await victor('DELETE', `/api/v1/saved-searches/${mine.json().id}`)).statusCode).toBe(404);
    expect((await (await as('admin'))('DELETE', `/api/v1/saved-searches/${team.json().id}`)).statusCode).toBe(204);
    expect((await alice('DELETE', `/api/v1/saved-searches/${mine.json().id}`)).statusCode).toBe(204);
    expect(await names(alice)).toEqual([]);
  });

  it('refuses a query that does not parse, naming the column, and is not for the ingest role', async () => {
    const alice = await as('alice');
    const bad = await alice('POST', '/api/v1/saved-searches', { name: 'broken', query: 'message:"unterminated' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VIGIL_ERR_QUERY_SYNTAX');
    expect((await (await as('ivan'))('GET', '/api/v1/saved-searches')).statusCode).toBe(403);
  });
});
