import type { OutgoingMessage } from '@vigil/bus';
import type { Correlator } from '../correlation/correlator.ts';
import type { RuleHit } from '../correlation/types.ts';
import type { EnrichmentFindings } from '../enrich/event-enricher.ts';
import { dedupKey } from '../alerts/alert-document.ts';
import type { Ruleset } from '../sigma/ruleset.ts';
import { encodeHitRecord, type HitRecord } from './hit-record.ts';

/** The event a hit is about, as the router needs it. */
export interface HitSource {
  /** The event's text (enriched when enrichment ran on it). */
  text(): string;
  /** What enrichment found on it, if it ran. */
  readonly findings: EnrichmentFindings | undefined;
  /** Tells events apart across the records of one engine process. */
  readonly eventKey: string;
}

/**
 * Turns a rule hit into hits-topic messages, one per owner of the state it changes: its alert
 * (keyed by the dedup key) when the rule raises alerts, and each correlation that reads the
 * rule (keyed by the correlation and the hit's group there). The same key always lands in the
 * same partition, so one engine instance holds all of a group's state however many run.
 */
export class HitRouter {
  readonly #ruleset: Ruleset;
  /** Works out correlation groups; its state is not used. */
  readonly #slots: Correlator;

  constructor(ruleset: Ruleset, slots: Correlator) {
    this.#ruleset = ruleset;
    this.#slots = slots;
  }

  /** The messages for `hit`, appended to `out`. */
  route(hit: RuleHit, source: HitSource, out: OutgoingMessage[]): void {
    const consumers = this.#ruleset.consumersOf(hit.rule);
    const alerts = this.#ruleset.generatesAlerts(hit.rule);
    if (!alerts && consumers.length === 0) return;
    let text: string | undefined;
    const base = {
      v: 1 as const,
      rule: hit.rule.id,
      t: hit.time,
      f: hit.firstTime,
      ev: source.eventKey,
      ids: hit.eventIds,
      n: hit.eventCount,
      g: hit.group,
      ...(hit.measure === undefined ? {} : { m: hit.measure }),
      ...(source.findings === undefined ? {} : { x: source.findings }),
    };
    const push = (key: string, record: HitRecord) => out.push({ key, value: encodeHitRecord(record, (text ??= source.text())) });
    if (alerts) push(dedupKey(hit.rule, hit.group), { ...base, to: { kind: 'alert' } });
    for (const input of consumers) {
      const slot = this.#slots.slotOf(input, hit);
      if (!slot) continue;
      const { correlation, position } = input;
      push(`${correlation.id}\n${slot.groupKey}`, {
        ...base,
        to: { kind: 'correlation', correlation: correlation.id, position, values: slot.values, groupKey: slot.groupKey, key: slot.key },
      });
    }
  }
}
