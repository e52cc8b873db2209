import type { EcsEvent } from '@vigil/schema';
import { jsonCopy } from './json-copy.ts';
import { MAX_ALERT_EVENT_IDS } from '@vigil/schema';
import type { RuleHit } from '../correlation/types.ts';
import type { EnrichmentFindings } from '../enrich/event-enricher.ts';
import { alertId, dedupKey, MAX_ALERT_ENRICHMENTS, type AlertState } from './alert-document.ts';
import { riskScore } from './risk-score.ts';
import type { DetectionConfig } from './config.ts';
import type { Ruleset } from '../sigma/ruleset.ts';

/**
 * What recording a hit did to its alert: `created` a new one, `updated` one (more events), or
 * `escalated` one (its risk score rose: a new threat-intel match or a more critical asset).
 */
export type AlertChange = 'created' | 'updated' | 'escalated';

const CHANGE_STRENGTH: Readonly<Record<AlertChange, number>> = { updated: 0, escalated: 1, created: 2 };

/** The change to report for an alert that changed twice in between (`earlier` may be none): created, then escalated, then updated. */
export function strongerChange(earlier: AlertChange | undefined, later: AlertChange): AlertChange {
  return earlier !== undefined && CHANGE_STRENGTH[earlier] > CHANGE_STRENGTH[later] ? earlier : later;
}

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
 * Turns rule hits into alert states and deduplicates them: a hit whose dedup key (rule id + group
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

  /**
   * Records a hit, with what enrichment found about its event (its `event.threat.enrichments`
   * is read only when an indicator matched); returns the alert's state, new or updated, and what changed. The
   * document is `alertDocument(rule, state, event, measure)`.
   */
  record(hit: RuleHit, watermark: number, findings?: EnrichmentFindings): { state: AlertState; change: AlertChange } {
    const key = dedupKey(hit.rule, hit.group);
    const window = this.#options.dedupWindowMs;
    let state = this.#states.get(key);
    let riskBefore: number | undefined;
    if (state && hit.firstTime <= state.lastSeen + window && hit.time >= state.firstSeen - window) {
      riskBefore = riskScore(hit.rule.level, state.enrichment?.asset?.criticality, state.enrichment?.intelConfidence);
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
        id: alertId(key, hit.firstTime),
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
    if (findings) addFindings(state, () => hit.event, findings);
    this.#states.set(key, state);
    const riskAfter = riskScore(hit.rule.level, state.enrichment?.asset?.criticality, state.enrichment?.intelConfidence);
    const change = riskBefore === undefined ? 'created' : riskAfter > riskBefore ? 'escalated' : 'updated';
    return { state, change };
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

/**
 * Adds what enrichment found about a hit's event to its alert: new indicator matches (bounded),
 * the highest confidence, the asset. The event is read (parsed, for a routed hit) only when an
 * indicator matched.
 */
function addFindings(state: AlertState, event: () => EcsEvent, findings: EnrichmentFindings): void {
  const matches = findings.intelConfidence === undefined ? [] : (event().threat?.enrichments ?? []);
  if (matches.length === 0 && findings.asset === undefined) return;
  const enrichment = (state.enrichment ??= { enrichments: [] });
  for (const match of matches) {
    if (enrichment.enrichments.length >= MAX_ALERT_ENRICHMENTS) break;
    const known = enrichment.enrichments.some((entry) => entry.indicator?.name === match.indicator?.name && entry.matched?.field === match.matched?.field && entry.indicator?.provider === match.indicator?.provider);
    if (!known) enrichment.enrichments.push(jsonCopy(match));
  }
  if (findings.intelConfidence !== undefined) enrichment.intelConfidence = Math.max(enrichment.intelConfidence ?? 0, findings.intelConfidence);
  if (findings.asset) enrichment.asset = { name: findings.asset.name, ...(findings.asset.owner !== undefined ? { owner: findings.asset.owner } : {}), criticality: findings.asset.criticality };
}

/** The alert tracker a detection engine (or one partition of it) keeps: dedup window, cap, and slack for correlation hits that start two timespans back. */
export function alertTrackerFor(ruleset: Ruleset, config: DetectionConfig, clock: () => number): AlertTracker {
  return new AlertTracker({
    dedupWindowMs: config.dedupWindowMs,
    maxOpenAlerts: config.maxOpenAlerts,
    clock,
    retentionSlackMs: 2 * Math.max(0, ...ruleset.correlations.map((rule) => rule.correlation.timespanMs)),
  });
}
