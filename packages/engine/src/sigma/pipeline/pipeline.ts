import type { Matcher, SourceLocation } from '../types.ts';
import { withRequirementsOfAll } from '../requirement.ts';

/**
 * Processing pipelines: how a Sigma rule written for a logsource (`product: linux, service:
 * sshd`, `category: webserver`) meets Vigil's ECS events. A subset of pySigma's processing
 * pipeline YAML, so pipelines written for it read the same:
 * - `field_name_mapping` renames the rule's field names (`cs-uri-query` → `url.query`; a list
 *   of targets matches any of them);
 * - `field_name_prefix_mapping` renames by prefix;
 * - `add_condition` adds event conditions every rule of the logsource must also meet
 *   (`process.name: sshd`), written as a Sigma search (a mapping, or a list of mappings: any);
 * - `vars` give the values of `%placeholder%`s in values with the `expand` modifier.
 * Each transformation applies to the rules its `rule_conditions` select, all of them or any
 * (`rule_cond_op: or`); pipelines apply in `priority` order, lowest first.
 */

/** Selects rules by logsource: each attribute given must equal the rule's; attributes left out match any rule. */
export interface LogsourceCondition {
  readonly category?: string;
  readonly product?: string;
  readonly service?: string;
}

/** What every transformation has: its id and the rules it applies to. */
interface TransformationBase {
  readonly id: string;
  /** Empty: every rule. */
  readonly ruleConditions: readonly LogsourceCondition[];
  /** `and`: every condition must select the rule; `or`: any. */
  readonly ruleConditionOp: 'and' | 'or';
  readonly location: SourceLocation;
}

/** One step of a pipeline. */
export type Transformation =
  | (TransformationBase & { readonly kind: 'field_name_mapping'; readonly mapping: ReadonlyMap<string, readonly string[]> })
  | (TransformationBase & { readonly kind: 'field_name_prefix_mapping'; readonly mapping: ReadonlyMap<string, string> })
  | (TransformationBase & { readonly kind: 'add_condition'; readonly condition: Matcher });

/** A loaded pipeline. */
export interface Pipeline {
  readonly name: string;
  readonly priority: number;
  /** Placeholder name → its values, for the `expand` modifier. */
  readonly vars: ReadonlyMap<string, readonly string[]>;
  readonly transformations: readonly Transformation[];
  readonly location: SourceLocation;
}

/** What the pipelines make of one logsource: how its rules' field names map, the conditions its events meet, the placeholders' values. */
export class RuleMapping {
  /** The `add_condition` conditions, all of which an event must meet (undefined: none). Shared by every rule of the logsource. */
  readonly condition: Matcher | undefined;
  readonly vars: ReadonlyMap<string, readonly string[]>;
  readonly #steps: readonly Transformation[];
  readonly #cache = new Map<string, readonly string[]>();

  constructor(steps: readonly Transformation[], vars: ReadonlyMap<string, readonly string[]>) {
    this.#steps = steps.filter((step) => step.kind !== 'add_condition');
    this.vars = vars;
    const conditions = steps.flatMap((step) => (step.kind === 'add_condition' ? [step.condition] : []));
    this.condition = conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : withRequirementsOfAll((ctx) => conditions.every((condition) => condition(ctx)), conditions);
  }

  /** The event fields a rule's field name stands for (itself when no mapping renames it). */
  fieldNames(field: string): readonly string[] {
    let names = this.#cache.get(field);
    if (names === undefined) {
      names = this.#steps.reduce<readonly string[]>((current, step) => current.flatMap((name) => rename(step, name)), [field]);
      names = [...new Set(names)];
      this.#cache.set(field, names);
    }
    return names;
  }
}

function rename(step: Transformation, name: string): readonly string[] {
  if (step.kind === 'field_name_mapping') return step.mapping.get(name) ?? [name];
  if (step.kind === 'field_name_prefix_mapping') {
    for (const [prefix, replacement] of step.mapping) if (name.startsWith(prefix)) return [replacement + name.slice(prefix.length)];
  }
  return [name];
}

/** The loaded pipelines, in the order they apply. */
export class Pipelines {
  /** No pipelines: field names are used as written and no logsource adds conditions. */
  static readonly NONE = new Pipelines([]);
  readonly list: readonly Pipeline[];
  readonly #mappings = new Map<string, RuleMapping>();

  constructor(pipelines: readonly Pipeline[]) {
    this.list = [...pipelines].sort((a, b) => a.priority - b.priority);
  }

  /** The mapping for rules of a logsource; one object per distinct logsource, so rules share their condition. */
  mappingFor(logsource: Readonly<Record<string, string>>): RuleMapping {
    const key = `${logsource.category ?? ''}\u0000${logsource.product ?? ''}\u0000${logsource.service ?? ''}`;
    let mapping = this.#mappings.get(key);
    if (!mapping) {
      const steps = this.list.flatMap((pipeline) => pipeline.transformations.filter((step) => selects(step, logsource)));
      const vars = new Map<string, readonly string[]>();
      for (const pipeline of this.list) for (const [name, values] of pipeline.vars) vars.set(name, values);
      mapping = new RuleMapping(steps, vars);
      this.#mappings.set(key, mapping);
    }
    return mapping;
  }
}

function selects(step: Transformation, logsource: Readonly<Record<string, string>>): boolean {
  if (step.ruleConditions.length === 0) return true;
  const test = (condition: LogsourceCondition) =>
    (condition.category === undefined || condition.category === logsource.category) &&
    (condition.product === undefined || condition.product === logsource.product) &&
    (condition.service === undefined || condition.service === logsource.service);
  return step.ruleConditionOp === 'or' ? step.ruleConditions.some(test) : step.ruleConditions.every(test);
}
