import type { EventContext } from '../sigma/event-context.ts';
import { requirementsOf, type Requirement } from '../sigma/requirement.ts';
import type { DetectionRule, Matcher } from '../sigma/types.ts';

/**
 * The detections that share a logsource's condition, tested once per event, and an index of
 * the literals their matches require (`requirementsOf`): `event.action: ssh_login` in a rule
 * means an event whose action is anything else cannot match it. Per event, one lookup per
 * indexed field marks the rules the event may match; the others are skipped without running
 * their matchers. Rules whose matches require nothing that can be told always run.
 */
export class RuleGroup {
  readonly condition: Matcher | undefined;
  readonly rules: readonly DetectionRule[];
  /** Per rule: whether it runs only when the index marks it. */
  readonly #indexed: readonly boolean[];
  /** Per indexed field: the positions of the rules each lowercased value may match. */
  readonly #index: readonly { readonly slot: number; readonly byLiteral: ReadonlyMap<string, readonly number[]> }[];
  /** Per rule: the event serial it was last marked for. */
  readonly #marked: Float64Array;

  constructor(condition: Matcher | undefined, rules: readonly DetectionRule[]) {
    this.condition = condition;
    this.rules = rules;
    const bySlot = new Map<number, Map<string, number[]>>();
    const chosen = chooseRequirements(rules.map((rule) => requirementsOf(rule.matcher)));
    this.#indexed = rules.map((_rule, position) => {
      const requirement = chosen[position];
      if (requirement === undefined) return false;
      let byLiteral = bySlot.get(requirement.slot);
      if (!byLiteral) bySlot.set(requirement.slot, (byLiteral = new Map()));
      for (const literal of requirement.literals) {
        const positions = byLiteral.get(literal);
        if (positions) positions.push(position);
        else byLiteral.set(literal, [position]);
      }
      return true;
    });
    this.#index = [...bySlot].map(([slot, byLiteral]) => ({ slot, byLiteral }));
    this.#marked = new Float64Array(rules.length).fill(-1);
  }

  /** Marks the rules the event in `ctx` (numbered `serial`) may match. */
  markCandidates(ctx: EventContext, serial: number): void {
    for (const { slot, byLiteral } of this.#index) {
      const value = ctx.lower(slot);
      if (typeof value === 'string') {
        this.#mark(byLiteral.get(value), serial);
      } else if (value !== undefined) {
        for (const element of value) if (element !== undefined) this.#mark(byLiteral.get(element), serial);
      }
    }
  }

  /** Whether rule `position` is to run on the event `markCandidates` last marked for `serial`. */
  isCandidate(position: number, serial: number): boolean {
    return !this.#indexed[position] || this.#marked[position] === serial;
  }

  #mark(positions: readonly number[] | undefined, serial: number): void {
    if (positions === undefined) return;
    for (const position of positions) this.#marked[position] = serial;
  }
}

/**
 * For each rule, the one of its requirements to index it by: the one on the field whose values
 * tell the group's rules apart best (the most distinct literals across the group: `event.action`
 * rather than `event.dataset`, which most rules of a logsource share), then the fewest literals.
 */
function chooseRequirements(perRule: readonly (readonly Requirement[])[]): (Requirement | undefined)[] {
  const distinct = new Map<number, Set<string>>();
  for (const requirements of perRule) {
    for (const { slot, literals } of requirements) {
      const seen = distinct.get(slot) ?? new Set<string>();
      for (const literal of literals) seen.add(literal);
      distinct.set(slot, seen);
    }
  }
  const spread = (requirement: Requirement) => distinct.get(requirement.slot)!.size;
  return perRule.map((requirements) => {
    let best: Requirement | undefined;
    for (const requirement of requirements) {
      if (best === undefined || spread(requirement) > spread(best) || (spread(requirement) === spread(best) && requirement.literals.size < best.literals.size)) best = requirement;
    }
    return best;
  });
}

/** The detections grouped by their logsource's condition (undefined: none), in first-seen order. */
export function groupRules(detections: readonly DetectionRule[]): RuleGroup[] {
  const groups = new Map<Matcher | undefined, DetectionRule[]>();
  for (const rule of detections) {
    const group = groups.get(rule.mapping.condition);
    if (group) group.push(rule);
    else groups.set(rule.mapping.condition, [rule]);
  }
  return [...groups].map(([condition, rules]) => new RuleGroup(condition, rules));
}
