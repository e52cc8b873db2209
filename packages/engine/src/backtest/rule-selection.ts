import type { Ruleset } from '../sigma/ruleset.ts';
import type { SigmaRule } from '../sigma/types.ts';
import { backtestErrors } from './errors.ts';

/** The rules a backtest runs: a ruleset of the rules asked for plus the rules their correlations read. */
export interface RuleSelection {
  readonly ruleset: Ruleset;
  /** Ids of the rules asked for (the others in `ruleset` are there because a correlation reads them). */
  readonly selected: ReadonlySet<string>;
}

/**
 * The rules named by id or Sigma `name`, or every rule for `all`. Throws
 * VIGIL_ERR_BACKTEST_UNKNOWN_RULE naming every reference no rule has (`details.unknown` lists them).
 */
export function selectRules(ruleset: Ruleset, rules: readonly string[] | 'all'): RuleSelection {
  if (rules === 'all') return { ruleset, selected: new Set(ruleset.rules.map((rule) => rule.id)) };
  const byRef = new Map<string, SigmaRule>();
  for (const rule of ruleset.rules) {
    byRef.set(rule.id, rule);
    if (rule.name !== undefined) byRef.set(rule.name, rule);
  }
  const unknown = [...new Set(rules.filter((ref) => !byRef.has(ref)))];
  if (unknown.length > 0) {
    throw backtestErrors.create('VIGIL_ERR_BACKTEST_UNKNOWN_RULE', { rules: unknown.map((ref) => JSON.stringify(ref)).join(', '), details: { unknown } });
  }
  const selected = new Set(rules.map((ref) => byRef.get(ref)!.id));
  return { ruleset: ruleset.subset(selected), selected };
}
