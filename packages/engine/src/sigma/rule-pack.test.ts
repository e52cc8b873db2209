import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRules } from './loader.ts';
import { formatRuleTestReport, runRuleTests } from './rule-tests.ts';

const PACK = fileURLToPath(new URL('../../rules', import.meta.url));
const report = await runRuleTests(PACK);

describe("Vigil's rule pack", () => {
  it('loads, and every rule is ATT&CK-tagged, levelled, authored by Vigil and has a UUID', async () => {
    const ruleset = await loadRules(PACK);
    expect(ruleset.rules.length).toBeGreaterThanOrEqual(140);
    for (const rule of ruleset.rules) {
      expect(rule.id, rule.title).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(rule.author, rule.title).toBe('Vigil');
      expect(rule.tags.some((tag) => /^attack\.t\d{4}/.test(tag)), rule.title).toBe(true);
    }
  });

  it('has no problems outside its test cases', () => {
    expect(report.problems).toEqual([]);
    expect(report.cases.length).toBeGreaterThanOrEqual(14);
  });

  for (const result of report.cases) {
    it(`${result.file.slice(PACK.length + 1)}: ${result.name}`, () => {
      expect(result.failures).toEqual([]);
    });
  }
});

describe('runRuleTests', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs the tests of one rule file when asked (as the API does for one rule)', async () => {
    const one = await runRuleTests(PACK, {}, join(PACK, 'ssh_brute_force.yml'));
    expect(one.problems).toEqual([]);
    expect(one.passed).toBe(true);
    expect(one.cases.length).toBeGreaterThanOrEqual(2);
    expect(one.cases.every((result) => result.file.endsWith('ssh_brute_force.tests.yml'))).toBe(true);
    const unknown = await runRuleTests(PACK, {}, join(PACK, 'no_such_rule.yml'));
    expect(unknown.passed).toBe(false);
    expect(unknown.problems).toEqual([`${join(PACK, 'no_such_rule.yml')}: not a rule file in ${PACK}`]);
  });

  it('reports a failing expectation, a rule without tests and a test file without a rule', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-ruletests-'));
    await cp(PACK, dir, { recursive: true });
    const testFile = join(dir, 'tests', 'ssh_brute_force.tests.yml');
    await writeFile(testFile, (await readFile(testFile, 'utf8')).replace('count: 12', 'count: 13'));
    await rm(join(dir, 'tests', 'ssh_possible_break_in.tests.yml'));
    await writeFile(join(dir, 'tests', 'ssh_gone.tests.yml'), 'tests:\n  - name: x\n    events: [{message: hi}]\n    expect: {alerts: 0}\n');
    const result = await runRuleTests(dir);
    expect(result.passed).toBe(false);
    const failed = result.cases.filter((test) => !test.passed);
    expect(failed.map((test) => [test.line, test.failures])).toEqual([[2, ['alert 1: expected count 13, got 12']]]);
    expect(result.problems).toEqual([
      `${join(dir, 'ssh_possible_break_in.yml')}: no tests (expected ${join(dir, 'tests', 'ssh_possible_break_in.tests.yml')})`,
      `${join(dir, 'tests', 'ssh_gone.tests.yml')}: no rule file ssh_gone.yml for these tests`,
    ]);
    expect(formatRuleTestReport(result)).toContain(`FAIL ${testFile}:2 twelve failed passwords`);
  });

  it('rejects test events that are not valid ECS and test files without a negative case', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-ruletests-'));
    await cp(PACK, dir, { recursive: true });
    await writeFile(
      join(dir, 'tests', 'ssh_possible_break_in.tests.yml'),
      `tests:
  - name: a port that is not a number
    events:
      - message: 'POSSIBLE BREAK-IN ATTEMPT'
        process: {name: sshd}
        source: {ip: 203.0.113.50, port: twenty-two}
    expect: {alerts: 1}
`,
    );
    const result = await runRuleTests(dir);
    const failing = result.cases.find((test) => test.name === 'a port that is not a number')!;
    expect(failing.failures).toEqual([expect.stringMatching(/^event 1 is not a valid ECS event: source\.port: /)]);
    expect(result.problems).toEqual([`${join(dir, 'tests', 'ssh_possible_break_in.tests.yml')}: needs at least one positive and one negative case`]);
  });
});
