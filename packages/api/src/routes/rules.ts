import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import { threatFromTags, type RuleTestReport, type SigmaRule } from '@vigil/engine';
import { ALERT_SEVERITIES } from '@vigil/schema';
import type { Store } from '@vigil/store';
import type { DisabledRule } from '@vigil/fleet';
import { READERS, TRIAGERS, actorName } from '../auth/roles.ts';
import type { FleetService } from '../fleet/fleet-service.ts';
import { apiErrors } from '../errors.ts';
import { defineRoute, type RouteDefinition } from '../http/route.ts';
import type { ApiBacktestDeps } from './backtests.ts';

/** How long the alert counts of the rule list are reused (one store query per rule). */
const ALERT_COUNT_TTL_MS = 30_000;

export const ruleSummarySchema = z
  .object({
    id: z.string(),
    name: z.string().nullable().describe('The rule\'s short name (`name:`), if it has one.'),
    title: z.string(),
    kind: z.enum(['detection', 'correlation']),
    level: z.enum(ALERT_SEVERITIES),
    status: z.string().nullable().describe('Sigma status: stable, test, experimental, deprecated, unsupported.'),
    description: z.string().nullable(),
    tags: z.array(z.string()),
    tactics: z.array(z.string()).describe('ATT&CK tactics from the tags.'),
    techniques: z.array(z.string()).describe('ATT&CK technique ids from the tags, e.g. `T1110.001`.'),
    file: z.string().describe('The rule\'s file name.'),
    alerts: z.number().int().describe('Alerts it has raised, as stored now (refreshed at most every 30 s).'),
    enabled: z.boolean().describe('False when an analyst turned it off: the engines neither match it nor let it feed correlations or raise alerts.'),
    disabled: z
      .object({ reason: z.string(), by: z.string(), at: z.iso.datetime() })
      .strict()
      .nullable()
      .describe('Why, by whom and when it was turned off; null while it is on.'),
  })
  .strict()
  .meta({ id: 'RuleSummary', description: 'A rule the engines run, as the rules list shows it.' });

export const ruleDetailSchema = ruleSummarySchema
  .extend({
    source: z.string().describe('The rule file as it stands on disk (YAML).'),
    references: z.array(z.string()),
    falsepositives: z.array(z.string()),
    author: z.string().nullable(),
  })
  .meta({ id: 'RuleDetail', description: 'A rule with its YAML source.' });

export const ruleTestReportSchema = z
  .object({
    passed: z.boolean().describe('Every case passed and nothing else went wrong.'),
    cases: z.array(z.object({ name: z.string(), line: z.number().int(), passed: z.boolean(), failures: z.array(z.string()) }).strict()),
    problems: z.array(z.string()).describe('Problems outside the cases: the rules do not load, the rule has no tests, a bad test file.'),
  })
  .strict()
  .meta({ id: 'RuleTestReport', description: 'The outcome of a rule\'s positive and negative tests (`<rules dir>/tests/<rule file>.tests.yml`).' });

export const ruleStateRequestSchema = z
  .object({
    enabled: z.boolean(),
    reason: z.string().trim().min(1).max(1024).optional().describe('Why it is turned off (required then): shown with the rule and in the audit log.'),
  })
  .strict()
  .refine((change) => change.enabled || change.reason !== undefined, { message: 'turning a rule off needs a reason', path: ['reason'] });

export const ruleIdParamsSchema = z.object({ id: z.string().min(1).max(256).describe('Rule id (or its `name`).') }).strict();

