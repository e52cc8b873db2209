import { MAX_ALERT_EVENT_IDS } from '@vigil/schema';
import { scalarText } from '../sigma/event-context.ts';
import { ownedText } from '../sigma/string-ownership.ts';
import type { CorrelationInput, Ruleset } from '../sigma/ruleset.ts';
import type { ConditionTerm, CorrelationRule } from '../sigma/types.ts';
import { correlationFieldPath } from './field-path.ts';
import { GroupState, idsOf, type Entry, type Window } from './group-state.ts';
import { LazyEventHit, type RuleHit } from './types.ts';

/** Limits of the correlation state (see `detectionConfigSchema`). */
export interface CorrelatorOptions {
  readonly maxGroupsPerCorrelation: number;
  readonly maxEntriesPerGroup: number;
}

/** Counters of what the correlator dropped or expired, for metrics. */
export interface CorrelatorStats {
  /** Groups removed because the group cap was reached. */
  groupsEvicted: number;
  /** Groups removed because they were idle for two timespans. */
  groupsExpired: number;
  /** Hits ignored because they were more than a timespan older than their group's newest. */
  lateHits: number;
  /** Entries dropped because a group reached its entry cap. */
  entriesDropped: number;
  /** Hits ignored because a group-by (or value_count) field was missing. */
  ungroupedHits: number;
}

/** The group of one correlation a hit joins, and the key of its entry there (value_count: the value; temporal: the rule's position). */
export interface CorrelationSlot {
  readonly input: CorrelationInput;
  readonly values: Readonly<Record<string, string>>;
  readonly groupKey: string;
  readonly key: string | number | null;
}

/** A field a correlation reads from its inputs' events: as the rule names it after mapping, and split. */
interface FieldPath {
  readonly dotted: string;
  readonly parts: readonly string[];
}

interface Compiled {
  readonly rule: CorrelationRule;
  readonly timespanMs: number;
  /** Per input position: per group-by field, the path to read. */
  readonly groupPaths: readonly (readonly FieldPath[])[];
  /** Per input position: the path of the value_count field. */
  readonly valuePaths: readonly FieldPath[] | undefined;
  readonly groups: Map<string, GroupState>;
  /** How stale a group's touch time may get, and how often idle groups are swept (timespan / 16). */
  readonly slackMs: number;
  nextSweep: number;
  /** event_count: the event (and group) counted last, so an event two referenced rules match counts once. */
  lastEvent: number | undefined;
  lastGroupKey: string | undefined;
}

/**
 * Streams rule hits through Sigma correlation rules (event_count, value_count, temporal,
 * temporal_ordered). State is kept per (correlation, group-by values):
 *
 * - event_count counts events: a line syslog folded ("message repeated 5 times") counts as
 *   its `vigil.aggregation.count`; a hit of another correlation counts once.
 * - A hit joins its group at its event time. Hits up to one timespan older than the group's
 *   newest are placed in order; older ones are counted as late and ignored.
 * - The condition is checked on the busiest timespan-long window that contains the new hit
 *   (for in-order hits: the window ending at it). Windows include both ends: two events
 *   exactly one timespan apart are in the same window.
 * - Each firing reports only events not reported before, so an ongoing attack grows one alert.
 * - Groups untouched while the watermark (newest event time seen) moves two timespans expire
 *   (checked every sixteenth of a timespan);
 *   at most `maxGroupsPerCorrelation` groups are kept (least recently touched evicted) and at
 *   most `maxEntriesPerGroup` entries per group (oldest dropped). Every drop is counted.
 */
export class Correlator {
  readonly stats: CorrelatorStats = { groupsEvicted: 0, groupsExpired: 0, lateHits: 0, entriesDropped: 0, ungroupedHits: 0 };
  readonly #ruleset: Ruleset;
  readonly #options: CorrelatorOptions;
  readonly #compiled = new Map<string, Compiled>();
  #watermark = Number.NEGATIVE_INFINITY;

  constructor(ruleset: Ruleset, options: CorrelatorOptions) {
    this.#ruleset = ruleset;
    this.#options = options;
    for (const rule of ruleset.correlations) this.#compiled.set(rule.id, compile(rule, ruleset));
  }

  /** The newest event time seen (ms), or −∞ before the first hit. */
  get watermark(): number {
    return this.#watermark;
  }

