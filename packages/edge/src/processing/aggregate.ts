import { getField, type EcsEvent } from '@vigil/schema';
import type { ProcessingMetrics } from './metrics.ts';

/** Why a group's aggregate was emitted (the `reason` label of `vigil_edge_aggregates_total`). */
export type AggregateReason = 'window' | 'evicted' | 'flush';

export interface AggregatorOptions {
  windowMs: number;
  maxGroups: number;
  keyFields: readonly string[];
  now: () => number;
  emit: (event: EcsEvent) => void;
  metrics: ProcessingMetrics;
  /** Told about an error thrown while emitting from the window timer (nothing else throws here). */
  onTimerError: (error: unknown) => void;
}

interface Group {
  /** When the window that started with the group's first event ends (epoch ms). */
  deadline: number;
  /** Events the repeats stand for (a "message repeated N times" repeat stands for N). */
  count: number;
  /** The latest repeat, the template of the aggregate; undefined while there is none. */
  last: EcsEvent | undefined;
  start: string;
  end: string;
}

// rsyslog and syslog-ng fold repeats of one line into this wrapper; normalize keeps it in `message`.
const REPEATED = /^message repeated \d+ times: \[ ?(.*?) ?\]$/;

/**
 * Folds identical events (equal on the key fields) that arrive within `windowMs` of the first:
 * the first is emitted at once, the repeats only counted; when the window ends, the group is
 * evicted (maxGroups reached) or on flush, one event stands for the repeats: a copy of the last
 * one with `vigil.aggregation.count` (the events it stands for) and `event.start`/`event.end`
 * (the first and last repeat's receipt times).
 *
 * Groups live in a Map in creation order, and every window is equally long, so the first group
 * is always the next to close: one timer serves them all, and eviction takes the oldest.
 */
export class Aggregator {
  readonly #options: AggregatorOptions;
  readonly #groups = new Map<string, Group>();
  #timer: NodeJS.Timeout | undefined;
  #pending = 0;

  constructor(options: AggregatorOptions) {
    this.#options = options;
  }

  /** Aggregate events not emitted yet (groups that have repeats). */
  get pending(): number {
    return this.#pending;
  }

  /** Groups held, with or without repeats. */
  get groups(): number {
    return this.#groups.size;
  }

  /** Emits `event` at once when it starts a group, else counts it in its group. */
  add(event: EcsEvent, input: string): void {
    const key = this.#key(event, input);
    const now = this.#options.now();
    const group = this.#groups.get(key);
    if (group && group.deadline > now) {
      this.#fold(group, event, now);
      return;
    }
    // The timer has not run yet for an ended window (a busy loop): close it before starting anew.
    if (group) this.#close(key, group, 'window');
    if (this.#groups.size >= this.#options.maxGroups) {
      const [oldestKey, oldest] = this.#groups.entries().next().value!;
      this.#close(oldestKey, oldest, 'evicted');
    }
    this.#groups.set(key, { deadline: now + this.#options.windowMs, count: 0, last: undefined, start: '', end: '' });
    this.#schedule(now);
    this.#options.emit(event);
  }

  /** Emits every group's aggregate now and forgets the groups. */
  flush(): void {
    for (const [key, group] of this.#groups) this.#close(key, group, 'flush');
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #fold(group: Group, event: EcsEvent, now: number): void {
    const count = event.vigil?.aggregation?.count;
    group.count += typeof count === 'number' && count > 0 ? count : 1;
    const receivedAt = event.event?.created ?? new Date(now).toISOString();
    if (!group.last) {
      group.start = receivedAt;
      this.#pending++;
    }
    group.last = event;
    group.end = receivedAt;
    this.#options.metrics.aggregated.inc();
  }

  #close(key: string, group: Group, reason: AggregateReason): void {
    this.#groups.delete(key);
    const last = group.last;
    if (!last) return;
    this.#pending--;
    const aggregate: EcsEvent = {
      ...last,
      event: { ...last.event, start: group.start, end: group.end },
      vigil: { ...last.vigil, aggregation: { count: group.count } },
    };
    this.#options.metrics.aggregates.inc({ reason });
    this.#options.emit(aggregate);
  }

  #schedule(now: number): void {
    if (this.#timer !== undefined) return;
    const first = this.#groups.values().next().value;
    if (!first) return;
    this.#timer = setTimeout(() => this.#onTimer(), Math.max(0, first.deadline - now));
    // A timer alone must not keep the process up; the host flushes through stop().
    this.#timer.unref();
  }

  #onTimer(): void {
    this.#timer = undefined;
    const now = this.#options.now();
    try {
      for (const [key, group] of this.#groups) {
        if (group.deadline > now) break;
        this.#close(key, group, 'window');
      }
    } catch (error) {
      this.#options.onTimerError(error);
    }
    this.#schedule(now);
  }

  /**
   * The group key: the input, then each key field's value, typed and length-prefixed so no two
   * different value lists give the same key. Only the key fields are read (never the whole event
   * serialized); a "message repeated N times" wrapper counts as the message it wraps.
   */
  #key(event: EcsEvent, input: string): string {
    let key = input;
    for (const field of this.#options.keyFields) {
      let value = getField(event, field);
      if (field === 'message' && typeof value === 'string' && event.vigil?.aggregation?.count !== undefined) {
        value = REPEATED.exec(value)?.[1] ?? value;
      }
      key += encodeKeyPart(value);
    }
    return key;
  }
}

function encodeKeyPart(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return '|u';
    case 'string':
      return `|s${value.length}:${value}`;
    case 'number':
    case 'boolean':
      return `|${typeof value === 'number' ? 'n' : 'b'}${String(value)}`;
    default: {
      const text = JSON.stringify(value) ?? '';
      return `|j${text.length}:${text}`;
    }
  }
}
