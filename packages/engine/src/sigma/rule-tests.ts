import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ALERT_SEVERITIES, alertSchema, isUnsafeKey, validateEvent, type Alert, type EcsEvent } from '@vigil/schema';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { DetectionEngine } from '../alerts/detection-engine.ts';
import { formatProblem, parseRuleSources, readRulesAndPipelines, type RuleLoadOptions } from './loader.ts';
import type { Ruleset } from './ruleset.ts';
import type { SigmaRule } from './types.ts';

/**
 * Rule tests: every rule file `<name>.yml` in a rules directory ships `tests/<name>.tests.yml`
 * with positive and negative cases. Each case runs its events through a fresh engine loaded
 * with the whole directory (correlations need their base rules) and checks the hits and the
 * alerts of the rules defined in the file under test.
 *
 *   rule: ssh_brute_force        # optional: test only this rule of the file (name or id)
 *   tests:
 *     - name: twelve failures in two minutes
 *       events:
 *         - {...an ECS event...}
 *         - repeat: 12           # copies of one event, 10 s apart; {i} in strings → 1, 2, …
 *           every: 10s
 *           event: {...}
 *       expect:
 *         matches: 3             # hits of the rules under test
 *         alerts:                # a number, or the distinct alerts in creation order
 *           - {rule: ssh_brute_force, count: 12, group: {source.ip: 203.0.113.7}, message: ..., severity: medium, techniques: [T1110]}
 */

const alertExpectationSchema = z
  .object({
    rule: z.string().optional(),
    count: z.number().int().nonnegative().optional(),
    group: z.record(z.string(), z.string()).optional(),
    message: z.string().optional(),
    severity: z.enum(ALERT_SEVERITIES).optional(),
    techniques: z.array(z.string()).optional(),
  })
  .strict();

const repeatSchema = z.object({ repeat: z.number().int().min(1).max(10_000), every: z.string().regex(/^\d+(ms|s|m|h|d)$/), event: z.record(z.string(), z.unknown()) }).strict();

const caseSchema = z
  .object({
    name: z.string().min(1),
    events: z.array(z.union([repeatSchema, z.record(z.string(), z.unknown())])).min(1),
    expect: z
      .object({ matches: z.number().int().nonnegative().optional(), alerts: z.union([z.number().int().nonnegative(), z.array(alertExpectationSchema)]).optional() })
      .strict()
      .refine((expect) => expect.matches !== undefined || expect.alerts !== undefined, 'expect needs matches or alerts'),
  })
  .strict();

const testFileSchema = z.object({ rule: z.string().optional(), tests: z.array(caseSchema).min(1) }).strict();

type TestCase = z.infer<typeof caseSchema>;

/** The outcome of one test case. */
export interface RuleTestCaseResult {
  readonly file: string;
  readonly line: number;
  readonly name: string;
  readonly passed: boolean;
  readonly failures: readonly string[];
}

/** The outcome of a rules directory's tests. */
export interface RuleTestReport {
  readonly passed: boolean;
  readonly cases: readonly RuleTestCaseResult[];
  /** Problems outside any one case: rules that do not load, rule files without tests, bad test files. */
  readonly problems: readonly string[];
}

/**
 * Runs the tests of every rule file in `rulesDir` (tests live in `rulesDir/tests`), or with
 * `only`, of that one rule file (then other files' missing tests are not reported).
 */
export async function runRuleTests(rulesDir: string, options: RuleLoadOptions = {}, only?: string): Promise<RuleTestReport> {
  const problems: string[] = [];
  const { sources, pipelineSources, problems: readProblems } = await readRulesAndPipelines(rulesDir, options);
  const files = sources.map((source) => source.file);
  const { ruleset, problems: ruleProblems } = parseRuleSources(sources, pipelineSources);
  for (const problem of [...readProblems, ...ruleProblems]) problems.push(formatProblem(problem));
  if (problems.length > 0) return { passed: false, cases: [], problems };

  const testsDir = join(rulesDir, 'tests');
  const testFiles = new Map<string, string>();
  for (const name of await readdir(testsDir).catch(() => [] as string[])) {
    const stem = /^(.*)\.tests\.ya?ml$/.exec(name)?.[1];
    if (stem !== undefined) testFiles.set(stem, join(testsDir, name));
  }
  const cases: RuleTestCaseResult[] = [];
  for (const file of only === undefined ? files : files.filter((candidate) => candidate === only)) {
    const stem = basename(file).replace(/\.ya?ml$/i, '');
    const testFile = testFiles.get(stem);
    testFiles.delete(stem);
    if (!testFile) {
      problems.push(`${file}: no tests (expected ${join(testsDir, `${stem}.tests.yml`)})`);
      continue;
    }
    const rules = ruleset.rules.filter((rule) => rule.location.file === file);
    cases.push(...(await runTestFile(testFile, rules, ruleset, problems)));
  }
  if (only !== undefined && !files.includes(only)) problems.push(`${only}: not a rule file in ${rulesDir}`);
  if (only === undefined) for (const orphan of testFiles.values()) problems.push(`${orphan}: no rule file ${basename(orphan).replace(/\.tests\.ya?ml$/, '.yml')} for these tests`);
  return { passed: problems.length === 0 && cases.every((result) => result.passed), cases, problems };
}

