import { describe, expect, it } from 'vitest';
import { parseRuleSources } from '../sigma/loader.ts';
import { selectRules } from './rule-selection.ts';

const RULES = `title: Failed SSH login
id: 8f0c1f8e-3f61-4b8e-9a43-2f7a4c1e6d01
name: failed_login
logsource: {product: linux, service: sshd}
detection: {sel: {process.name: sshd, event.outcome: failure}, condition: sel}
---
title: Accepted SSH login
id: 3b8e2d17-5c0a-4f6e-8d2b-9e4a7c1f0b02
name: accepted_login
logsource: {product: linux, service: sshd}
detection: {sel: {process.name: sshd, event.outcome: success}, condition: sel}
---
title: SSH brute force
id: 6d2f9a40-1b7e-4c3d-a5f8-0e9b2c4d7a03
name: brute_force
level: high
correlation: {type: event_count, rules: [failed_login], group-by: [source.ip], timespan: 5m, condition: {gte: 5}}
---
title: Brute force then login
id: c4a1e7b2-9d3f-4e5a-8b6c-1f2e3d4c5b04
level: critical
correlation: {type: temporal_ordered, rules: [brute_force, accepted_login], group-by: [source.ip], timespan: 10m}
---
title: Sudo to root
id: 0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c05
logsource: {product: linux, service: sudo}
detection: {sel: {process.name: sudo}, condition: sel}
`;

function ruleset() {
  const { ruleset, problems } = parseRuleSources([{ file: 'rules.yml', text: RULES }]);
  expect(problems).toEqual([]);
  return ruleset;
}

describe('selectRules', () => {
  it('takes rules by id or name and brings the rules their correlations read, transitively', () => {
    const selection = selectRules(ruleset(), ['c4a1e7b2-9d3f-4e5a-8b6c-1f2e3d4c5b04']);
    expect(selection.ruleset.rules.map((rule) => rule.title)).toEqual(['Failed SSH login', 'Accepted SSH login', 'SSH brute force', 'Brute force then login']);
    expect([...selection.selected]).toEqual(['c4a1e7b2-9d3f-4e5a-8b6c-1f2e3d4c5b04']);
    expect(selection.ruleset.correlations.map((rule) => rule.name ?? rule.title)).toEqual(['brute_force', 'Brute force then login']);

    const mixed = selectRules(ruleset(), ['brute_force', '0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c05']);
    expect(mixed.ruleset.rules.map((rule) => rule.title)).toEqual(['Failed SSH login', 'SSH brute force', 'Sudo to root']);
  });

  it('keeps each rule raising alerts as it does in the whole set', () => {
    const whole = ruleset();
    const selection = selectRules(whole, ['brute_force']);
    const [failed, bruteForce] = selection.ruleset.rules;
    expect(selection.ruleset.generatesAlerts(failed!)).toBe(false);
    expect(selection.ruleset.generatesAlerts(bruteForce!)).toBe(true);
    // Alone, the building block still raises nothing: the correlation that consumes it is what alerts, in the engine too.
    const alone = selectRules(whole, ['failed_login']);
    expect(alone.ruleset.rules.map((rule) => rule.name)).toEqual(['failed_login']);
    expect(alone.ruleset.consumersOf(alone.ruleset.rules[0]!)).toEqual([]);
    expect(alone.ruleset.generatesAlerts(alone.ruleset.rules[0]!)).toBe(false);
    // The correlation inside the subset still receives its input's hits.
    expect(selection.ruleset.consumersOf(failed!).map(({ correlation }) => correlation.name)).toEqual(['brute_force']);
  });

  it('takes every rule for all', () => {
    const whole = ruleset();
    const selection = selectRules(whole, 'all');
    expect(selection.ruleset).toBe(whole);
    expect(selection.selected.size).toBe(5);
  });

  it('names every reference no rule has', () => {
    const select = () => selectRules(ruleset(), ['brute_force', 'ssh_brute', 'Sudo to root', 'ssh_brute']);
    expect(select).toThrow(expect.objectContaining({ code: 'VIGIL_ERR_BACKTEST_UNKNOWN_RULE', status: 400, message: 'unknown rule(s) "ssh_brute", "Sudo to root": no loaded rule has this id or name' }));
  });
});
