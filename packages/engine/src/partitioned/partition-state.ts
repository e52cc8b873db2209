import type { OutgoingMessage } from '@vigil/bus';
import type { Alert, EcsEvent } from '@vigil/schema';
import { alertDocument, type AlertState } from '../alerts/alert-document.ts';
import { alertTrackerFor, strongerChange, type AlertChange, type AlertTracker } from '../alerts/alert-tracker.ts';
import type { DetectionConfig } from '../alerts/config.ts';
import { restoreSnapshot, takeSnapshot, type DetectionSnapshot } from '../alerts/snapshot.ts';
import { Correlator } from '../correlation/correlator.ts';
import { LazyEventHit, type RuleHit } from '../correlation/types.ts';
import { readPath } from '../sigma/event-context.ts';
import type { CorrelationInput, Ruleset } from '../sigma/ruleset.ts';
import type { SigmaRule } from '../sigma/types.ts';
import { parsedOrEmpty } from '../sigma/parsed-event.ts';
import { RecentHits } from './recent-hits.ts';
import type { HitRecord, RecordedHit } from './hit-record.ts';
import type { HitRouter, HitSource } from './hit-router.ts';
import { enrichShownText, type EnrichmentFindings, type EventEnricher } from '../enrich/event-enricher.ts';
import type { RuleStates } from '../alerts/detection-engine.ts';

/** Analysts' alert suppressions in force (the engine role follows them from the bus). */
export interface AlertSuppressions {
  /** The suppression covering an alert of `rule` whose group or event field `read(field)` gives, if any. */
  suppressing(rule: { id: string; name?: string | undefined }, read: (field: string) => unknown): { id: string } | undefined;
}

/** An alert changed by a batch of records, with the strongest change (for notifications). */
export interface ChangedAlert {
  readonly alert: Alert;
  readonly change: AlertChange;
}

/**
 * The correlation groups and alerts of one partition of the hits topic: applies the records of
 * that partition in offset order. A correlation that fires is routed on like any hit (to its
 * alert, and to the correlations that read it), so its follow-ups reach their own owners.
 */
export class PartitionState {
  readonly correlator: Correlator;
  readonly alerts: AlertTracker;
  readonly #ruleset: Ruleset;
  readonly #router: HitRouter;
  #watermark = Number.NEGATIVE_INFINITY;
  readonly #applied = new RecentHits();
  /** Hits recognised as applied already, and skipped. */
  duplicates = 0;
  /** Serial numbers for events, from the records' event keys: consecutive records of one event share one. */
  #serial = 0;
  #lastEventKey = '';

  readonly #suppressions: AlertSuppressions | undefined;
  /** Rules turned off: a hit raises no alert of a disabled rule and feeds no disabled correlation. */
  readonly #ruleStates: RuleStates | undefined;
  readonly #suppressed: (rule: SigmaRule) => void;
  /** Enriches the event that completes a correlation when it comes unenriched. */
  readonly #enricher: EventEnricher | undefined;

  constructor(
    ruleset: Ruleset,
    config: DetectionConfig,
    clock: () => number,
    router: HitRouter,
    suppressions?: { list: AlertSuppressions; suppressed: (rule: SigmaRule) => void },
    ruleStates?: RuleStates,
    enricher?: EventEnricher,
  ) {
    this.#enricher = enricher;
    this.#ruleset = ruleset;
    this.#router = router;
    this.#ruleStates = ruleStates;
    this.#suppressions = suppressions?.list;
    this.#suppressed = suppressions?.suppressed ?? (() => undefined);
    this.correlator = new Correlator(ruleset, config);
    this.alerts = alertTrackerFor(ruleset, config, clock);
  }

