/**
 * The state of one (correlation, group) pair: the matches seen in the group, sorted by time.
 * It keeps a "trailing window" (entries within one timespan of the newest) with a running
 * count per key, so the usual in-order case is O(1) per match; late matches take a scan of
 * the entries around them. Entries older than two timespans before the newest can no longer
 * share a window with an acceptable late match, and are pruned.
 */

/** One match in a group: its time, its key (distinct value or rule position), and the events it stands for. */
export interface Entry {
  readonly t: number;
  /** Time of the oldest event the entry stands for (an inner correlation's first event). */
  readonly f: number;
  /** value_count: the field value; temporal types: the rule's position in `rules`; event_count: null. */
  readonly k: string | number | null;
  /** Event ids this match stands for (capped), in time order: one id as itself (most entries, a single event's), more as a list. */
  readonly ids: string | readonly string[];
  /** How many events this match stands for (ids may be capped). */
  readonly n: number;
  /** What the match adds to an event_count: the event's aggregation count, or 1 for a correlation hit. */
  readonly w: number;
  /** True once the entry's events have been reported in a correlation hit. */
  rep: boolean;
}

/** An entry's event ids as a list. */
export function idsOf(entry: Entry): readonly string[] {
  return typeof entry.ids === 'string' ? [entry.ids] : entry.ids;
}

/** A window of entries: inclusive index range, its time span, and the measured count or distinct count. */
export interface Window {
  readonly start: number;
  readonly end: number;
  readonly measure: number;
}

/** The matches of one (correlation, group) pair, with a running trailing-window count. */
export class GroupState {
  /** Group-by field → value, as the alert shows them. */
  readonly values: Readonly<Record<string, string>>;
  /** The watermark when the group was last touched; idle groups expire from it. */
  touched: number;
  // Most groups hold a single entry (one failed login from an address): the list starts at the
  // size of one rather than at the 17 slots an empty array's first push makes room for, keys are
  // counted in a map only once the trailing window holds two entries, and the unreported entries
  // are the entries themselves until one is reported.
  #entries: Entry[] = NO_ENTRIES;
  readonly #timespanMs: number;
  readonly #keyed: boolean;
  /** Entries per key in the trailing window; undefined while the window holds at most one entry. */
  #keyCounts: Map<string | number, number> | undefined;
  #trailingWeight = 0;
  /** The unreported entries in time order; undefined while they are all of the entries. */
  #pending: Entry[] | undefined;
  #winStart = 0;

  constructor(values: Readonly<Record<string, string>>, timespanMs: number, keyed: boolean, touched: number) {
    this.values = values;
    this.#timespanMs = timespanMs;
    this.#keyed = keyed;
    this.touched = touched;
  }

  /** Entries sorted by time (ties in arrival order). */
  get entries(): readonly Entry[] {
    return this.#entries;
  }

  /** Time of the newest entry (−∞ when empty). */
  get maxT(): number {
    return this.#entries.length === 0 ? Number.NEGATIVE_INFINITY : this.#entries[this.#entries.length - 1]!.t;
  }

