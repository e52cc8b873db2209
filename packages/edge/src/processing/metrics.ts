import type { Metrics } from '@vigil/runtime';

// prom-client is the runtime package's dependency, so its types are reached through Metrics.
type Counter = ReturnType<Metrics['counter']>;

/** The label `vigil_edge_filtered_total` uses for events dropped because no `keep` filter matched them. */
export const NOT_KEPT_LABEL = '(no keep filter matched)';

/**
 * The processing stage's counters. They reconcile with the edge's others:
 * published = received − dropped − filtered − aggregated + aggregates.
 */
export class ProcessingMetrics {
  /** Events a filter dropped, by filter name (policy, not loss, but never silent). */
  readonly filtered: Counter;
  /** Events folded into an aggregate instead of being published on their own. */
  readonly aggregated: Counter;
  /** Aggregate events emitted for folded repeats, by why their group closed: window, evicted, flush. */
  readonly aggregates: Counter;
  /** Events in which at least one value was replaced by its pseudonym. */
  readonly pseudonymised: Counter;
  /** Events the edge gave up on, by reason (the edge's shared drop counter). */
  readonly dropped: Counter;

  constructor(metrics: Metrics) {
    this.filtered = metrics.counter('vigil_edge_filtered_total', 'Events dropped by a processing filter, by filter name.', ['filter']);
    this.aggregated = metrics.counter('vigil_edge_aggregated_total', 'Events folded into an aggregate instead of being published on their own.');
    this.aggregates = metrics.counter('vigil_edge_aggregates_total', 'Aggregate events emitted for folded repeats, by why their group closed.', ['reason']);
    this.pseudonymised = metrics.counter('vigil_edge_pseudonymised_total', 'Events in which at least one value was replaced by its pseudonym.');
    this.dropped = metrics.counter('vigil_edge_dropped_total', 'Messages or events dropped by the edge, by reason.', ['reason']);
  }
}
