import type { OutgoingMessage } from '@vigil/bus';
import { DetectionEngine, type DetectionEngineOptions, type DetectionStats } from '../alerts/detection-engine.ts';
import { EngineMetrics, addStats, stateStats } from '../alerts/engine-metrics.ts';
import type { DetectionSnapshot } from '../alerts/snapshot.ts';
import { Correlator } from '../correlation/correlator.ts';
import type { NotAnEventError } from '../sigma/event-context.ts';
import type { Ruleset } from '../sigma/ruleset.ts';
import { decodeHitRecord, type HitLines } from './hit-record.ts';
import { HitRouter } from './hit-router.ts';
import { PartitionState, pendingDocuments, type AlertSuppressions, type ChangedAlert, type PendingAlert } from './partition-state.ts';

/** What applying one partition's hit messages did. */
export interface AppliedHits {
  /** Alerts created or updated, each once, with its strongest change. */
  readonly alerts: ChangedAlert[];
  /** Hits of correlations that fired, for their owners (the hits topic). */
  readonly forward: OutgoingMessage[];
  /** Messages that could not be applied, by index, with the reason (for the DLQ). */
  readonly rejected: { index: number; reason: string }[];
}

const ZERO_STATS: DetectionStats = {
  correlationGroups: 0,
  groupsEvicted: 0,
  groupsExpired: 0,
  lateHits: 0,
  entriesDropped: 0,
  ungroupedHits: 0,
  alertsRemembered: 0,
  alertsCreated: 0,
  alertsUpdated: 0,
  alertsEvicted: 0,
  alertsExpired: 0,
  ruleErrors: 0,
};

/**
 * Detection split in two stages so several engine instances produce the alerts one does.
 * Stage one (`match`) runs the rules over events and routes every hit, by the key of the state
 * it changes (an alert's dedup key, a correlation's group), to the internal hits topic. Stage
 * two (`apply`) keeps that state per partition of the hits topic: whichever instance owns a
 * partition sees every hit of its groups, in the partition's order. Partition state is
 * snapshotted and restored one partition at a time, as partitions move between instances.
 */
export class PartitionedDetection {
  readonly #ruleset: Ruleset;
  readonly #options: DetectionEngineOptions;
  readonly #matcher: DetectionEngine;
  readonly #slots: Correlator;
  readonly #router: HitRouter;
  readonly #partitions = new Map<number, PartitionState>();
  readonly #metrics: EngineMetrics | undefined;
  /** Stats of partition states dropped or replaced, so counters never go back. */
  #retired: DetectionStats = ZERO_STATS;
  #routed: OutgoingMessage[] = [];

  readonly #suppressions: AlertSuppressions | undefined;
  readonly #suppressedCounter: { inc(labels: { rule: string }): void } | undefined;
  readonly #duplicateCounter: { inc(value?: number): void } | undefined;

  constructor(ruleset: Ruleset, options: Omit<DetectionEngineOptions, 'route'> & { suppressions?: AlertSuppressions } = {}) {
    const { suppressions, ...detectionOptions } = options;
    this.#ruleset = ruleset;
    this.#options = detectionOptions;
    this.#suppressions = suppressions;
    this.#suppressedCounter = options.metrics?.counter('vigil_engine_alerts_suppressed_total', 'Alerts not raised (or not updated) because an analyst suppressed them, by rule.', ['rule']);
    this.#duplicateCounter = options.metrics?.counter('vigil_engine_hits_duplicate_total', 'Hits applied already (a batch matched again after a crash) and skipped.');
    this.#matcher = new DetectionEngine(ruleset, { ...detectionOptions, route: (hit, source) => this.#router.route(hit, source, this.#routed) });
    this.#slots = new Correlator(ruleset, this.#matcher.config);
    this.#router = new HitRouter(ruleset, this.#slots);
    this.#metrics = options.metrics ? new EngineMetrics(options.metrics) : undefined;
  }

  get ruleset(): Ruleset {
    return this.#ruleset;
  }

  /**
   * Stage one: runs the rules over a batch of events given as JSON texts. Returns the hits-topic
   * messages for their hits, in event order; texts that are not JSON objects go to `invalid`.
   */
  match(texts: Iterable<string>, invalid: (index: number, error: NotAnEventError) => void): OutgoingMessage[] {
    this.#matcher.processTexts(texts, invalid);
    this.#router.flush(this.#routed);
    const routed = this.#routed;
    this.#routed = [];
    return routed;
  }

  /** Stage two: applies one partition's hit records (`splitHitBundle` of its messages), in offset order. */
  apply(partition: number, records: readonly HitLines[]): AppliedHits {
    const state = this.#state(partition);
    const duplicatesBefore = state.duplicates;
    const changed = new Map<string, PendingAlert>();
    const forward: OutgoingMessage[] = [];
    const rejected: { index: number; reason: string }[] = [];
    records.forEach((lines, index) => {
      const decoded = decodeHitRecord(lines);
      if (!decoded) {
        rejected.push({ index, reason: 'not a hit record' });
      } else if (!state.apply(decoded.record, decoded.eventText, changed, forward)) {
        rejected.push({ index, reason: `a rule of the hits (${decoded.record.hits.map((hit) => hit.rule).join(', ')}), or a correlation input they are for, is not loaded in this engine` });
      }
    });
    if (state.duplicates > duplicatesBefore) this.#duplicateCounter?.inc(state.duplicates - duplicatesBefore);
    const alerts = pendingDocuments(changed);
    for (const { alert, change } of alerts) this.#options.onAlert?.(alert, change);
    this.#metrics?.sync(this.stats());
    return { alerts, forward, rejected };
  }

  /** The state of one partition, as plain JSON. */
  snapshot(partition: number): DetectionSnapshot {
    return this.#state(partition).snapshot();
  }

  /**
   * Starts a partition over from a snapshot (or empty, without one). Throws
   * VIGIL_ERR_DETECTION_SNAPSHOT_INVALID, leaving the partition empty, when the snapshot is corrupt.
   */
  restore(partition: number, snapshot: unknown): void {
    this.drop(partition);
    if (snapshot !== undefined) this.#state(partition).restore(snapshot);
  }

  /** Forgets a partition's state (it moved to another instance). */
  drop(partition: number): void {
    const state = this.#partitions.get(partition);
    if (!state) return;
    this.#retired = addStats(this.#retired, { ...stateStats(state.correlator, state.alerts, 0), correlationGroups: 0, alertsRemembered: 0 });
    this.#partitions.delete(partition);
  }

  /** Counters over both stages and every partition held. */
  stats(): DetectionStats {
    let total = addStats(this.#retired, this.#matcher.stats());
    total = addStats(total, { ...ZERO_STATS, ungroupedHits: this.#slots.stats.ungroupedHits });
    for (const state of this.#partitions.values()) total = addStats(total, stateStats(state.correlator, state.alerts, 0));
    return total;
  }

  #state(partition: number): PartitionState {
    let state = this.#partitions.get(partition);
    if (!state) {
      const suppressions = this.#suppressions && { list: this.#suppressions, suppressed: (rule: { id: string }) => this.#suppressedCounter?.inc({ rule: rule.id }) };
      state = new PartitionState(this.#ruleset, this.#matcher.config, this.#options.clock ?? Date.now, this.#router, suppressions, this.#options.ruleStates, this.#options.enricher);
      this.#partitions.set(partition, state);
    }
    return state;
  }
}