  /** Number of live groups over all correlations. */
  get groupCount(): number {
    let count = 0;
    for (const compiled of this.#compiled.values()) count += compiled.groups.size;
    return count;
  }

  /** Moves the watermark forward and, every so often, expires idle groups. */
  advance(time: number): void {
    if (!(time > this.#watermark)) return;
    this.#watermark = time;
    for (const compiled of this.#compiled.values()) {
      // Sweeping walks the map from its front, past the holes that re-touching leaves there,
      // so it runs once per slice of the timespan instead of on every event.
      if (time < compiled.nextSweep) continue;
      compiled.nextSweep = time + compiled.slackMs;
      const horizon = time - 2 * compiled.timespanMs;
      // Groups are kept in (roughly) touch order, so the idle ones are at the front.
      for (const [key, group] of compiled.groups) {
        if (group.touched >= horizon) break;
        compiled.groups.delete(key);
        this.stats.groupsExpired++;
      }
    }
  }

  /** Feeds one hit to every correlation that references its rule; returns the correlation hits it caused, inner ones first. */
  observe(hit: RuleHit): RuleHit[] {
    const consumers = this.#ruleset.consumersOf(hit.rule);
    if (consumers.length === 0) return [];
    const fired: RuleHit[] = [];
    for (const input of consumers) {
      const slot = this.slotOf(input, hit);
      const result = slot && this.feed(hit, slot);
      if (!result) continue;
      fired.push(result, ...this.observe(result));
    }
    return fired;
  }

  /**
   * Where a hit joins one correlation that references its rule: the group (by its group-by
   * values) and the entry's key. Undefined, counted as ungrouped, when a group-by (or
   * value_count) field is missing. Reads the hit's event but no state: a partitioned engine
   * works slots out where the event is matched and routes the hit to the group's owner.
   */
  slotOf(input: CorrelationInput, hit: RuleHit): CorrelationSlot | undefined {
    const { correlation, position } = input;
    const compiled = this.#compiled.get(correlation.id)!;
    const spec = correlation.correlation;
    const values = groupValues(compiled.groupPaths[position]!, spec.groupBy, hit);
    let key: string | number | null = null;
    if (spec.type === 'value_count') key = fieldText(hit, compiled.valuePaths![position]!, spec.field!) ?? null;
    else if (spec.type !== 'event_count') key = position;
    if (!values || (spec.type === 'value_count' && key === null)) {
      this.stats.ungroupedHits++;
      return undefined;
    }
    const groupKey = spec.groupBy.length === 1 ? values[spec.groupBy[0]!]! : JSON.stringify(spec.groupBy.map((field) => values[field]));
    return { input, values, groupKey, key };
  }

  /** Visits every group's state (for snapshots). */
  *groups(): Iterable<{ rule: CorrelationRule; key: string; group: GroupState }> {
    for (const compiled of this.#compiled.values()) {
      for (const [key, group] of compiled.groups) yield { rule: compiled.rule, key, group };
    }
  }

  /** Restores one group (from a snapshot); entries must be in time order. False when the correlation is unknown or the entries do not fit it. */
  restoreGroup(ruleId: string, key: string, values: Record<string, string>, touched: number, entries: readonly Entry[]): boolean {
    const compiled = this.#compiled.get(ruleId);
    if (!compiled) return false;
    const type = compiled.rule.correlation.type;
    const positions = compiled.rule.correlation.rules.length;
    const fits = entries.every((entry) =>
      type === 'event_count' ? entry.k === null : type === 'value_count' ? typeof entry.k === 'string' : Number.isInteger(entry.k) && (entry.k as number) < positions,
    );
    if (!fits) return false;
    const group = new GroupState(values, compiled.timespanMs, type !== 'event_count', touched);
    for (const entry of entries) group.insert({ ...entry });
    compiled.groups.delete(key);
    compiled.groups.set(key, group);
    return true;
  }

  /** Sets the watermark directly (snapshot restore). */
  restoreWatermark(watermark: number): void {
    this.#watermark = watermark;
  }

  /** Drops all state. */
  clear(): void {
    for (const compiled of this.#compiled.values()) compiled.groups.clear();
    this.#watermark = Number.NEGATIVE_INFINITY;
  }

  /** Adds a hit to its group of one correlation (the slot `slotOf` found); the correlation hit it caused, if any. */
  feed(hit: RuleHit, { input: { correlation }, values, groupKey, key }: CorrelationSlot): RuleHit | undefined {
    const compiled = this.#compiled.get(correlation.id)!;
    const spec = correlation.correlation;
    if (spec.type === 'event_count' && hit.rule.kind === 'detection') {
      // Sigma counts events: one event matching several of the referenced rules is one event.
      if (compiled.lastEvent === hit.eventSerial && compiled.lastGroupKey === groupKey) return undefined;
      compiled.lastEvent = hit.eventSerial;
      compiled.lastGroupKey = groupKey;
    }
    const group = this.#touch(compiled, groupKey, values);
    const T = compiled.timespanMs;
    if (hit.time < group.maxT - T) {
      this.stats.lateHits++;
      return undefined;
    }
    const weight = hit.rule.kind === 'detection' ? hit.eventCount : 1;
    const ids = hit.eventIds.length === 1 ? hit.eventIds[0]! : hit.eventIds;
    const entry: Entry = { t: hit.time, f: Math.min(hit.firstTime, hit.time), k: key, ids, n: hit.eventCount, w: weight, rep: false };
    const { index, inOrder } = group.insert(entry);
    const pruned = group.prune(group.maxT - 2 * T);
    const overflow = group.entries.length - this.#options.maxEntriesPerGroup;
    if (overflow > 0) {
      group.dropOldest(overflow);
      this.stats.entriesDropped += overflow;
    }
    const at = index - pruned - Math.max(0, overflow);
    if (at < 0) return undefined;
    const window = evaluate(compiled, group, at, inOrder);
    if (!window) return undefined;
    const taken = group.takeUnreported(window.idsFrom, window.idsTo);
    if (taken.length === 0) return undefined;
    return toHit(correlation, hit, values, window.measure, taken);
  }

  #touch(compiled: Compiled, key: string, values: Readonly<Record<string, string>>): GroupState {
    let group = compiled.groups.get(key);
    if (group) {
      // Moving a group to the back of the map costs a delete and an insert; within a small
      // slice of the timespan the order is close enough for expiry and eviction.
      if (this.#watermark - group.touched < compiled.slackMs) return group;
      compiled.groups.delete(key);
    } else {
      if (compiled.groups.size >= this.#options.maxGroupsPerCorrelation) {
        const oldest = compiled.groups.keys().next().value!;
        compiled.groups.delete(oldest);
        this.stats.groupsEvicted++;
      }
      group = new GroupState(values, compiled.timespanMs, compiled.rule.correlation.type !== 'event_count', this.#watermark);
      key = sharedKey(compiled, key, values);
    }
    group.touched = Math.max(group.touched, this.#watermark);
    compiled.groups.set(key, group);
    return group;
  }
}

/**
 * A new group's key as the groups map keeps it: grouped by one field, the key is that field's
 * value, and the string the group's values hold serves for both (a hit that came through the
 * hits topic brings two equal strings; each group would keep both).
 */
function sharedKey(compiled: Compiled, key: string, values: Readonly<Record<string, string>>): string {
  const groupBy = compiled.rule.correlation.groupBy;
  return groupBy.length === 1 && values[groupBy[0]!] === key ? values[groupBy[0]!]! : key;
}

interface Firing {
  readonly measure: number;
  readonly idsFrom: number;
  readonly idsTo: number;
}

function evaluate(compiled: Compiled, group: GroupState, index: number, inOrder: boolean): Firing | undefined {
  const spec = compiled.rule.correlation;
  const entries = group.entries;
  if (spec.type === 'temporal_ordered') return orderedChain(entries, index, spec.rules.length, compiled.timespanMs);
  const window: Window = inOrder ? group.trailing() : group.busiestWindowContaining(index);
  const terms: readonly ConditionTerm[] = spec.condition.length > 0 ? spec.condition : [{ op: 'gte', value: spec.rules.length }];
  if (!terms.every((term) => holds(term, window.measure))) return undefined;
  return { measure: window.measure, idsFrom: entries[window.start]!.t, idsTo: entries[window.end]!.t };
}

/**
 * temporal_ordered: the new entry must be part of a chain rule 1 → rule 2 → … → rule n in
 * time (ties in arrival order) spanning at most one timespan. Taking the latest possible
 * predecessor and the earliest possible successor gives the shortest chain.
 */
function orderedChain(entries: readonly Entry[], index: number, positions: number, timespanMs: number): Firing | undefined {
  const self = entries[index]!;
  const k = self.k as number;
  let first = index;
  let last = index;
  let cursor = index - 1;
  for (let position = k - 1; position >= 0; position--) {
    while (cursor >= 0 && entries[cursor]!.k !== position && entries[cursor]!.t >= self.t - timespanMs) cursor--;
    if (cursor < 0 || entries[cursor]!.k !== position) return undefined;
    first = cursor--;
  }
  cursor = index + 1;
  for (let position = k + 1; position < positions; position++) {
    while (cursor < entries.length && entries[cursor]!.k !== position && entries[cursor]!.t <= self.t + timespanMs) cursor++;
    if (cursor >= entries.length || entries[cursor]!.k !== position) return undefined;
    last = cursor++;
  }
  const end = entries[last]!.t;
  if (end - entries[first]!.t > timespanMs) return undefined;
  return { measure: positions, idsFrom: end - timespanMs, idsTo: end };
}

function holds(term: ConditionTerm, measure: number): boolean {
  switch (term.op) {
    case 'gt':
      return measure > term.value;
    case 'gte':
      return measure >= term.value;
    case 'lt':
      return measure < term.value;
    case 'lte':
      return measure <= term.value;
    case 'eq':
      return measure === term.value;
    case 'neq':
      return measure !== term.value;
  }
}

function toHit(rule: CorrelationRule, cause: RuleHit, group: Readonly<Record<string, string>>, measure: number, taken: readonly Entry[]): RuleHit {
  const eventIds: string[] = [];
  let eventCount = 0;
  let firstTime = taken[0]!.f;
  for (const entry of taken) {
    eventCount += entry.n;
    firstTime = Math.min(firstTime, entry.f);
    for (const id of idsOf(entry)) if (eventIds.length < MAX_ALERT_EVENT_IDS) eventIds.push(id);
  }
  // The event that completed the correlation, parsed only when something needs all of it.
  return new LazyEventHit(cause, {
    rule,
    time: Math.max(cause.time, taken[taken.length - 1]!.t),
    firstTime,
    read: cause.read,
    eventSerial: cause.eventSerial,
    eventIds,
    eventCount,
    group,
    measure,
  });
}

function compile(rule: CorrelationRule, ruleset: Ruleset): Compiled {
  const spec = rule.correlation;
  const inputs = ruleset.inputsOf(rule);
  const pathFor = (field: string, position: number): FieldPath => {
    const dotted = correlationFieldPath(spec, inputs[position]!, field);
    return { dotted, parts: dotted.split('.') };
  };
  return {
    rule,
    timespanMs: spec.timespanMs,
    groupPaths: inputs.map((_, position) => spec.groupBy.map((field) => pathFor(field, position))),
    valuePaths: spec.field === undefined ? undefined : inputs.map((_, position) => pathFor(spec.field!, position)),
    groups: new Map(),
    slackMs: Math.max(1, Math.floor(spec.timespanMs / 16)),
    nextSweep: Number.NEGATIVE_INFINITY,
    lastEvent: undefined,
    lastGroupKey: undefined,
  };
}

function groupValues(paths: readonly FieldPath[], names: readonly string[], hit: RuleHit): Record<string, string> | undefined {
  const values: Record<string, string> = {};
  for (let i = 0; i < names.length; i++) {
    const value = fieldText(hit, paths[i]!, names[i]!);
    if (value === undefined) return undefined;
    values[names[i]!] = value;
  }
  return values;
}

/**
 * A field of a hit as text: the inner correlation's group value when it has one, else the
 * event's field, as a string of its own (correlation state keeps it; the event's text must not stay with it).
 */
function fieldText(hit: RuleHit, path: FieldPath, name: string): string | undefined {
  const fromGroup = Object.hasOwn(hit.group, name) ? hit.group[name] : Object.hasOwn(hit.group, path.dotted) ? hit.group[path.dotted] : undefined;
  if (fromGroup !== undefined) return fromGroup;
  const raw = hit.read(path.parts);
  if (Array.isArray(raw)) {
    const parts = raw.map(scalarText).filter((part): part is string => part !== undefined);
    return parts.length === 0 ? undefined : parts.join(',');
  }
  const text = scalarText(raw);
  return text === undefined ? undefined : ownedText(text);
}