/** The report as text, one line per case and problem. */
export function formatRuleTestReport(report: RuleTestReport): string {
  const lines = report.cases.map((result) => `${result.passed ? 'ok  ' : 'FAIL'} ${result.file}:${result.line} ${result.name}${result.failures.map((failure) => `\n       ${failure}`).join('')}`);
  lines.push(...report.problems.map((problem) => `FAIL ${problem}`));
  const failed = report.cases.filter((result) => !result.passed).length;
  lines.push(`${report.cases.length - failed}/${report.cases.length} rule tests passed${report.problems.length > 0 ? `, ${report.problems.length} problem(s)` : ''}`);
  return lines.join('\n');
}

async function runTestFile(file: string, fileRules: readonly SigmaRule[], ruleset: Ruleset, problems: string[]): Promise<RuleTestCaseResult[]> {
  const lines = new LineCounter();
  const doc = parseDocument(await readFile(file, 'utf8'), { lineCounter: lines, prettyErrors: false });
  const lineOf = (path: readonly (string | number)[]) => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return lines.linePos(node?.range?.[0] ?? 0).line;
  };
  const error = doc.errors[0];
  if (error) {
    problems.push(`${file}:${lines.linePos(error.pos[0]).line}: YAML: ${error.message.split('\n')[0]}`);
    return [];
  }
  const parsed = testFileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${file}:${lineOf(issue.path as (string | number)[])}: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    return [];
  }
  let underTest = fileRules;
  if (parsed.data.rule !== undefined) {
    underTest = fileRules.filter((rule) => rule.id === parsed.data.rule || rule.name === parsed.data.rule);
    if (underTest.length === 0) {
      problems.push(`${file}:${lineOf(['rule'])}: rule '${parsed.data.rule}' is not defined in the rule file`);
      return [];
    }
  }
  const positive = parsed.data.tests.some((test) => (test.expect.matches ?? 0) > 0 || expectedAlertCount(test) > 0);
  const negative = parsed.data.tests.some((test) => test.expect.matches === 0 || expectedAlertCount(test) === 0);
  if (!positive || !negative) problems.push(`${file}: needs at least one positive and one negative case`);
  return parsed.data.tests.map((test, index) => {
    const failures = runCase(test, `${basename(file).replace(/\.tests\.ya?ml$/, '')}-${index + 1}`, underTest, ruleset);
    return { file, line: lineOf(['tests', index]), name: test.name, passed: failures.length === 0, failures };
  });
}

function expectedAlertCount(test: TestCase): number {
  const alerts = test.expect.alerts;
  return alerts === undefined ? -1 : typeof alerts === 'number' ? alerts : alerts.length;
}

function runCase(test: TestCase, idPrefix: string, underTest: readonly SigmaRule[], ruleset: Ruleset): string[] {
  const failures: string[] = [];
  const events = expandEvents(test, idPrefix, failures);
  if (failures.length > 0) return failures;
  const ids = new Set(underTest.map((rule) => rule.id));
  let matches = 0;
  const onHit = (hit: { rule: SigmaRule }) => {
    if (ids.has(hit.rule.id)) matches++;
  };
  const engine = new DetectionEngine(ruleset, { clock: () => 0, onHit });
  const alerts = new Map<string, Alert>();
  for (const event of events) {
    for (const alert of engine.process(event)) {
      const check = alertSchema.safeParse(alert);
      if (!check.success) failures.push(`alert ${alert.id} is not a valid alert document: ${check.error.issues[0]!.message}`);
      if (ids.has(alert.rule.id)) alerts.set(alert.id, alert);
    }
  }
  const expect = test.expect;
  if (expect.matches !== undefined && matches !== expect.matches) failures.push(`expected ${expect.matches} match(es), got ${matches}`);
  const got = [...alerts.values()];
  if (typeof expect.alerts === 'number' && got.length !== expect.alerts) failures.push(`expected ${expect.alerts} alert(s), got ${got.length}${describeAlerts(got)}`);
  if (Array.isArray(expect.alerts)) {
    if (got.length !== expect.alerts.length) failures.push(`expected ${expect.alerts.length} alert(s), got ${got.length}${describeAlerts(got)}`);
    expect.alerts.forEach((wanted, index) => {
      const alert = got[index];
      if (alert) failures.push(...compareAlert(wanted, alert, index, ruleset));
    });
  }
  return failures;
}

