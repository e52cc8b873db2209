import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_RULES_DIR, loadRules } from '@vigil/engine';
import { RuleStateWatcher } from '@vigil/fleet';
import { createFleetTestApi, createFleetTestBed, type FleetTestBed } from '../fleet/test-bed.ts';
import { bearer, createTestApi, type TestApi } from '../testing/harness.ts';

/** The pack's brute-force correlation. */
const BRUTE_FORCE_ID = '1c71af4b-6f5e-468b-982c-be67e027ff69';

let bed: FleetTestBed;
let api: TestApi;
let watcher: RuleStateWatcher;

beforeAll(async () => {
  bed = await createFleetTestBed();
  api = await createFleetTestApi(bed, undefined, { backtest: { loadRules: () => loadRules(BUILTIN_RULES_DIR) } });
  await api.server.start();
  // What an engine runs: the follower of the signed list.
  watcher = new RuleStateWatcher(bed.readerOptions('rule-states'));
  await watcher.start();
});

afterAll(async () => {
  await watcher.stop();
  await api.close();
  await bed.close();
});

const setState = async (token: string, payload: object, id = BRUTE_FORCE_ID) => api.server.app.inject({ method: 'PUT', url: `/api/v1/rules/${id}/state`, headers: bearer(token), payload });

describe('turning rules off and on', () => {
  it('an analyst turns a rule off with a reason; the rules list shows it and the engines get the signed list at once', async () => {
    const alice = await api.login('alice');
    const off = await setState(alice, { enabled: false, reason: 'the build farm retries stale passwords all night' });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toMatchObject({ id: BRUTE_FORCE_ID, enabled: false, disabled: { reason: 'the build farm retries stale passwords all night', by: 'alice' } });
    await expect.poll(() => watcher.disabled.has(BRUTE_FORCE_ID)).toBe(true);
    const listed = (await api.server.app.inject({ url: '/api/v1/rules', headers: bearer(alice) })).json() as { rules: { id: string; enabled: boolean }[] };
    expect(listed.rules.filter((rule) => !rule.enabled).map((rule) => rule.id)).toEqual([BRUTE_FORCE_ID]);

    const on = await setState(alice, { enabled: true });
    expect(on.json()).toMatchObject({ enabled: true, disabled: null });
    await expect.poll(() => watcher.disabled.size).toBe(0);
  });

  it('needs a reason to turn a rule off, a known rule, and the analyst or admin role', async () => {
    const alice = await api.login('alice');
    const noReason = await setState(alice, { enabled: false });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().error.message).toContain('needs a reason');
    expect((await setState(alice, { enabled: false, reason: 'x' }, 'no-such-rule')).statusCode).toBe(404);
    expect((await setState(await api.login('victor'), { enabled: false, reason: 'x' })).statusCode).toBe(403);
  });

  it('answers 503 where there is no bus to tell the engines', async () => {
    const bare = await createTestApi({}, undefined, undefined, { backtest: { loadRules: () => loadRules(BUILTIN_RULES_DIR) } });
    try {
      const response = await bare.server.app.inject({ method: 'PUT', url: `/api/v1/rules/${BRUTE_FORCE_ID}/state`, headers: bearer(await bare.login('alice')), payload: { enabled: false, reason: 'noisy' } });
      expect(response.statusCode).toBe(503);
      expect(response.json().error.code).toBe('VIGIL_ERR_API_FLEET_NO_BUS');
    } finally {
      await bare.close();
    }
  });
});
