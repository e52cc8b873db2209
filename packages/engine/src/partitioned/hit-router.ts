import type { OutgoingMessage } from '@vigil/bus';
import type { Correlator } from '../correlation/correlator.ts';
import type { RuleHit } from '../correlation/types.ts';
import type { EnrichmentFindings } from '../enrich/event-enricher.ts';
import type { Ruleset } from '../sigma/ruleset.ts';
import { ALERT_DESTINATION, encodeHitRecord, type HitDestination, type HitRecord, type RecordedHit } from './hit-record.ts';

/** The event a hit is about, as the router needs it. */
export interface HitSource {
  /** The event as hits carry it: its shown fields (`ShownEvent`), enriched once `enrichment(true)` ran. Read while the event is at hand. */
  text(): string;
  /**
   * What enrichment found on the event: with `run`, enriching it first (once) when it was not;
   * without, only if it ran already. Undefined when the engine has no enrichment.
   */
  enrichment(run: boolean): EnrichmentFindings | undefined;
  /** Tells events apart across the records of one engine process. */
  readonly eventKey: string;
}

/**
 * Turns rule hits into hits-topic messages for the owners of the state they change: a hit's
 * alert when its rule raises alerts, and each correlation that reads the rule, at the hit's
 * group there. Every destination is keyed by its group-by values (the rule or correlation id
 * when it has none): the same key always lands in the same partition, so one engine instance
 * holds all of a group's state however many run. The hits of one event are collected until
 * `flush`, and those sharing a key travel as one message (a firewall event that three building
 * blocks match, each feeding a correlation by source address, is one message).
 */
export class HitRouter {
  readonly #ruleset: Ruleset;
  /** Works out correlation groups; its state is not used. */
  readonly #slots: Correlator;
  /** The collected event's hits by partition key, and the hit and source they came with. */
  readonly #pending = new Map<string, RecordedHit[]>();
  #first: RuleHit | undefined;
  #source: HitSource | undefined;
  /** The collected event's shown text, taken while its event is at hand. */
  #text = '';
  /** What enrichment found on the collected event; undefined while it is not enriched. */
  #findings: EnrichmentFindings | undefined;

  constructor(ruleset: Ruleset, slots: Correlator) {
    this.#ruleset = ruleset;
    this.#slots = slots;
  }

  /** Collects `hit`; a hit of another event (or another time) first flushes what was collected to `out`. */
  route(hit: RuleHit, source: HitSource, out: OutgoingMessage[]): void {
    const consumers = this.#ruleset.consumersOf(hit.rule);
    const alerts = this.#ruleset.generatesAlerts(hit.rule);
    if (!alerts && consumers.length === 0) return;
    const first = this.#first;
    if (first && (this.#source!.eventKey !== source.eventKey || !sameEvents(first, hit))) this.flush(out);
    // The hit's destinations by partition key, in the order the keys first come (usually one or two).
    const keys: string[] = [];
    const destinations: HitDestination[][] = [];
    const add = (key: string, destination: HitDestination) => {
      const at = keys.indexOf(key);
      if (at >= 0) {
        destinations[at]!.push(destination);
        return;
      }
      keys.push(key);
      destinations.push([destination]);
    };
    if (alerts) add(routingKey(hit.group, hit.rule.id), ALERT_DESTINATION);
    for (const input of consumers) {
      const slot = this.#slots.slotOf(input, hit);
      if (!slot) continue;
      const { correlation, position } = input;
      add(routingKey(slot.values, correlation.id), { kind: 'correlation', correlation: correlation.id, position, values: slot.values, groupKey: slot.groupKey, key: slot.key });
    }
    if (keys.length === 0) return;
    // Enriched only for an alert: an event whose hits feed correlations is enriched where one fires (most never do).
    if (!this.#first) {
      this.#first = hit;
      this.#source = source;
      this.#findings = source.enrichment(alerts);
      this.#text = source.text();
    } else if (alerts && this.#findings === undefined) {
      this.#findings = source.enrichment(true);
      this.#text = source.text();
    }
    for (let i = 0; i < keys.length; i++) {
      const entry: RecordedHit = hit.measure === undefined ? { rule: hit.rule.id, g: hit.group, to: destinations[i]! } : { rule: hit.rule.id, g: hit.group, m: hit.measure, to: destinations[i]! };
      const list = this.#pending.get(keys[i]!);
      if (list) list.push(entry);
      else this.#pending.set(keys[i]!, [entry]);
    }
  }

  /** Appends the messages of the hits collected to `out`. */
  flush(out: OutgoingMessage[]): void {
    const hit = this.#first;
    const source = this.#source;
    this.#first = undefined;
    this.#source = undefined;
    if (!hit || !source) return;
    const text = this.#text;
    const findings = this.#findings;
    this.#findings = undefined;
    for (const [key, hits] of this.#pending) {
      // `x` undefined: the event was not enriched (an enriched one has `{}` at least).
      const record: HitRecord = { t: hit.time, f: hit.firstTime, ev: source.eventKey, ids: hit.eventIds, n: hit.eventCount, x: findings, hits };
      out.push({ key, value: encodeHitRecord(record, text) });
    }
    this.#pending.clear();
  }
}

/** Whether two hits report the same events at the same time (as all single-event hits of one event do). */
function sameEvents(a: RuleHit, b: RuleHit): boolean {
  return a.time === b.time && a.firstTime === b.firstTime && a.eventCount === b.eventCount && a.eventIds.length === b.eventIds.length && a.eventIds.every((id, index) => id === b.eventIds[index]);
}

/** The partition key of a group: its values (whatever fields they are of), or `fallback` for no group. */
function routingKey(values: Readonly<Record<string, string>>, fallback: string): string {
  let key: string | undefined;
  for (const value of Object.values(values)) key = key === undefined ? value : `${key}\u0000${value}`;
  return key ?? fallback;
}