function compareAlert(wanted: z.infer<typeof alertExpectationSchema>, alert: Alert, index: number, ruleset: Ruleset): string[] {
  const failures: string[] = [];
  const state = alert.vigil.alert;
  const rule = ruleset.get(alert.rule.id);
  const differ = (what: string, expected: unknown, actual: unknown) => failures.push(`alert ${index + 1}: expected ${what} ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  if (wanted.rule !== undefined && wanted.rule !== alert.rule.id && wanted.rule !== rule?.name) differ('rule', wanted.rule, rule?.name ?? alert.rule.id);
  if (wanted.count !== undefined && wanted.count !== state.count) differ('count', wanted.count, state.count);
  if (wanted.group !== undefined && JSON.stringify(sorted(wanted.group)) !== JSON.stringify(sorted(state.group))) differ('group', wanted.group, state.group);
  if (wanted.message !== undefined && wanted.message !== alert.message) differ('message', wanted.message, alert.message);
  if (wanted.severity !== undefined && wanted.severity !== state.severity) differ('severity', wanted.severity, state.severity);
  const techniques = alert.threat?.technique?.id ?? [];
  if (wanted.techniques !== undefined && JSON.stringify(wanted.techniques) !== JSON.stringify(techniques)) differ('techniques', wanted.techniques, techniques);
  return failures;
}

function sorted(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}

function describeAlerts(alerts: readonly Alert[]): string {
  return alerts.length === 0 ? '' : `: ${alerts.map((alert) => JSON.stringify(alert.message)).join(', ')}`;
}

const STEP_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function expandEvents(test: TestCase, idPrefix: string, failures: string[]): EcsEvent[] {
  const raw: unknown[] = [];
  for (const item of test.events) {
    const block = repeatSchema.safeParse(item);
    if (!block.success) {
      raw.push(item);
      continue;
    }
    const [, amount, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(block.data.every)!;
    const step = Number(amount) * STEP_MS[unit!]!;
    for (let i = 0; i < block.data.repeat; i++) raw.push(shifted(block.data.event, i * step, String(i + 1)));
  }
  const events: EcsEvent[] = [];
  raw.forEach((item, index) => {
    const withId = item as { event?: Record<string, unknown> };
    if (withId.event?.id === undefined) withId.event = { ...withId.event, id: `${idPrefix}-${index + 1}` };
    const result = validateEvent(withId);
    if (result.ok) events.push(result.event);
    else failures.push(`event ${index + 1} is not a valid ECS event: ${result.problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ')}`);
  });
  return events;
}

function shifted(template: Record<string, unknown>, offsetMs: number, index: string): Record<string, unknown> {
  const copy = substitute(structuredClone(template), index) as Record<string, unknown> & { event?: Record<string, unknown> };
  const move = (value: unknown) => (typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? new Date(Date.parse(value) + offsetMs).toISOString() : value);
  if (copy['@timestamp'] !== undefined) copy['@timestamp'] = move(copy['@timestamp']);
  if (copy.event && typeof copy.event === 'object') {
    if (copy.event.created !== undefined) copy.event.created = move(copy.event.created);
    if (copy.event.ingested !== undefined) copy.event.ingested = move(copy.event.ingested);
  }
  return copy;
}

function substitute(value: unknown, index: string): unknown {
  if (typeof value === 'string') return value.replaceAll('{i}', index);
  if (Array.isArray(value)) return value.map((element) => substitute(element, index));
  if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) if (!isUnsafeKey(key)) (value as Record<string, unknown>)[key] = substitute(child, index);
  }
  return value;
}
