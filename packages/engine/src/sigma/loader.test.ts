import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectionErrors } from './errors.ts';
import { formatProblem, lintRules, loadRules, parseRuleSources } from './loader.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-rules-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const failedLogin = `title: Failed login
id: 5638f7c0-ac70-491d-8465-2a65075e0d86
name: failed_login
status: test
description: sshd refused a login
references: [https://attack.mitre.org/techniques/T1110/]
author: Vigil
date: 2026-11-24
tags: [attack.Credential_Access, attack.t1110]
logsource: {product: linux, service: sshd}
detection:
  selection:
    event.action: ssh_login
    event.outcome: failure
  condition: selection
falsepositives: [typos]
fields: [source.ip, user.name]
`;

const bruteForce = `title: Many failed logins
id: 0e95725d-7320-415d-80f7-004da920fc11
name: many_failed_logins
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [source.ip]
  timespan: 10m
  condition: {gte: 10}
level: high
`;

describe('loading rule directories', () => {
  it('reads every rule document below the directories, skipping rule tests', async () => {
    await mkdir(join(dir, 'linux', 'ssh'), { recursive: true });
    await writeFile(join(dir, 'linux', 'ssh', 'failed_logins.yml'), `${failedLogin}---\n${bruteForce}`);
    await writeFile(join(dir, 'break_in.yaml'), `title: Break-in\nid: break-in\nlogsource: {product: linux}\ndetection:\n  keywords: ['POSSIBLE BREAK-IN ATTEMPT']\n  condition: keywords\n`);
    await mkdir(join(dir, 'tests'));
    await writeFile(join(dir, 'tests', 'break_in.tests.yml'), 'tests: []\n');
    const ruleset = await loadRules(dir);
    expect(ruleset.rules.map((rule) => rule.id)).toEqual(['break-in', '5638f7c0-ac70-491d-8465-2a65075e0d86', '0e95725d-7320-415d-80f7-004da920fc11']);
    const base = ruleset.get('5638f7c0-ac70-491d-8465-2a65075e0d86')!;
    expect(base).toMatchObject({
      kind: 'detection',
      name: 'failed_login',
      status: 'test',
      description: 'sshd refused a login',
      references: ['https://attack.mitre.org/techniques/T1110/'],
      author: 'Vigil',
      date: '2026-11-24',
      tags: ['attack.credential_access', 'attack.t1110'],
      level: 'medium',
      logsource: { product: 'linux', service: 'sshd' },
      falsepositives: ['typos'],
      fields: ['source.ip', 'user.name'],
      location: { line: 1, column: 1 },
    });
    const correlation = ruleset.correlations[0]!;
    expect(correlation.correlation).toMatchObject({ type: 'event_count', groupBy: ['source.ip'], timespanMs: 600_000, condition: [{ op: 'gte', value: 10 }], generate: false });
    expect(correlation.location.line).toBe(19);
    expect(ruleset.inputsOf(correlation).map((rule) => rule.id)).toEqual([base.id]);
  });

  it('a base rule referenced by a correlation raises no alerts unless the correlation says generate: true', () => {
    const quiet = parseRuleSources([{ file: 'a.yml', text: `${failedLogin}---\n${bruteForce}` }]).ruleset;
    expect(quiet.generatesAlerts(quiet.get('5638f7c0-ac70-491d-8465-2a65075e0d86')!)).toBe(false);
    expect(quiet.generatesAlerts(quiet.get('0e95725d-7320-415d-80f7-004da920fc11')!)).toBe(true);
    const loud = parseRuleSources([{ file: 'a.yml', text: `${failedLogin}---\n${bruteForce.replace('  condition: {gte: 10}', '  condition: {gte: 10}\n  generate: true')}` }]).ruleset;
    expect(loud.generatesAlerts(loud.get('5638f7c0-ac70-491d-8465-2a65075e0d86')!)).toBe(true);
  });

  it('reports every problem in every file with file, line and column', async () => {
    await writeFile(
      join(dir, 'a.yml'),
      `${failedLogin}---
title: Bad modifier
id: bad-modifier
logsource: {product: linux}
detection:
  selection:
    process.name|startswith|sometimes: ssh
    message|re: 'Failed (password'
  condition: selection and not filter
level: severe
`,
    );
    await writeFile(
      join(dir, 'b.yml'),
      `title: Copy of failed login
id: 5638f7c0-ac70-491d-8465-2a65075e0d86
logsource: {product: linux}
detection:
  selection: {event.outcome: failure}
  condition: selection
---
title: Dangling correlation
id: dangling
correlation:
  type: value_count
  rules:
    - failed_login
    - no_such_rule
  group-by: [source.ip]
  timespan: 10m
  groupby: [user.name]
  condition: {field: user.name, gte: 3}
---
title: Broken YAML
id: broken
detection: [unclosed
`,
    );
    const problems = (await lintRules(dir)).map(formatProblem);
    const a = join(dir, 'a.yml');
    const b = join(dir, 'b.yml');
    expect(problems).toEqual([
      `${a}:27:8: level must be one of informational, low, medium, high, critical [bad-modifier]`,
      `${a}:24:5: unknown modifier 'sometimes' in 'process.name|startswith|sometimes' [bad-modifier]`,
      `${a}:25:17: invalid regular expression "Failed (password": Invalid regular expression: /Failed (password/: Unterminated group in 'message|re' [bad-modifier]`,
      `${a}:26:32: bad condition: unknown search identifier 'filter' [bad-modifier]`,
      `${b}:17:3: unknown key 'groupby' in correlation (expected type, rules, group-by, timespan, condition, generate, aliases) [dangling]`,
      `${b}:23:1: YAML: Flow sequence in block collection must be sufficiently indented and end with a ]`,
      `${b}:1:1: duplicate rule id or name '5638f7c0-ac70-491d-8465-2a65075e0d86' (first defined at ${a}:1) [5638f7c0-ac70-491d-8465-2a65075e0d86]`,
    ]);
    await expect(loadRules(dir)).rejects.toSatisfy((error) => detectionErrors.is(error, 'VIGIL_ERR_RULES_INVALID') && problems.every((line) => error.message.includes(line)));
  });

  it('reports an unknown reference, a reference cycle and a bad condition field of a correlation', () => {
    const text = `${failedLogin}---
title: A
id: corr-a
correlation: {type: temporal, rules: [corr-b, failed_login], timespan: 5m}
---
title: B
id: corr-b
correlation: {type: temporal, rules: [corr-a, failed_login], timespan: 5m}
---
title: C
id: corr-c
correlation:
  type: event_count
  rules: [missing_rule]
  timespan: 5m
  condition: {gte: 3}
---
title: D
id: corr-d
correlation:
  type: value_count
  rules: [failed_login]
  timespan: 1x
  condition: {gte: 3}
`;
    const problems = parseRuleSources([{ file: 'c.yml', text }]).problems.map(formatProblem);
    expect(problems).toEqual([
      'c.yml:40:13: timespan \'1x\' must be a number and a unit: s, m, h, d or w (e.g. 5m) [corr-d]',
      'c.yml:41:14: a value_count condition needs field: the field whose distinct values are counted [corr-d]',
      "c.yml:31:11: correlation references unknown rule 'missing_rule' (no rule has this id or name) [corr-c]",
      'c.yml:19:1: correlation reference cycle: corr-a → corr-b → corr-a [corr-a]',
    ]);
  });

  it('rejects what Vigil cannot run rather than ignoring it', () => {
    const text = `title: Old aggregation
id: old
logsource: {product: linux}
detection:
  selection: {event.outcome: failure}
  timeframe: 5m
  condition: selection
---
action: global
title: Collection
---
title: No id
logsource: {product: linux}
detection:
  selection: {event.outcome: failure}
  condition: selection
---
title: Prototype
id: proto
logsource: {product: linux}
detection:
  selection: {__proto__.polluted: 'yes'}
  condition: selection
`;
    const messages = parseRuleSources([{ file: 'd.yml', text }]).problems.map((problem) => `${problem.line}: ${problem.message}`);
    expect(messages).toEqual([
      "6: 'timeframe' is not supported; write a Sigma correlation rule with a timespan",
      "9: rule collections ('action: global') are not supported; write one document per rule",
      '9: a rule needs an id (or at least a name) so its alerts can be identified',
      '9: logsource is required and must be a mapping (category, product, service)',
      '9: detection is required (or correlation, for a correlation rule)',
      '12: a rule needs an id (or at least a name) so its alerts can be identified',
      "22: '__proto__.polluted' is not a valid field name",
    ]);
  });

  it('names a missing rules directory', async () => {
    const missing = join(dir, 'nope');
    const problems = await lintRules(missing);
    expect(problems).toHaveLength(1);
    expect(formatProblem(problems[0]!)).toMatch(new RegExp(`^${missing}:1:1: cannot read rules directory`));
  });
});
