import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, EcsEvent } from '@vigil/schema';
import { bearer, createTestApi, type TestApi } from '../testing/harness.ts';

let api: TestApi;
let analyst: string;
let viewer: string;
const BRUTE_FORCE = 'alert-ssh-bruteforce-203.0.113.50';

beforeAll(async () => {
  api = await createTestApi();
  analyst = await api.login('alice');
  viewer = await api.login('victor');
});

afterAll(async () => {
  await api.close();
});

describe('GET /api/v1/alerts', () => {
  it('lists alerts most recently seen first and passes the filters to the store', async () => {
    const all = await api.server.app.inject({ url: '/api/v1/alerts', headers: bearer(viewer) });
    expect(all.statusCode).toBe(200);
    const body = all.json() as { total: number; alerts: Alert[]; cursor: string | null };
    expect(body.total).toBe(2);
    expect(body.alerts.map((alert) => alert.id)).toEqual(['alert-web-xss-probe-198.51.100.23', BRUTE_FORCE]);
    expect(body.cursor).toBeNull();

    const filtered = await api.server.app.inject({ url: '/api/v1/alerts?status=open&severity=high&rule=SSH%20brute%20force&q=rule.id:vigil-ssh-*&size=10', headers: bearer(viewer) });
    expect(api.store.alertSearches.at(-1)).toEqual({ status: 'open', severity: 'high', rule: 'SSH brute force', q: 'rule.id:vigil-ssh-*', size: 10 });
    expect((filtered.json() as { alerts: Alert[] }).alerts.map((alert) => alert.id)).toEqual([BRUTE_FORCE]);
  });

  it('rejects statuses and severities that do not exist', async () => {
    const response = await api.server.app.inject({ url: '/api/v1/alerts?status=resolved', headers: bearer(viewer) });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toContain('query.status');
  });
});

describe('GET /api/v1/alerts/:id', () => {
  it('returns the alert with its triggering events and their provenance, in event_ids order', async () => {
    const response = await api.server.app.inject({ url: `/api/v1/alerts/${BRUTE_FORCE}`, headers: bearer(viewer) });
    expect(response.statusCode).toBe(200);
    const { alert, events } = response.json() as { alert: Alert; events: EcsEvent[] };
    expect(alert.rule.name).toBe('SSH brute force');
    expect(events.map((event) => event.event?.id)).toEqual(alert.vigil.alert.event_ids);
    expect(events[0]!.event?.original).toBe('<38>1 2025-03-14T09:26:10.000Z web-1 sshd 4123 - - Failed password for invalid user admin from 203.0.113.50 port 51000 ssh2');
    expect(events[0]!.vigil).toMatchObject({ edge: { id: 'edge-dc1', boot_id: 'boot-7f3a' }, batch: { sequence: 41, position: 0 }, signature: { status: 'verified' } });
  });

  it('answers 404 with its code for an unknown alert', async () => {
    const response = await api.server.app.inject({ url: '/api/v1/alerts/alert-nope', headers: bearer(viewer) });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'VIGIL_ERR_API_ALERT_NOT_FOUND', message: 'alert alert-nope does not exist' } });
  });
});

describe('PATCH /api/v1/alerts/:id', () => {
  it('an analyst acknowledges, assigns and comments; each change is recorded with who made it', async () => {
    const response = await api.server.app.inject({
      method: 'PATCH',
      url: `/api/v1/alerts/${BRUTE_FORCE}`,
      headers: bearer(analyst),
      payload: { status: 'acknowledged', assignee: 'alice', comment: 'Blocked 203.0.113.50 at the firewall' },
    });
    expect(response.statusCode).toBe(200);
    const alert = response.json() as Alert;
    expect(alert.vigil.alert).toMatchObject({ status: 'acknowledged', assignee: 'alice' });
    expect(alert.vigil.alert.comments).toEqual([{ at: expect.any(String), author: 'alice', text: 'Blocked 203.0.113.50 at the firewall' }]);
    expect(alert.vigil.alert.history.map(({ actor, field, from, to }) => ({ actor, field, from, to }))).toEqual([
      { actor: 'alice', field: 'status', from: 'open', to: 'acknowledged' },
      { actor: 'alice', field: 'assignee', from: null, to: 'alice' },
      { actor: 'alice', field: 'comment', from: null, to: 'Blocked 203.0.113.50 at the firewall' },
    ]);

    const stored = await api.store.getAlert(BRUTE_FORCE);
    expect(stored?.vigil.alert.status).toBe('acknowledged');
  });

  it('a viewer may not change alerts', async () => {
    const response = await api.server.app.inject({ method: 'PATCH', url: `/api/v1/alerts/${BRUTE_FORCE}`, headers: bearer(viewer), payload: { status: 'closed', resolution: 'false_positive' } });
    expect(response.statusCode).toBe(403);
    expect(response.json().error).toEqual({ code: 'VIGIL_ERR_API_FORBIDDEN', message: 'role viewer may not PATCH /api/v1/alerts/:id' });
    expect((await api.store.getAlert(BRUTE_FORCE))?.vigil.alert.status).not.toBe('closed');
  });

  it('rejects an empty patch, unknown fields and unknown statuses', async () => {
    for (const payload of [{}, { status: 'resolved' }, { severity: 'low' }, { comment: '   ' }, { status: 'closed' }, { resolution: 'duplicate' }, { status: 'closed', resolution: 'fixed' }]) {
      const response = await api.server.app.inject({ method: 'PATCH', url: `/api/v1/alerts/${BRUTE_FORCE}`, headers: bearer(analyst), payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
    const unknown = await api.server.app.inject({ method: 'PATCH', url: '/api/v1/alerts/alert-nope', headers: bearer(analyst), payload: { status: 'closed', resolution: 'duplicate' } });
    expect(unknown.statusCode).toBe(404);
  });

  it('closes with a resolution, keeps it while closed, and clears it when the alert is reopened', async () => {
    const patch = async (payload: object) => {
      const response = await api.server.app.inject({ method: 'PATCH', url: `/api/v1/alerts/${BRUTE_FORCE}`, headers: bearer(analyst), payload });
      expect(response.statusCode, response.body).toBe(200);
      return (response.json() as Alert).vigil.alert;
    };
    const missing = await api.server.app.inject({ method: 'PATCH', url: `/api/v1/alerts/${BRUTE_FORCE}`, headers: bearer(analyst), payload: { status: 'closed' } });
    expect(missing.json().error.message).toContain('closing an alert needs a resolution (true_positive, benign_positive, false_positive, duplicate)');
    expect(await patch({ status: 'closed', resolution: 'true_positive' })).toMatchObject({ status: 'closed', resolution: 'true_positive' });
    expect(await patch({ status: 'closed', resolution: 'duplicate' })).toMatchObject({ status: 'closed', resolution: 'duplicate' });
    const reopened = await patch({ status: 'open', comment: 'Seen again from the same address' });
    expect(reopened).toMatchObject({ status: 'open', resolution: null });
    expect(reopened.history.slice(-6).map(({ field, from, to }) => ({ field, from, to }))).toEqual([
      { field: 'status', from: 'acknowledged', to: 'closed' },
      { field: 'resolution', from: null, to: 'true_positive' },
      { field: 'resolution', from: 'true_positive', to: 'duplicate' },
      { field: 'status', from: 'closed', to: 'open' },
      { field: 'resolution', from: 'duplicate', to: null },
      { field: 'comment', from: null, to: 'Seen again from the same address' },
    ]);
  });
});
