import type { EcsEvent } from '@vigil/schema';
import type { SigmaRule } from '../sigma/types.ts';

/**
 * A rule hit: one event matching a single-event rule, or a correlation firing. Hits flow from
 * rules into the correlations that reference them and into alerts.
 */
export interface RuleHit {
  readonly rule: SigmaRule;
  /** Event time of the hit's newest event (ms). */
  readonly time: number;
  /** Event time of the hit's oldest new event (ms). */
  readonly firstTime: number;
  /** The event being processed when the hit happened (parsed in full when first read; prefer `read`). Valid while that event is processed. */
  readonly event: EcsEvent;
  /** Reads one field (a split path) of that event, from its text when the rules' scan found it. */
  readonly read: (path: readonly string[]) => unknown;
  /** Tells events apart: the same number for every hit of one processed event. */
  readonly eventSerial: number;
  /** Ids of the events this hit reports for the first time, oldest first (capped). */
  readonly eventIds: readonly string[];
  /** How many events this hit reports for the first time (a folded "message repeated N times" line counts N). */
  readonly eventCount: number;
  /** Group-by field → value (a correlation's group, or a single-event rule's `vigil.group-by`). */
  readonly group: Readonly<Record<string, string>>;
  /** What a correlation's condition was evaluated on: events, distinct values, or rules seen. */
  readonly measure: number | undefined;
}
