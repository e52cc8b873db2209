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

/** Field values of a hit made as a `LazyEventHit`: all of `RuleHit` but its event. */
export type HitFields = Omit<RuleHit, 'event'>;

/**
 * A rule hit whose event is `events.event`, read (and so parsed) only when something asks for
 * all of it. A class, not an object literal with a getter: V8 builds such a literal an order of
 * magnitude slower, and hits are made for every matching event. The fields are copied one by
 * one (`Object.assign` takes six times as long).
 */
export class LazyEventHit implements RuleHit {
  readonly rule: SigmaRule;
  readonly time: number;
  readonly firstTime: number;
  readonly read: (path: readonly string[]) => unknown;
  readonly eventSerial: number;
  readonly eventIds: readonly string[];
  readonly eventCount: number;
  readonly group: Readonly<Record<string, string>>;
  readonly measure: number | undefined;
  readonly #events: { readonly event: unknown };

  constructor(events: { readonly event: unknown }, fields: HitFields) {
    this.#events = events;
    this.rule = fields.rule;
    this.time = fields.time;
    this.firstTime = fields.firstTime;
    this.read = fields.read;
    this.eventSerial = fields.eventSerial;
    this.eventIds = fields.eventIds;
    this.eventCount = fields.eventCount;
    this.group = fields.group;
    this.measure = fields.measure;
  }

  get event(): EcsEvent {
    return this.#events.event as EcsEvent;
  }
}