/** The rules the engines run: list, YAML source, and their tests run on demand. */
export function ruleRoutes(deps: { store: Store; backtest: ApiBacktestDeps; fleet: FleetService | undefined }): RouteDefinition[] {
  const { store, backtest, fleet } = deps;

  /** The rules turned off now, by id (none known without the fleet). */
  async function disabledRules(): Promise<Map<string, DisabledRule>> {
    const states = fleet ? await fleet.repository.ruleStates() : { disabled: [] };
    return new Map(states.disabled.map((entry) => [entry.rule, entry]));
  }
  let counts: { at: number; byRule: Map<string, number> } | undefined;

  async function alertCounts(rules: readonly SigmaRule[]): Promise<Map<string, number>> {
    if (counts && Date.now() - counts.at < ALERT_COUNT_TTL_MS) return counts.byRule;
    const byRule = new Map<string, number>();
    for (const rule of rules) byRule.set(rule.id, (await store.searchAlerts({ rule: rule.id, size: 1 })).total);
    counts = { at: Date.now(), byRule };
    return byRule;
  }

  async function findRule(id: string): Promise<{ rule: SigmaRule; rules: readonly SigmaRule[] }> {
    const ruleset = await backtest.loadRules();
    const rule = ruleset.get(id) ?? ruleset.rules.find((candidate) => candidate.name === id);
    if (!rule) throw apiErrors.create('VIGIL_ERR_API_RULE_NOT_FOUND', { id });
    return { rule, rules: ruleset.rules };
  }

  return [
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/rules',
        operationId: 'listRules',
        summary: 'List the rules the engines run',
        description: 'The rules as loaded from the configured rule directories now (the engines load the same), with how many alerts each has raised.',
        tags: ['detection'],
        access: READERS,
        responses: { 200: { description: 'Every rule, by title.', schema: z.object({ rules: z.array(ruleSummarySchema) }).strict() } },
        errors: { 400: 'The configured rules do not load (`VIGIL_ERR_RULES_INVALID`).' },
      },
      async () => {
        const { rules } = await backtest.loadRules();
        const byRule = await alertCounts(rules);
        const disabled = await disabledRules();
        return { rules: [...rules].sort((a, b) => a.title.localeCompare(b.title)).map((rule) => summary(rule, byRule.get(rule.id) ?? 0, disabled.get(rule.id))) };
      },
    ),
    defineRoute(
      {
        method: 'GET',
        url: '/api/v1/rules/:id',
        operationId: 'getRule',
        summary: 'A rule with its YAML source',
        tags: ['detection'],
        access: READERS,
        params: ruleIdParamsSchema,
        responses: { 200: { description: 'The rule.', schema: ruleDetailSchema } },
        errors: { 404: 'No loaded rule has this id or name.' },
      },
      async ({ params }) => {
        const { rule, rules } = await findRule(params.id);
        const byRule = await alertCounts(rules);
        return {
          ...summary(rule, byRule.get(rule.id) ?? 0, (await disabledRules()).get(rule.id)),
          source: await readFile(rule.location.file, 'utf8'),
          references: [...rule.references],
          falsepositives: [...rule.falsepositives],
          author: rule.author ?? null,
        };
      },
    ),
    defineRoute(
      {
        method: 'PUT',
        url: '/api/v1/rules/:id/state',
        operationId: 'setRuleState',
        summary: 'Turn a rule off or on again',
        description:
          'Every engine follows the change within seconds (a CA-signed list on `vigil.commands`): a rule turned off is not matched, feeds no correlation and raises no alert; its open alerts stay as they are. Turning it off needs a reason.',
        tags: ['detection'],
        access: TRIAGERS,
        params: ruleIdParamsSchema,
        body: ruleStateRequestSchema,
        responses: { 200: { description: 'The rule as it is now.', schema: ruleSummarySchema } },
        errors: { 404: 'No loaded rule has this id or name.', 503: 'The change could not be published: this API process has no bus or no CA key (`VIGIL_ERR_API_FLEET_NO_BUS`, `VIGIL_ERR_API_FLEET_NO_CA_KEY`), or the bus refused it.' },
      },
      async ({ params, body, principal }) => {
        const { rule, rules } = await findRule(params.id);
        if (!fleet) throw apiErrors.create('VIGIL_ERR_API_FLEET_NO_BUS', { action: 'turning rules on and off' });
        await fleet.setRuleState({ rule: rule.id, enabled: body.enabled, reason: body.enabled ? null : body.reason!, actor: actorName(principal) });
        const byRule = await alertCounts(rules);
        return summary(rule, byRule.get(rule.id) ?? 0, (await disabledRules()).get(rule.id));
      },
    ),
    defineRoute(
      {
        method: 'POST',
        url: '/api/v1/rules/:id/tests',
        operationId: 'testRule',
        summary: 'Run a rule\'s tests',
        description: 'Runs the positive and negative test cases of the rule\'s file, as `vigil rules test` does, against the rules as they stand on disk now.',
        tags: ['detection'],
        access: TRIAGERS,
        params: ruleIdParamsSchema,
        responses: { 200: { description: 'What the tests found (a failing test is still a 200).', schema: ruleTestReportSchema } },
        errors: { 404: 'No loaded rule has this id or name.', 503: 'This API process cannot run rule tests (it was started without the rule directories).' },
      },
      async ({ params }) => {
        const { rule } = await findRule(params.id);
        if (!backtest.testRuleFile) throw apiErrors.create('VIGIL_ERR_API_RULE_TESTS_UNAVAILABLE');
        return testView(await backtest.testRuleFile(rule.location.file));
      },
    ),
  ];
}

function summary(rule: SigmaRule, alerts: number, disabled: DisabledRule | undefined): z.output<typeof ruleSummarySchema> {
  const threat = threatFromTags(rule.tags);
  return {
    id: rule.id,
    name: rule.name ?? null,
    title: rule.title,
    kind: rule.kind,
    level: rule.level,
    status: rule.status ?? null,
    description: rule.description ?? null,
    tags: [...rule.tags],
    tactics: [...(threat?.tactic?.name ?? [])],
    techniques: [...(threat?.technique?.id ?? [])],
    file: basename(rule.location.file),
    alerts,
    enabled: disabled === undefined,
    disabled: disabled ? { reason: disabled.reason, by: disabled.disabledBy, at: new Date(disabled.disabledAtMs).toISOString() } : null,
  };
}

function testView(report: RuleTestReport): z.output<typeof ruleTestReportSchema> {
  return {
    passed: report.passed,
    cases: report.cases.map(({ name, line, passed, failures }) => ({ name, line, passed, failures: [...failures] })),
    problems: [...report.problems],
  };
}
