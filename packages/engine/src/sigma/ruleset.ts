import { correlationFieldPath, EVENT_FIELDS_READ } from '../correlation/field-path.ts';
import { templateFields } from '../alerts/alert-message.ts';
import { DEFAULT_GEOIP_FIELDS } from '../enrich/geoip/config.ts';
import { DEFAULT_MATCH_FIELDS } from '../enrich/intel/match-fields.ts';
import { EventContext, FieldTable } from './event-context.ts';
import type { CorrelationRule, DetectionRule, RuleProblem, SigmaRule } from './types.ts';

/** A rule feeding a correlation: which correlation, at which position of its `rules` list. */
export interface CorrelationInput {
  readonly correlation: CorrelationRule;
  readonly position: number;
}

/**
 * A loaded, cross-checked set of rules: ids and names are unique, every correlation
 * reference resolves, there are no reference cycles, and correlations are ordered so that a
 * correlation comes after every correlation it reads from.
 */
export class Ruleset {
  /** Every rule, in load order. */
  readonly rules: readonly SigmaRule[];
  /** Single-event rules, in load order. */
  readonly detections: readonly DetectionRule[];
  /** Correlation rules, inner ones before the ones that reference them. */
  readonly correlations: readonly CorrelationRule[];
  /** The field slots the compiled rules read through. */
  readonly fields: FieldTable;
  /**
   * The fields of an event an alert can show or a correlation can group by: the source,
   * destination and host objects, the fields of message templates and every group-by and
   * value field. Each has a slot. A hit routed to another engine carries these, not the event.
   */
  readonly shownFields: readonly string[];
  readonly #byId: ReadonlyMap<string, SigmaRule>;
  readonly #inputs: ReadonlyMap<string, readonly SigmaRule[]>;
  readonly #consumers: ReadonlyMap<string, readonly CorrelationInput[]>;
  readonly #generating: ReadonlySet<string>;

  constructor(parts: {
    rules: readonly SigmaRule[];
    correlations: readonly CorrelationRule[];
    fields: FieldTable;
    shownFields?: readonly string[];
    inputs: ReadonlyMap<string, readonly SigmaRule[]>;
    consumers: ReadonlyMap<string, readonly CorrelationInput[]>;
    /** The rules that raise their own alerts; worked out from `consumers` when absent. */
    generating?: ReadonlySet<string>;
  }) {
    this.rules = parts.rules;
    this.detections = parts.rules.filter((rule): rule is DetectionRule => rule.kind === 'detection');
    this.correlations = parts.correlations;
    this.fields = parts.fields;
    this.shownFields = parts.shownFields ?? [];
    this.#byId = new Map(parts.rules.map((rule) => [rule.id, rule]));
    this.#inputs = parts.inputs;
    this.#consumers = parts.consumers;
    this.#generating =
      parts.generating ??
      new Set(
        parts.rules
          .filter((rule) => {
            if (rule.kind === 'correlation') return true;
            const consumers = parts.consumers.get(rule.id) ?? [];
            return consumers.length === 0 || consumers.some(({ correlation }) => correlation.correlation.generate);
          })
          .map((rule) => rule.id),
      );
  }

  /** A rule by id. */
  get(id: string): SigmaRule | undefined {
    return this.#byId.get(id);
  }

  /** The rules a correlation reads, in the order of its `rules` list. */
  inputsOf(correlation: CorrelationRule): readonly SigmaRule[] {
    return this.#inputs.get(correlation.id) ?? [];
  }

  /** The correlations a rule's matches feed. */
  consumersOf(rule: SigmaRule): readonly CorrelationInput[] {
    return this.#consumers.get(rule.id) ?? [];
  }

  /**
   * True when the rule raises its own alerts. Correlations always do (a brute force is worth
   * an alert even when a wider correlation builds on it). A single-event rule does when no
   * correlation references it, or one of those that do says `generate: true`.
   */
  generatesAlerts(rule: SigmaRule): boolean {
    return this.#generating.has(rule.id);
  }

