import type { Metrics } from '@vigil/runtime';
import { SUPPRESSIONS_KEY, suppressionListSchema, type Suppression, type SuppressionList } from './messages.ts';
import { SignedListFollower, type ListReaderOptions } from './signed-list-follower.ts';

export interface SuppressionWatcherOptions extends ListReaderOptions {
  /** Wall clock (ms) for expiry; Date.now by default. */
  now?: () => number;
}

/**
 * Keeps the newest CA-signed alert suppression list from `vigil.commands` (the API publishes it
 * on every change and again periodically) and answers "is this alert suppressed now?". A
 * suppression stops counting at its expiry, whether or not a newer list has come.
 */
export class SuppressionWatcher extends SignedListFollower<SuppressionList> {
  readonly name = 'suppression-watcher';
  readonly #now: () => number;
  readonly #activeGauge: ReturnType<Metrics['gauge']>;
  #suppressions: readonly Suppression[] = [];

  constructor(options: SuppressionWatcherOptions) {
    const rejected = options.metrics.counter('vigil_engine_suppression_lists_rejected_total', 'Suppression lists that failed signature or schema checks, by code.', ['code']);
    super({ ...options, key: SUPPRESSIONS_KEY, schema: suppressionListSchema, what: 'suppression list', badListCode: 'VIGIL_ERR_FLEET_BAD_SUPPRESSION_LIST', rejected: (code) => rejected.inc({ code }) });
    this.#now = options.now ?? Date.now;
    this.#activeGauge = options.metrics.gauge('vigil_engine_suppressions', 'Alert suppressions on the newest list.');
  }

  /**
   * The suppression in force that covers an alert of this rule with these fields (`read` gives
   * a field's value from the alert's group or its event), if any.
   */
  suppressing(rule: { id: string; name?: string | undefined }, read: (field: string) => unknown): Suppression | undefined {
    const now = this.#now();
    return this.#suppressions.find(
      (suppression) =>
        suppression.expiresAtMs > now &&
        (suppression.rule === undefined || suppression.rule === rule.id || suppression.rule === rule.name) &&
        Object.entries(suppression.match).every(([field, value]) => matches(read(field), value)),
    );
  }

  protected take(list: SuppressionList): void {
    this.#suppressions = list.suppressions;
    this.#activeGauge.set(list.suppressions.length);
  }
}

/** A field matches when it has the value, or (an array) contains it; values compare as text. */
function matches(actual: unknown, expected: string): boolean {
  if (Array.isArray(actual)) return actual.some((element) => matches(element, expected));
  return actual !== undefined && actual !== null && String(actual) === expected;
}
