import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BUILTIN_RULES_DIR, PartitionedDetection, loadRules, splitHitBundle } from '@vigil/engine';
import { SuppressionWatcher } from '@vigil/fleet';
import { Metrics } from '@vigil/runtime';
import type { EcsEvent } from '@vigil/schema';
import { createFleetTestApi, createFleetTestBed, type FleetTestBed } from '../fleet/test-bed.ts';
import { bearer, type TestApi } from '../testing/harness.ts';

let bed: FleetTestBed;
let api: TestApi;
let analyst: string;
let viewer: string;
let watcher: SuppressionWatcher;

beforeAll(async () => {
  bed = await createFleetTestBed();
  api = await createFleetTestApi(bed);
  await api.server.start();
  analyst = await api.login('alice');
  viewer = await api.login('victor');
  watcher = new SuppressionWatcher(bed.readerOptions('suppressions'));
  await watcher.start();
});

afterAll(async () => {
  await watcher.stop();
  await api.close();
  await bed.close();
});

const request = (method: 'GET' | 'POST' | 'DELETE', url: string, token: string, payload?: object) => api.server.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });

/** Three wrong sudo passwords on a host (the pack's sudo_auth_failure rule, one alert per host and user). */
function sudoFailure(host: string, i: number): EcsEvent {
  const at = new Date(Date.parse('2026-11-20T03:00:00Z') + i * 1000).toISOString();
  return {
    '@timestamp': at,
    message: 'deploy : 3 incorrect password attempts ; TTY=pts/0 ; PWD=/home/deploy ; USER=root ; COMMAND=/bin/bash',
    event: { id: `${host}-${i}`, kind: 'event', category: ['authentication'], action: 'sudo_auth', outcome: 'failure', reason: '3 incorrect password attempts', created: at },
    host: { hostname: host },
    process: { name: 'sudo', parent: { name: 'sudo' }, command_line: '/bin/bash' },
    user: { name: 'deploy' },
  };
}

describe('alert suppressions', () => {
  it('refuses what is not a suppression, and lets only analysts and admins make them', async () => {
    for (const payload of [{ minutes: 60, reason: 'x' }, { rule: 'r', minutes: 0, reason: 'x' }, { rule: 'r', minutes: 60 * 24 * 8, reason: 'x' }, { rule: 'r', minutes: 5 }, { match: { 'bad path!': 'x' }, minutes: 5, reason: 'x' }]) {
      const response = await request('POST', '/api/v1/suppressions', analyst, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect((await request('POST', '/api/v1/suppressions', viewer, { rule: 'r', minutes: 5, reason: 'x' })).statusCode).toBe(403);
    expect((await request('DELETE', '/api/v1/suppressions/nope', analyst)).json().error.code).toBe('VIGIL_ERR_API_SUPPRESSION_NOT_FOUND');
  });

  it('publishes each change to the engines, which stop raising the alerts it covers until it ends', async () => {
    const ruleset = await loadRules(BUILTIN_RULES_DIR);
    const detection = new PartitionedDetection(ruleset, { suppressions: watcher, metrics: new Metrics({ defaultMetrics: false }) });
    const alertsOf = (events: EcsEvent[]) =>
      detection.apply(0, detection.match(events.map((event) => JSON.stringify(event)), () => expect.fail('valid events')).flatMap((message) => splitHitBundle(message.value as string))).alerts.map(({ alert }) => alert.host?.hostname);
    const rule = ruleset.rules.find((candidate) => candidate.name === 'sudo_auth_failure')!;
    expect(alertsOf([sudoFailure('build-1', 0), sudoFailure('db-1', 1)])).toEqual(['build-1', 'db-1']);

    const created = await request('POST', '/api/v1/suppressions', analyst, { rule: rule.name, match: { 'host.hostname': 'build-1' }, minutes: 60, reason: 'CI runner tries sudo on every build' });
    expect(created.statusCode, created.body).toBe(201);
    const suppression = created.json() as { id: string; createdBy: string; expiresAt: string };
    expect(suppression.createdBy).toBe('alice');
    expect((await request('GET', '/api/v1/suppressions', viewer)).json().suppressions.map((entry: { id: string }) => entry.id)).toEqual([suppression.id]);
    await vi.waitFor(() => expect(watcher.suppressing(rule, (field) => (field === 'host.hostname' ? 'build-1' : undefined))).toBeDefined());

    // A new dedup window (a day later) so that an alert would be new, not an update.
    expect(alertsOf([sudoFailure('build-1', 86_400), sudoFailure('db-1', 86_401)])).toEqual(['db-1']);

    expect((await request('DELETE', `/api/v1/suppressions/${suppression.id}`, analyst)).statusCode).toBe(204);
    await vi.waitFor(() => expect(watcher.suppressing(rule, (field) => (field === 'host.hostname' ? 'build-1' : undefined))).toBeUndefined());
    expect((await request('GET', '/api/v1/suppressions', viewer)).json().suppressions).toEqual([]);
    expect(alertsOf([sudoFailure('build-1', 86_402)])).toEqual(['build-1']);
  });
});