  /** A fresh per-event field cache for this ruleset's matchers. */
  createContext(): EventContext {
    return new EventContext(this.fields);
  }

  /**
   * The rules with these ids and every rule their correlations read (transitively), as a
   * ruleset of their own that behaves as they do here: a rule raises alerts in the subset
   * exactly when it does in this set, even when the correlation consuming it is left out.
   * Throws on an id this set does not have.
   */
  subset(ids: Iterable<string>): Ruleset {
    const keep = new Set<string>();
    const visit = (rule: SigmaRule): void => {
      if (keep.has(rule.id)) return;
      keep.add(rule.id);
      if (rule.kind === 'correlation') for (const input of this.inputsOf(rule)) visit(input);
    };
    for (const id of ids) {
      const rule = this.#byId.get(id);
      if (!rule) throw new Error(`the ruleset has no rule with id ${id}`);
      visit(rule);
    }
    const correlations = this.correlations.filter((rule) => keep.has(rule.id));
    const consumers = new Map<string, readonly CorrelationInput[]>();
    for (const id of keep) {
      const kept = (this.#consumers.get(id) ?? []).filter(({ correlation }) => keep.has(correlation.id));
      if (kept.length > 0) consumers.set(id, kept);
    }
    return new Ruleset({
      rules: this.rules.filter((rule) => keep.has(rule.id)),
      correlations,
      fields: this.fields,
      shownFields: this.shownFields,
      inputs: new Map(correlations.map((rule) => [rule.id, this.inputsOf(rule)])),
      consumers,
      generating: new Set([...keep].filter((id) => this.#generating.has(id))),
    });
  }
}

/** The objects of an event an alert document shows (see `alertDocument`). */
const SHOWN_OBJECTS = ['source', 'destination', 'host'];

/**
 * The fields enrichment reads by default (GeoIP addresses, threat-intel lookups; assets read
 * `host` and `destination`), so the engine owning a correlation can enrich the event that makes
 * it fire from what its hits carry (an event whose hits only feed correlations travels
 * unenriched), and the threat-intel matches it writes (GeoIP writes inside the shown objects).
 * The fields of a configured enrichment come as `buildRuleset`'s `moreShownFields`.
 */
const ENRICHMENT_FIELDS = [...DEFAULT_GEOIP_FIELDS, ...DEFAULT_MATCH_FIELDS.map(({ field }) => field), 'threat.enrichments'];

/** Cross-checks parsed rules and builds the ruleset; problems are appended to `problems`. */
export function buildRuleset(rules: readonly SigmaRule[], fields: FieldTable, problems: RuleProblem[], moreShownFields: readonly string[] = []): Ruleset {
  const byRef = new Map<string, SigmaRule>();
  const accepted: SigmaRule[] = [];
  for (const rule of rules) {
    const clash = [rule.id, rule.name].find((ref) => ref !== undefined && byRef.has(ref));
    if (clash !== undefined) {
      const other = byRef.get(clash)!;
      problems.push({ ...rule.location, rule: rule.id, message: `duplicate rule id or name '${clash}' (first defined at ${other.location.file}:${other.location.line})` });
      continue;
    }
    byRef.set(rule.id, rule);
    if (rule.name !== undefined) byRef.set(rule.name, rule);
    accepted.push(rule);
  }

  const inputs = new Map<string, SigmaRule[]>();
  const consumers = new Map<string, CorrelationInput[]>();
  const valid: CorrelationRule[] = [];
  for (const rule of accepted) {
    if (rule.kind !== 'correlation') continue;
    const resolved = resolveInputs(rule, byRef, problems);
    if (!resolved) continue;
    inputs.set(rule.id, resolved);
    valid.push(rule);
  }
  const ordered = orderCorrelations(valid, inputs, problems);
  const orderedIds = new Set(ordered.map((rule) => rule.id));
  for (const correlation of ordered) {
    for (const [position, input] of inputs.get(correlation.id)!.entries()) {
      const list = consumers.get(input.id) ?? [];
      list.push({ correlation, position });
      consumers.set(input.id, list);
    }
  }
  const kept = accepted.filter((rule) => rule.kind === 'detection' || orderedIds.has(rule.id));
  // Detection reads these on every hit: with a slot each, it finds them in an event's text without parsing it.
  for (const path of EVENT_FIELDS_READ) fields.slot(path);
  const shown = new Set<string>([...SHOWN_OBJECTS, ...ENRICHMENT_FIELDS, ...moreShownFields]);
  for (const rule of kept) {
    if (rule.kind === 'detection') for (const field of rule.groupBy) shown.add(rule.mapping.fieldNames(field)[0]!);
    for (const field of templateFields(rule.messageTemplate)) shown.add(field);
  }
  for (const correlation of ordered) {
    const spec = correlation.correlation;
    for (const input of inputs.get(correlation.id)!) for (const field of [...spec.groupBy, ...(spec.field ? [spec.field] : [])]) shown.add(correlationFieldPath(spec, input, field));
  }
  // A field inside a shown object travels with the object.
  const shownFields = [...shown].filter((path) => !SHOWN_OBJECTS.some((object) => path.startsWith(`${object}.`)));
  for (const path of shown) fields.slot(path);
  return new Ruleset({ rules: kept, correlations: ordered, fields, shownFields, inputs, consumers });
}

function resolveInputs(rule: CorrelationRule, byRef: ReadonlyMap<string, SigmaRule>, problems: RuleProblem[]): SigmaRule[] | undefined {
  const spec = rule.correlation;
  const resolved: SigmaRule[] = [];
  let ok = true;
  for (const [index, ref] of spec.rules.entries()) {
    const input = byRef.get(ref);
    if (!input) {
      problems.push({ ...(spec.ruleLocations[index] ?? rule.location), rule: rule.id, message: `correlation references unknown rule '${ref}' (no rule has this id or name)` });
      ok = false;
    } else if (input.id === rule.id) {
      problems.push({ ...(spec.ruleLocations[index] ?? rule.location), rule: rule.id, message: 'a correlation cannot reference itself' });
      ok = false;
    } else {
      resolved.push(input);
    }
  }
  for (const [alias, mapping] of Object.entries(spec.aliases)) {
    for (const ref of Object.keys(mapping)) {
      if (!resolved.some((input) => input.id === ref || input.name === ref)) {
        problems.push({ ...rule.location, rule: rule.id, message: `alias '${alias}' maps rule '${ref}', which this correlation does not reference` });
        ok = false;
      }
    }
  }
  return ok ? resolved : undefined;
}

function orderCorrelations(correlations: readonly CorrelationRule[], inputs: ReadonlyMap<string, readonly SigmaRule[]>, problems: RuleProblem[]): CorrelationRule[] {
  const ordered: CorrelationRule[] = [];
  const state = new Map<string, 'visiting' | 'done' | 'broken'>();
  const byId = new Map(correlations.map((rule) => [rule.id, rule]));
  const visit = (rule: CorrelationRule, path: string[]): boolean => {
    const current = state.get(rule.id);
    if (current === 'done') return true;
    if (current === 'broken') return false;
    if (current === 'visiting') {
      problems.push({ ...rule.location, rule: rule.id, message: `correlation reference cycle: ${[...path, rule.id].join(' → ')}` });
      return false;
    }
    state.set(rule.id, 'visiting');
    let ok = true;
    for (const input of inputs.get(rule.id) ?? []) {
      if (input.kind !== 'correlation') continue;
      const inner = byId.get(input.id);
      if (!inner || !visit(inner, [...path, rule.id])) ok = false;
    }
    state.set(rule.id, ok ? 'done' : 'broken');
    if (ok) ordered.push(rule);
    return ok;
  };
  for (const rule of correlations) visit(rule, []);
  return ordered;
}
