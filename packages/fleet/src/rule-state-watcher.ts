import type { Metrics } from '@vigil/runtime';
import { RULE_STATES_KEY, ruleStateListSchema, type RuleStateList } from './messages.ts';
import { SignedListFollower, type ListReaderOptions } from './signed-list-follower.ts';

/**
 * Keeps the newest CA-signed list of disabled rules from `vigil.commands` (the API publishes it
 * on every change and again periodically) and answers which rules are off. The set is replaced
 * whole on each new list, so a reader on the hot path sees one consistent set.
 */
export class RuleStateWatcher extends SignedListFollower<RuleStateList> {
  readonly name = 'rule-state-watcher';
  readonly #disabledGauge: ReturnType<Metrics['gauge']>;
  #disabled: ReadonlySet<string> = new Set();

  constructor(options: ListReaderOptions) {
    const rejected = options.metrics.counter('vigil_engine_rule_state_lists_rejected_total', 'Lists of disabled rules that failed signature or schema checks, by code.', ['code']);
    super({ ...options, key: RULE_STATES_KEY, schema: ruleStateListSchema, what: 'rule state list', badListCode: 'VIGIL_ERR_FLEET_BAD_RULE_STATE_LIST', rejected: (code) => rejected.inc({ code }) });
    this.#disabledGauge = options.metrics.gauge('vigil_engine_rules_disabled', 'Rules disabled by analysts (on the newest list).');
  }

  /** The ids of the rules disabled now. */
  get disabled(): ReadonlySet<string> {
    return this.#disabled;
  }

  protected take(list: RuleStateList): void {
    this.#disabled = new Set(list.disabled.map((entry) => entry.rule));
    this.#disabledGauge.set(this.#disabled.size);
  }
}
