import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_RULES_DIR, loadRules, runRuleTests } from '@vigil/engine';
import { sampleAlerts } from '../testing/fixtures.ts';
import { bearer, createTestApi, type TestApi } from '../testing/harness.ts';

/** The pack's brute-force correlation. */
const BRUTE_FORCE_ID = '1c71af4b-6f5e-468b-982c-be67e027ff69';

let api: TestApi;
let analyst: string;

beforeAll(async () => {
  api = await createTestApi({}, undefined, undefined, {
    backtest: { loadRules: () => loadRules(BUILTIN_RULES_DIR), testRuleFile: (file) => runRuleTests(BUILTIN_RULES_DIR, {}, file) },
  });
  // Two stored alerts of the pack's brute-force rule.
  const [template] = sampleAlerts();
  await api.store.upsertAlerts(
    ['a', 'b'].map((suffix) => ({ ...template!, id: `brute-${suffix}`, rule: { ...template!.rule, id: BRUTE_FORCE_ID }, vigil: { alert: { ...template!.vigil.alert, dedup_key: `brute|${suffix}` } } })),
  );
  analyst = await api.login('alice');
});

afterAll(async () => {
  await api.close();
});

describe('rules', () => {
  it('lists the rules the engines run, with level, ATT&CK and the alerts each raised', async () => {
    const response = await api.server.app.inject({ url: '/api/v1/rules', headers: bearer(await api.login('victor')) });
    expect(response.statusCode).toBe(200);
    const { rules } = response.json() as { rules: { id: string; title: string; kind: string; level: string; tactics: string[]; techniques: string[]; alerts: number; file: string }[] };
    expect(rules.length).toBeGreaterThanOrEqual(140);
    expect(rules.find((rule) => rule.id === BRUTE_FORCE_ID)).toEqual(
      expect.objectContaining({ title: 'SSH brute force', kind: 'correlation', level: 'medium', tactics: ['Credential Access'], techniques: ['T1110', 'T1110.001'], alerts: 2, file: 'ssh_brute_force.yml' }),
    );
    expect(rules.map((rule) => rule.title)).toEqual([...rules.map((rule) => rule.title)].sort((a, b) => a.localeCompare(b)));
  });

  it('shows a rule\'s YAML source, by id or by name', async () => {
    for (const id of [BRUTE_FORCE_ID, 'ssh_brute_force']) {
      const response = await api.server.app.inject({ url: `/api/v1/rules/${id}`, headers: bearer(analyst) });
      expect(response.statusCode, id).toBe(200);
      const rule = response.json() as { id: string; source: string; references: string[] };
      expect(rule.id).toBe(BRUTE_FORCE_ID);
      expect(rule.source).toContain('title: SSH brute force');
      expect(rule.source).toContain('type: event_count');
      expect(rule.references).toEqual(['https://attack.mitre.org/techniques/T1110/001/']);
    }
    const missing = await api.server.app.inject({ url: '/api/v1/rules/no-such-rule', headers: bearer(analyst) });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('VIGIL_ERR_API_RULE_NOT_FOUND');
  });

  it('runs a rule\'s tests for analysts, not for viewers', async () => {
    const response = await api.server.app.inject({ method: 'POST', url: `/api/v1/rules/${BRUTE_FORCE_ID}/tests`, headers: bearer(analyst) });
    expect(response.statusCode).toBe(200);
    const report = response.json() as { passed: boolean; cases: { name: string; passed: boolean }[]; problems: string[] };
    expect(report).toMatchObject({ passed: true, problems: [] });
    expect(report.cases.length).toBeGreaterThanOrEqual(2);
    expect(report.cases.every((result) => result.passed)).toBe(true);
    const viewer = await api.server.app.inject({ method: 'POST', url: `/api/v1/rules/${BRUTE_FORCE_ID}/tests`, headers: bearer(await api.login('victor')) });
    expect(viewer.statusCode).toBe(403);
  });

  it('answers 503 for tests when the host gave no way to run them', async () => {
    const bare = await createTestApi({}, undefined, undefined, { backtest: { loadRules: () => loadRules(join(BUILTIN_RULES_DIR)) } });
    try {
      const response = await bare.server.app.inject({ method: 'POST', url: `/api/v1/rules/${BRUTE_FORCE_ID}/tests`, headers: bearer(await bare.login('alice')) });
      expect(response.statusCode).toBe(503);
      expect(response.json().error.code).toBe('VIGIL_ERR_API_RULE_TESTS_UNAVAILABLE');
    } finally {
      await bare.close();
    }
  });
});
