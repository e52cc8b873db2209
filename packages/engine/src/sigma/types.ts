import type { AlertSeverity } from '@vigil/schema';
import type { EventContext } from './event-context.ts';
import type { RuleMapping } from './pipeline/pipeline.ts';

/** Where something is in a rule file (1-based line and column). */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/** One problem found while loading rules, with the file and line it is on. */
export interface RuleProblem extends SourceLocation {
  readonly message: string;
  /** The rule's id or title, when the problem belongs to one rule. */
  readonly rule?: string;
}

/** A compiled test over one event; reads fields through the shared per-event context. */
export type Matcher = (ctx: EventContext) => boolean;

/** Sigma `status` values. */
export const RULE_STATUSES = ['stable', 'test', 'experimental', 'deprecated', 'unsupported'] as const;
/** A Sigma `status`. */
export type RuleStatus = (typeof RULE_STATUSES)[number];

/** Sigma correlation types. */
export const CORRELATION_TYPES = ['event_count', 'value_count', 'temporal', 'temporal_ordered'] as const;
/** A Sigma correlation type. */
export type CorrelationType = (typeof CORRELATION_TYPES)[number];

/** Comparison operators of a correlation `condition`. */
export const CONDITION_OPERATORS = ['gt', 'gte', 'lt', 'lte', 'eq', 'neq'] as const;
/** A correlation condition operator. */
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** One `op: value` term of a correlation condition; all terms must hold (that is how ranges are written). */
export interface ConditionTerm {
  readonly op: ConditionOperator;
  readonly value: number;
}

/** What every rule has, detection or correlation. */
export interface RuleMeta {
  readonly id: string;
  /** The Sigma `name` other rules use to reference this one. */
  readonly name: string | undefined;
  readonly title: string;
  readonly status: RuleStatus | undefined;
  readonly description: string | undefined;
  readonly references: readonly string[];
  readonly author: string | undefined;
  readonly date: string | undefined;
  readonly modified: string | undefined;
  readonly tags: readonly string[];
  /** Sigma `level`; `medium` when the rule does not say. */
  readonly level: AlertSeverity;
  readonly falsepositives: readonly string[];
  readonly fields: readonly string[];
  readonly location: SourceLocation;
  /**
   * Vigil extension (`vigil: {group-by: [...]}`): the fields that identify the subject of a
   * single-event rule's alert (dedup key and `vigil.alert.group`). Correlations use their own `group-by`.
   */
  readonly groupBy: readonly string[];
  /** Vigil extension (`vigil: {message: ...}`): the alert message template. */
  readonly messageTemplate: string | undefined;
}

/** A single-event Sigma rule, compiled. */
export interface DetectionRule extends RuleMeta {
  readonly kind: 'detection';
  readonly logsource: Readonly<Record<string, string>>;
  /** True when the event matches the rule's detection (the logsource's condition aside). */
  readonly matcher: Matcher;
  /**
   * What the pipelines make of the rule's logsource: its field names' event fields and the
   * condition (`logsourceCondition`) an event of that logsource meets. Rules of one logsource
   * share the object, so the engine tests the condition once per event for all of them.
   */
  readonly mapping: RuleMapping;
}

/** The `correlation:` block of a Sigma correlation rule, validated. */
export interface CorrelationSpec {
  readonly type: CorrelationType;
  /** Referenced rules as written (names or ids); the ruleset resolves them. */
  readonly rules: readonly string[];
  /** Where each entry of `rules` is written, for reference errors. */
  readonly ruleLocations: readonly SourceLocation[];
  readonly groupBy: readonly string[];
  readonly timespan: string;
  readonly timespanMs: number;
  /** Empty for temporal types without a condition (all referenced rules must appear). */
  readonly condition: readonly ConditionTerm[];
  /** `condition.field` of a value_count correlation. */
  readonly field: string | undefined;
  /** True when the referenced rules still raise their own alerts. */
  readonly generate: boolean;
  /** alias name → referenced rule name or id → field name in that rule's events. */
  readonly aliases: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** A Sigma correlation rule. */
export interface CorrelationRule extends RuleMeta {
  readonly kind: 'correlation';
  readonly correlation: CorrelationSpec;
}

/** Any loaded rule. */
export type SigmaRule = DetectionRule | CorrelationRule;
