import type { Metrics } from '@vigil/runtime';
import type { Correlator } from '../correlation/correlator.ts';
import type { SigmaRule } from '../sigma/types.ts';
import type { AlertTracker } from './alert-tracker.ts';
import type { DetectionStats } from './detection-engine.ts';

/** The part of a prom-client counter used here (the runtime does not re-export prom-client's types). */
interface Counter<L extends string> {
  inc(labels: Partial<Record<L, string>>, value?: number): void;
}

type Counted = 'groupsEvicted' | 'groupsExpired' | 'lateHits' | 'entriesDropped' | 'ungroupedHits' | 'alertsCreated' | 'alertsUpdated' | 'alertsEvicted' | 'alertsExpired';

/** The detection engine's Prometheus counters, fed from its stats. */
export class EngineMetrics {
  readonly #hits: Counter<'rule' | 'kind'>;
  readonly #ruleErrors: Counter<'rule'>;
  readonly #correlationDrops: Counter<'reason'>;
  readonly #alerts: Counter<'action'>;
  readonly #alertStatesDropped: Counter<'reason'>;
  readonly #last = new Map<Counted, number>();

  constructor(metrics: Metrics) {
    this.#hits = metrics.counter('vigil_engine_rule_hits_total', 'Rule hits (single-event matches and correlation firings)', ['rule', 'kind']);
    this.#ruleErrors = metrics.counter('vigil_engine_rule_errors_total', 'Events a rule failed on (skipped)', ['rule']);
    this.#correlationDrops = metrics.counter(
      'vigil_engine_correlation_drops_total',
      'Correlation state dropped: groups evicted at the cap or expired, late or ungrouped hits, entries over the per-group cap',
      ['reason'],
    );
    this.#alerts = metrics.counter('vigil_engine_alerts_total', 'Alerts created or updated', ['action']);
    this.#alertStatesDropped = metrics.counter('vigil_engine_alert_states_dropped_total', 'Alerts forgotten for dedup (cap reached or dedup window passed)', ['reason']);
  }

  hit(rule: SigmaRule): void {
    this.#hits.inc({ rule: rule.id, kind: rule.kind });
  }

  ruleError(rule: SigmaRule): void {
    this.#ruleErrors.inc({ rule: rule.id });
  }

  /** Adds what changed in the stats since the last sync. */
  sync(stats: DetectionStats): void {
    this.#add('groupsEvicted', stats, (n) => this.#correlationDrops.inc({ reason: 'group_evicted' }, n));
    this.#add('groupsExpired', stats, (n) => this.#correlationDrops.inc({ reason: 'group_expired' }, n));
    this.#add('lateHits', stats, (n) => this.#correlationDrops.inc({ reason: 'late' }, n));
    this.#add('entriesDropped', stats, (n) => this.#correlationDrops.inc({ reason: 'entry_cap' }, n));
    this.#add('ungroupedHits', stats, (n) => this.#correlationDrops.inc({ reason: 'ungrouped' }, n));
    this.#add('alertsCreated', stats, (n) => this.#alerts.inc({ action: 'created' }, n));
    this.#add('alertsUpdated', stats, (n) => this.#alerts.inc({ action: 'updated' }, n));
    this.#add('alertsEvicted', stats, (n) => this.#alertStatesDropped.inc({ reason: 'cap' }, n));
    this.#add('alertsExpired', stats, (n) => this.#alertStatesDropped.inc({ reason: 'expired' }, n));
  }

  #add(name: Counted, stats: DetectionStats, inc: (n: number) => void): void {
    const delta = stats[name] - (this.#last.get(name) ?? 0);
    if (delta > 0) inc(delta);
    this.#last.set(name, stats[name]);
  }
}

/** The stats of a correlator and an alert tracker (an engine's, or one partition's). */
export function stateStats(correlator: Correlator, alerts: AlertTracker, ruleErrors: number): DetectionStats {
  const correlation = correlator.stats;
  const tracked = alerts.stats;
  return {
    correlationGroups: correlator.groupCount,
    groupsEvicted: correlation.groupsEvicted,
    groupsExpired: correlation.groupsExpired,
    lateHits: correlation.lateHits,
    entriesDropped: correlation.entriesDropped,
    ungroupedHits: correlation.ungroupedHits,
    alertsRemembered: alerts.size,
    alertsCreated: tracked.created,
    alertsUpdated: tracked.updated,
    alertsEvicted: tracked.evicted,
    alertsExpired: tracked.expired,
    ruleErrors,
  };
}

/** Stats added up, field by field. */
export function addStats(a: DetectionStats, b: DetectionStats): DetectionStats {
  const sum: Record<string, number> = {};
  for (const key of Object.keys(a) as (keyof DetectionStats)[]) sum[key] = a[key] + b[key];
  return sum as unknown as DetectionStats;
}
