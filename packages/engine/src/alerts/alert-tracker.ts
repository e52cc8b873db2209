import type { Alert } from '@vigil/schema';
import { MAX_ALERT_EVENT_IDS } from '@vigil/schema';
import type { RuleHit } from '../correlation/types.ts';
import { alertDocument, alertId, dedupKey, type AlertState } from './alert-document.ts';

/** How alerts are deduplicated and how many are remembered. */
export interface AlertTrackerOptions {
  /** How long after an alert's last event a new hit with the same dedup key still updates it. */
  readonly dedupWindowMs: number;
  /** Most alerts remembered for dedup; the least recently updated is forgotten first. */
  readonly maxOpenAlerts: number;
  /** Wall clock for `event.created` of new alerts. */
  readonly clock: () => number;
  /**
   * Extra time an alert is remembered beyond the dedup window: a correlation hit can start
   * up to two of its timespans before the newest event, so the engine passes that here.
   */
  readonly retentionSlackMs?: number;
}

/** Counters of what the tracker forgot, for metrics. */
export interface AlertTrackerStats {
  created: number;
  updated: number;
  /** Alert states forgotten because `maxOpenAlerts` was reached. */
  evicted: number;
  /** Alert states forgotten because no hit came within the dedup window. */
  expired: number;
}

/**
 * Turns rule hits into alerts and deduplicates them: a hit whose dedup key (rule id + group
 * values) matches an alert whose last event is at most `dedupWindowMs` before the hit updates
 * that alert (same id, higher count, more event ids, later last_seen); anything else starts a
 * new alert.
 */
export class AlertTracker {
  readonly stats: AlertTrackerStats = { created: 0, updated: 0, evicted: 0, expired: 0 };
  readonly #options: AlertTrackerOptions;
  readonly #states = new Map<string, AlertState>();
  #nextSweep = Number.NEGATIVE_INFINITY;

  constructor(options: AlertTrackerOptions) {
    this.#options = options;
  }

  /** Number of alerts remembered for dedup. */
  get size(): number {
    return this.#states.size;
  }

  /** Records a hit; returns the full current alert document (new or updated). */
  record(hit: RuleHit, watermark: number): Alert {
    const key = dedupKey(hit.rule, hit.group);
    const window = this.#options.dedupWindowMs;
    let state = this.#states.get(key);
    if (state && hit.firstTime <= state.lastSeen + window && hit.time >= state.firstSeen - window) {
      state.count += hit.eventCount;
      state.firstSeen = Math.min(state.firstSeen, hit.firstTime);
      state.lastSeen = Math.max(state.lastSeen, hit.time);
      for (const id of hit.eventIds) {
        if (state.eventIds.length >= MAX_ALERT_EVENT_IDS) break;
        if (!state.eventIds.includes(id)) state.eventIds.push(id);
      }
      this.#states.delete(key);
      this.stats.updated++;
    } else {
      state = {
        id: alertId(key, hit.eventIds[0] ?? `@${hit.firstTime}`),
        dedupKey: key,
        group: { ...hit.group },
        firstSeen: hit.firstTime,
        lastSeen: hit.time,
        count: hit.eventCount,
        eventIds: hit.eventIds.slice(0, MAX_ALERT_EVENT_IDS),
        createdAt: this.#options.clock(),
        touched: watermark,
      };
      this.#states.delete(key);
      if (this.#states.size >= this.#options.maxOpenAlerts) {
        this.#states.delete(this.#states.keys().next().value!);
        this.stats.evicted++;
      }
      this.stats.created++;
    }
    state.touched = Math.max(state.touched, watermark);
    this.#states.set(key, state);
    return alertDocument(hit.rule, state, hit.event, hit.measure);
  }

  /** Forgets alerts not updated while the watermark moved a dedup window (plus slack) past them. */
  advance(watermark: number): void {
    // Sweeping walks the map from its front, past the holes updates leave, so not on every event.
    if (watermark < this.#nextSweep) return;
    this.#nextSweep = watermark + Math.max(1, Math.floor(this.#options.dedupWindowMs / 16));
    const horizon = watermark - this.#options.dedupWindowMs - (this.#options.retentionSlackMs ?? 0);
    for (const [key, state] of this.#states) {
      if (state.touched >= horizon) break;
      this.#states.delete(key);
      this.stats.expired++;
    }
  }

  /** The remembered alert states, least recently updated first (for snapshots). */
  states(): readonly AlertState[] {
    return [...this.#states.values()];
  }

  /** Replaces the remembered states (snapshot restore); order is least recently updated first. */
  restore(states: readonly AlertState[]): void {
    this.#states.clear();
    for (const state of states) this.#states.set(state.dedupKey, { ...state, eventIds: [...state.eventIds] });
  }
}