  /** Adds an entry in time order; `inOrder` is true when it is the newest. */
  insert(entry: Entry): { index: number; inOrder: boolean } {
    const entries = this.#entries;
    // A reported entry (restored from a snapshot) ends "every entry is unreported".
    if (entry.rep) this.#pending ??= [...entries];
    if (entries.length === 0) {
      this.#entries = [entry];
      this.#count(entry);
      if (!entry.rep) this.#addPending(entry, 0);
      return { index: 0, inOrder: true };
    }
    if (entry.t >= this.maxT) {
      entries.push(entry);
      const from = entry.t - this.#timespanMs;
      while (entries[this.#winStart]!.t < from) this.#uncount(entries[this.#winStart++]!);
      this.#count(entry);
      if (!entry.rep) this.#addPending(entry, this.#pending?.length ?? 0);
      return { index: entries.length - 1, inOrder: true };
    }
    const index = upperBound(entries, entry.t);
    entries.splice(index, 0, entry);
    if (entry.t >= this.maxT - this.#timespanMs) this.#count(entry);
    else this.#winStart++;
    if (!entry.rep) this.#addPending(entry, this.#pending === undefined ? 0 : upperBound(this.#pending, entry.t));
    return { index, inOrder: false };
  }

  /** The trailing window: entries within one timespan of the newest. */
  trailing(): Window {
    const end = this.#entries.length - 1;
    return { start: this.#winStart, end, measure: this.#keyed ? this.#distinctTrailing() : this.#trailingWeight };
  }

  /**
   * The window (one timespan long) containing entry `index` with the highest count or
   * distinct count. Windows start at an entry, so trying each entry within one timespan
   * before `index` as a start covers every distinct window.
   */
  busiestWindowContaining(index: number): Window {
    const entries = this.#entries;
    const t = entries[index]!.t;
    let start = lowerBound(entries, t - this.#timespanMs);
    let end = start - 1;
    const counts = this.#keyed ? new Map<string | number, number>() : undefined;
    let best: Window = { start: index, end: index, measure: 0 };
    let weight = 0;
    for (; start <= index; start++) {
      const limit = entries[start]!.t + this.#timespanMs;
      while (end + 1 < entries.length && entries[end + 1]!.t <= limit) {
        end++;
        weight += entries[end]!.w;
        const key = entries[end]!.k;
        if (counts !== undefined && key !== null) counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const measure = counts !== undefined ? counts.size : weight;
      if (measure > best.measure) best = { start, end, measure };
      weight -= entries[start]!.w;
      const leaving = entries[start]!.k;
      if (counts !== undefined && leaving !== null) {
        const left = (counts.get(leaving) ?? 1) - 1;
        if (left === 0) counts.delete(leaving);
        else counts.set(leaving, left);
      }
    }
    return best;
  }

  /** Removes entries older than `cutoff`; returns how many went. */
  prune(cutoff: number): number {
    let count = 0;
    while (count < this.#entries.length && this.#entries[count]!.t < cutoff) count++;
    this.dropOldest(count);
    return count;
  }

  /** Removes the `count` oldest entries (the per-group cap uses this). */
  dropOldest(count: number): void {
    if (count <= 0) return;
    const removed = this.#entries.splice(0, count);
    let unreported = false;
    for (let i = 0; i < removed.length; i++) {
      if (i >= this.#winStart) this.#uncount(removed[i]!);
      if (!removed[i]!.rep) unreported = true;
    }
    this.#winStart = Math.max(0, this.#winStart - count);
    if (unreported && this.#pending !== undefined) {
      const gone = new Set(removed);
      this.#pending = this.#pending.filter((entry) => !gone.has(entry));
    }
  }

  /** Takes the not-yet-reported entries with a time in [from, to], marking them reported. */
  takeUnreported(from: number, to: number): Entry[] {
    const taken: Entry[] = [];
    const kept: Entry[] = [];
    for (const entry of this.#pending ?? this.#entries) {
      if (entry.t >= from && entry.t <= to) {
        entry.rep = true;
        taken.push(entry);
      } else {
        kept.push(entry);
      }
    }
    if (taken.length > 0) this.#pending = kept.length === 0 ? NO_ENTRIES : kept;
    return taken;
  }

  /**
   * Adds an unreported entry (inserted in the entries already) to the pending ones at `index`:
   * nothing to do while they are all of the entries; the shared empty list is replaced, never changed.
   */
  #addPending(entry: Entry, index: number): void {
    if (this.#pending === undefined) return;
    if (this.#pending.length === 0) this.#pending = [entry];
    else if (index === this.#pending.length) this.#pending.push(entry);
    else this.#pending.splice(index, 0, entry);
  }

  /** Distinct keys in the trailing window. */
  #distinctTrailing(): number {
    if (this.#keyCounts !== undefined) return this.#keyCounts.size;
    // A window of at most one entry: its key, if it has one.
    const sole = this.#entries[this.#winStart];
    return sole !== undefined && sole.k !== null ? 1 : 0;
  }

  /** Counts an entry that has joined the trailing window. */
  #count(entry: Entry): void {
    this.#trailingWeight += entry.w;
    if (!this.#keyed) return;
    if (this.#keyCounts === undefined) {
      if (this.#entries.length - this.#winStart < 2) return;
      // The window's second entry: from now on keys are counted.
      this.#keyCounts = new Map();
      for (let i = this.#winStart; i < this.#entries.length; i++) this.#countKey(this.#entries[i]!.k);
      return;
    }
    this.#countKey(entry.k);
  }

  #countKey(key: string | number | null): void {
    if (key !== null) this.#keyCounts!.set(key, (this.#keyCounts!.get(key) ?? 0) + 1);
  }

  #uncount(entry: Entry): void {
    this.#trailingWeight -= entry.w;
    if (this.#keyCounts === undefined || entry.k === null) return;
    const left = (this.#keyCounts.get(entry.k) ?? 1) - 1;
    if (left === 0) this.#keyCounts.delete(entry.k);
    else this.#keyCounts.set(entry.k, left);
  }
}

/** The empty list groups start with, shared (a group's lists are replaced, never pushed to, while empty). */
const NO_ENTRIES: Entry[] = [];

/** First index whose time is ≥ t. */
export function lowerBound(entries: readonly { t: number }[], t: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.t < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose time is > t (so equal times keep arrival order). */
export function upperBound(entries: readonly { t: number }[], t: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.t <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
