import type { EventContext } from '../sigma/event-context.ts';
import { alternativesOf, requirementsOf, type Requirement } from '../sigma/requirement.ts';
import type { DetectionRule, Matcher } from '../sigma/types.ts';

/**
 * Marks, per event, the items (a group's rules, the groups) the event may match, from the
 * literals their matches require (`requirement.ts`): one lookup per indexed field. An item is
 * marked when one of its requirements holds; an item with none to tell is always a candidate.
 */
export class CandidateIndex {
  /** Per item: whether it is a candidate only when marked. */
  readonly #indexed: readonly boolean[];
  /** Per indexed field: the items each lowercased value may be a candidate for. */
  readonly #index: readonly { readonly slot: number; readonly byLiteral: ReadonlyMap<string, readonly number[]> }[];
  /** Per item: the event serial it was last marked for. */
  readonly #marked: Float64Array;

  /** `perItem`: requirements one of which holds whenever the item matches; undefined when none can be told. */
  constructor(perItem: readonly (readonly Requirement[] | undefined)[]) {
    const bySlot = new Map<number, Map<string, number[]>>();
    this.#indexed = perItem.map((requirements, position) => {
      if (requirements === undefined || requirements.length === 0) return false;
      for (const { slot, literals } of requirements) {
        let byLiteral = bySlot.get(slot);
        if (!byLiteral) bySlot.set(slot, (byLiteral = new Map()));
        for (const literal of literals) {
          const positions = byLiteral.get(literal);
          if (!positions) byLiteral.set(literal, [position]);
          else if (!positions.includes(position)) positions.push(position);
        }
      }
      return true;
    });
    this.#index = [...bySlot].map(([slot, byLiteral]) => ({ slot, byLiteral }));
    this.#marked = new Float64Array(perItem.length).fill(-1);
  }

  /** Marks the items the event in `ctx` (numbered `serial`) may match. */
  markCandidates(ctx: EventContext, serial: number): void {
    for (const { slot, byLiteral } of this.#index) {
      const value = ctx.lower(slot);
      if (typeof value === 'string') {
        this.#mark(byLiteral.get(value), serial);
      } else if (value !== undefined) {
        // Indexed: lists may be frozen (shared between events), and for-of over those allocates an iterator.
        for (let i = 0; i < value.length; i++) {
          const element = value[i];
          if (element !== undefined) this.#mark(byLiteral.get(element), serial);
        }
      }
    }
  }

  /** Whether item `position` may match the event `markCandidates` last marked for `serial`. */
  isCandidate(position: number, serial: number): boolean {
    return !this.#indexed[position] || this.#marked[position] === serial;
  }

  #mark(positions: readonly number[] | undefined, serial: number): void {
    if (positions === undefined) return;
    for (const position of positions) this.#marked[position] = serial;
  }
}

/**
 * The detections that share a logsource's condition, tested once per event, and an index of
 * the literals their matches require: `event.action: ssh_login` in a rule means an event whose
 * action is anything else cannot match it. Rules whose matches require nothing that can be told
 * always run.
 */
export class RuleGroup {
  readonly condition: Matcher | undefined;
  readonly rules: readonly DetectionRule[];
  readonly candidates: CandidateIndex;

  constructor(condition: Matcher | undefined, rules: readonly DetectionRule[]) {
    this.condition = condition;
    this.rules = rules;
    this.candidates = new CandidateIndex(chooseRequirements(rules.map((rule) => requirementsOf(rule.matcher))).map((requirement) => requirement && [requirement]));
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

/** The groups' logsource conditions indexed by the literals they require (a group without a condition is always a candidate). */
export function groupIndex(groups: readonly RuleGroup[]): CandidateIndex {
  return new CandidateIndex(groups.map((group) => group.condition && alternativesOf(group.condition)));
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