  /**
   * Applies one record: to its alert, or to its correlation group. Alerts it changes go to
   * `changed` (documents are written once per batch, by `documents`), records for other owners
   * to `forward`. False when the record names a rule or correlation input this engine does not
   * have (rules differ between instances): nothing changed.
   */
  apply(record: HitRecord, eventText: string, changed: Map<string, PendingAlert>, forward: OutgoingMessage[]): boolean {
    const resolved: Resolved[] = [];
    for (const entry of record.hits) {
      const item = this.#resolve(entry);
      if (item === undefined) return false;
      resolved.push(item);
    }
    if (record.ev !== this.#lastEventKey) {
      this.#lastEventKey = record.ev;
      this.#serial++;
    }
    this.#advance(record.t);
    const shown = new ShownEventReader(eventText);
    for (const { rule, entry, inputs } of resolved) {
      const hit = hitOf(rule, record, entry, shown, this.#serial);
      for (let index = 0; index < entry.to.length; index++) {
        const to = entry.to[index]!;
        if (this.#ruleStates?.disabled.has(to.kind === 'alert' ? entry.rule : to.correlation)) continue;
        if (!(to.kind === 'alert' ? this.#applied.first(record.ids[0], rule) : this.#applied.first(record.ids[0], rule, inputs[index]!.correlation, to.position))) {
          this.duplicates++;
          continue;
        }
        if (to.kind === 'alert') {
          if (this.#suppressedNow(hit, shown)) this.#suppressed(hit.rule);
          else this.#record(hit, record, eventText, changed);
          continue;
        }
        const fired = this.correlator.feed(hit, { input: inputs[index]!, values: to.values, groupKey: to.groupKey, key: to.key });
        if (!fired) continue;
        this.#router.route(fired, this.#firingSource(record, eventText), forward);
        this.#router.flush(forward);
      }
    }
    return true;
  }

  /**
   * The event that completed a correlation, as its hit is routed on: enriched here, from what the
   * record shows, when it was not where it was matched (its hits only fed correlations).
   */
  #firingSource(record: HitRecord, eventText: string): HitSource {
    const enricher = this.#enricher;
    if (record.x !== undefined || !enricher?.active) return { text: () => eventText, enrichment: () => record.x, eventKey: record.ev };
    let enriched: { text: string; findings: EnrichmentFindings } | undefined;
    return {
      eventKey: record.ev,
      text: () => enriched?.text ?? eventText,
      enrichment: (run) => (run ? (enriched ??= enrichShownText(enricher, eventText)) : enriched)?.findings,
    };
  }

  /** Whether an analyst suppressed this hit's alert: its rule, and fields of its group or the event it shows. */
  #suppressedNow(hit: RuleHit, shown: ShownEventReader): boolean {
    if (!this.#suppressions) return false;
    const read = (field: string) => (Object.hasOwn(hit.group, field) ? hit.group[field] : shown.read(field.split('.')));
    return this.#suppressions.suppressing(hit.rule, read) !== undefined;
  }

  /** A recorded hit's rule and correlation inputs, or undefined when this engine does not have them. */
  #resolve(entry: RecordedHit): Resolved | undefined {
    const rule = this.#ruleset.get(entry.rule);
    if (!rule) return undefined;
    const consumers = this.#ruleset.consumersOf(rule);
    const inputs: (CorrelationInput | undefined)[] = [];
    for (const to of entry.to) {
      if (to.kind !== 'correlation') {
        inputs.push(undefined);
        continue;
      }
      const input = consumers.find(({ correlation, position }) => correlation.id === to.correlation && position === to.position);
      if (!input) return undefined;
      inputs.push(input);
    }
    return { rule, entry, inputs };
  }

  /** The correlation groups and remembered alerts, as plain JSON. */
  snapshot(): DetectionSnapshot {
    return takeSnapshot(this.correlator, this.alerts);
  }

  /** Continues from a snapshot; throws VIGIL_ERR_DETECTION_SNAPSHOT_INVALID (changing nothing) when it is corrupt. */
  restore(snapshot: unknown): void {
    restoreSnapshot(snapshot, this.correlator, this.alerts);
    this.#watermark = this.correlator.watermark;
  }

  #advance(time: number): void {
    if (!(time > this.#watermark)) return;
    this.#watermark = time;
    this.correlator.advance(time);
    this.alerts.advance(time);
  }

  #record(hit: RuleHit, record: HitRecord, eventText: string, changed: Map<string, PendingAlert>): void {
    const { state, change } = this.alerts.record(hit, this.#watermark, record.x);
    const earlier = changed.get(state.id);
    changed.set(state.id, { rule: hit.rule, state, measure: hit.measure, text: eventText, change: strongerChange(earlier?.change, change) });
  }
}

/** An alert changed and not yet written: its rule, state, and the text of the event it shows. */
export interface PendingAlert {
  readonly rule: SigmaRule;
  readonly state: AlertState;
  readonly measure: number | undefined;
  readonly text: string;
  readonly change: AlertChange;
}

/** The documents of changed alerts, in the order they first changed. */
export function pendingDocuments(changed: ReadonlyMap<string, PendingAlert>): ChangedAlert[] {
  return [...changed.values()].map(({ rule, state, measure, text, change }) => ({ alert: alertDocument(rule, state, parsedOrEmpty(text), measure), change }));
}

interface Resolved {
  readonly rule: SigmaRule;
  readonly entry: RecordedHit;
  readonly inputs: readonly (CorrelationInput | undefined)[];
}

/** The event a record shows, parsed from its text the first time a field is read that the record does not carry. */
class ShownEventReader {
  readonly #text: string;
  #event: EcsEvent | undefined;

  constructor(text: string) {
    this.#text = text;
  }

  get event(): EcsEvent {
    return (this.#event ??= parsedOrEmpty(this.#text));
  }

  /** One field of the event (a split path). */
  readonly read = (path: readonly string[]): unknown => readPath(this.event, path);
}

/** A recorded hit as a rule hit: its event parsed only when something reads a field the record does not carry. */
function hitOf(rule: SigmaRule, record: HitRecord, entry: RecordedHit, shown: ShownEventReader, serial: number): RuleHit {
  return new LazyEventHit(shown, {
    rule,
    time: record.t,
    firstTime: record.f,
    read: shown.read,
    eventSerial: serial,
    eventIds: record.ids,
    eventCount: record.n,
    group: entry.g,
    measure: entry.m,
  });
}
