import { randomUUID } from 'node:crypto';
import { OncePerInterval, describeError, parseConfig, silentLogger, type Logger, type Metrics } from '@vigil/runtime';
import type { Alert, EcsEvent } from '@vigil/schema';
import { Correlator } from '../correlation/correlator.ts';
import { eventTimeOf } from '../correlation/event-time.ts';
import { LazyEventHit, type RuleHit } from '../correlation/types.ts';
import { NotAnEventError, scalarText, type EventContext } from '../sigma/event-context.ts';
import type { Ruleset } from '../sigma/ruleset.ts';
import { flatText, ownedText } from '../sigma/string-ownership.ts';
import type { DetectionRule, Matcher, SigmaRule } from '../sigma/types.ts';
import { enrichShownText, type EnrichmentFindings, type EventEnricher } from '../enrich/event-enricher.ts';
import { alertDocument, type AlertState } from './alert-document.ts';
import { groupIndex, groupRules, type CandidateIndex, type RuleGroup } from './rule-groups.ts';
import { alertTrackerFor, strongerChange, type AlertChange, type AlertTracker } from './alert-tracker.ts';
import { detectionConfigSchema, type DetectionConfig, type DetectionConfigInput } from './config.ts';
import { restoreSnapshot, takeSnapshot, type DetectionSnapshot } from './snapshot.ts';
import { EngineMetrics, stateStats } from './engine-metrics.ts';
import { parsedOrEmpty } from '../sigma/parsed-event.ts';
import type { HitSource } from '../partitioned/hit-router.ts';
import { ShownEvent } from '../partitioned/shown-event.ts';

/** Detection settings plus the host's metrics, logger, clock and an optional hit listener. */
export interface DetectionEngineOptions extends DetectionConfigInput {
  /** Prometheus registry for `vigil_engine_*` counters. */
  readonly metrics?: Metrics;
  readonly logger?: Logger;
  /** Wall clock for alert `event.created` (ms); defaults to Date.now. */
  readonly clock?: () => number;
  /**
   * Called for every rule hit, single-event and correlation, whether it raises an alert or not.
   * The hit's `event` and `read` reach the event being
   * processed, so they are only meaningful during the call: copy what you need to keep.
   */
  readonly onHit?: (hit: RuleHit) => void;
  /** Called for every alert document written (created or updated), with what changed since the last (for notifications). */
  readonly onAlert?: (alert: Alert, change: AlertChange) => void;
  /**
   * Enriches the events that raise alerts (GeoIP, threat intel, asset), and before matching the
   * events a rule reads an enriched field of.
   */
  readonly enricher?: EventEnricher;
  /**
   * Stage one of a partitioned engine: every hit goes here, with its event's text and enrichment,
   * instead of into this engine's own correlations and alerts (which then stay empty).
   */
  readonly route?: (hit: RuleHit, source: HitSource) => void;
  /** Rules analysts turned off (the engine role follows the list from the bus): not matched, so they feed nothing. */
  readonly ruleStates?: RuleStates;
}

/** Which rules are off now. The set is replaced whole when it changes, never changed in place. */
export interface RuleStates {
  readonly disabled: ReadonlySet<string>;
}

/** What the engine has dropped, expired or failed on so far. */
export interface DetectionStats {
  readonly correlationGroups: number;
  readonly groupsEvicted: number;
  readonly groupsExpired: number;
  readonly lateHits: number;
  readonly entriesDropped: number;
  readonly ungroupedHits: number;
  readonly alertsRemembered: number;
  readonly alertsCreated: number;
  readonly alertsUpdated: number;
  readonly alertsEvicted: number;
  readonly alertsExpired: number;
  readonly ruleErrors: number;
}

/**
 * Runs a ruleset over a stream of events: single-event rules, correlations and alert dedup.
 * Pure and synchronous: the caller (the engine role) feeds events in partition order,
 * publishes the returned alerts, and saves `snapshot()` with its committed offsets.
 */
export class DetectionEngine {
  readonly config: Readonly<DetectionConfig>;
  readonly #ruleset: Ruleset;
  readonly #ctx: EventContext;
  readonly #correlator: Correlator;
  readonly #alerts: AlertTracker;
  readonly #groupPaths: ReadonlyMap<string, readonly (readonly string[])[]>;
  /**
   * The detections grouped by their logsource's condition (undefined: none), in first-seen
   * order: a condition is tested once per event, and an event that fails it skips all its rules;
   * within a group, rules whose required literals the event lacks are skipped too.
   */
  readonly #groups: readonly RuleGroup[];
  /** The groups whose logsource condition an event may meet (one lookup per field the conditions compare). */
  readonly #groupCandidates: CandidateIndex;
  readonly #logger: Logger;
  readonly #logLimiter = new OncePerInterval();
  readonly #metrics: EngineMetrics | undefined;
  readonly #onHit: ((hit: RuleHit) => void) | undefined;
  readonly #onAlert: ((alert: Alert, change: AlertChange) => void) | undefined;
  readonly #route: ((hit: RuleHit, source: HitSource) => void) | undefined;
  readonly #ruleStates: RuleStates | undefined;
  /** Tells this engine's events apart from other processes' in routed hits. */
  readonly #instance = randomUUID().slice(0, 8);
  /** What of an event travels with its routed hits. */
  readonly #shown: ShownEvent;
  /** Enriches the shown event of an event whose hit raises an alert (routed hits only). */
  readonly #enricher: EventEnricher | undefined;
  /** The event whose hits are being routed, by its serial number. */
  #source: { serial: number; source: HitSource } | undefined;
  readonly #json = (path: readonly string[], slot: number): string | undefined => this.#ctx.json(path, slot);
  /** Alerts changed since their documents were last written, by id. */
  readonly #pending = new Map<string, PendingAlert>();
  /** True when rules hit since the metrics were last brought up to date. */
  #hitSinceSync = false;
  readonly #clock: () => number;
  #watermark = Number.NEGATIVE_INFINITY;
  /** Counts processed events; hits of one event share its number. */
  #serial = 0;
  /** The current event's detection time, once a rule hit it. */
  #time: number | undefined = undefined;
  readonly #read = (path: readonly string[]): unknown => this.#ctx.read(path);
  #ruleErrors = 0;

  constructor(ruleset: Ruleset, options: DetectionEngineOptions = {}) {
    const { metrics, logger, clock, onHit, onAlert, enricher, route, ruleStates, ...config } = options;
    this.config = parseConfig(detectionConfigSchema, config, 'detection options');
    this.#ruleset = ruleset;
    this.#ctx = ruleset.createContext();
    this.#clock = clock ?? Date.now;
    this.#correlator = new Correlator(ruleset, this.config);
    this.#alerts = alertTrackerFor(ruleset, this.config, this.#clock);
    this.#groupPaths = new Map(ruleset.detections.map((rule) => [rule.id, rule.groupBy.map((field) => rule.mapping.fieldNames(field)[0]!.split('.'))]));
    this.#groups = groupRules(ruleset.detections);
    this.#groupCandidates = groupIndex(this.#groups);
    this.#logger = logger ?? silentLogger();
    this.#metrics = metrics ? new EngineMetrics(metrics) : undefined;
    this.#onHit = onHit;
    this.#onAlert = onAlert;
    this.#route = route;
    this.#ruleStates = ruleStates;
    this.#shown = new ShownEvent(ruleset.shownFields, (field) => ruleset.fields.find(field) ?? -1);
    this.#enricher = enricher?.active ? enricher : undefined;
    if (enricher?.active) {
      const writes = enricher.writes;
      const touches = (path: string) => writes.some((prefix) => path === prefix || path.startsWith(`${prefix}.`) || prefix.startsWith(`${path}.`));
      const slots = ruleset.fields.paths.flatMap((parts, slot) => (touches(parts.join('.')) ? [slot] : []));
      this.#ctx.enrichWith((event) => enricher.enrich(event as EcsEvent), slots);
    }
  }

  /** The rules this engine runs. */
  get ruleset(): Ruleset {
    return this.#ruleset;
  }

  /**
   * Runs every rule over one event. Returns the alerts this event created or updated, each as
   * its full current document (an update keeps the alert's id). Never throws on input: a rule
   * that fails on an event is counted, logged once per interval, and skipped.
   */
  process(event: EcsEvent): Alert[] {
    if (event === null || typeof event !== 'object') return [];
    this.#ctx.reset(event);
    this.#run();
    return this.#documents();
  }

  /**
   * `process` for an event given as its JSON text (as it comes off the bus). Rules read the
   * fields they need from the text; the event is parsed in full only when a rule matches.
   * Throws NotAnEventError, having changed nothing, when the text is not a JSON object.
   */
  processText(text: string): Alert[] {
    this.#ctx.resetText(text);
    this.#run();
    return this.#documents();
  }

  /**
   * `processText` for a batch of events: the alerts the batch created or updated, each once, as
   * its document after the batch. An alert an attack updates many times in a batch is written
   * once. A text that is not a JSON object is handed to `invalid` and skipped.
   */
  processTexts(texts: Iterable<string>, invalid: (index: number, error: NotAnEventError) => void): Alert[] {
    let index = 0;
    for (const text of texts) {
      try {
        this.#ctx.resetText(text);
        this.#run();
      } catch (error) {
        if (!(error instanceof NotAnEventError)) throw error;
        invalid(index, error);
      }
      index++;
    }
    return this.#documents();
  }

  #run(): void {
    const serial = ++this.#serial;
    this.#time = undefined;
    const disabled = this.#ruleStates?.disabled;
    const anyDisabled = disabled !== undefined && disabled.size > 0;
    const groups = this.#groups;
    this.#groupCandidates.markCandidates(this.#ctx, serial);
    for (let index = 0; index < groups.length; index++) {
      if (!this.#groupCandidates.isCandidate(index, serial)) continue;
      const group = groups[index]!;
      const rules = group.rules;
      if (group.condition !== undefined && !this.#meets(group.condition, rules[0]!)) continue;
      const candidates = group.candidates;
      candidates.markCandidates(this.#ctx, serial);
      for (let position = 0; position < rules.length; position++) {
        if (!candidates.isCandidate(position, serial)) continue;
        const rule = rules[position]!;
        if (!anyDisabled || !disabled.has(rule.id)) this.#apply(rule);
      }
    }
  }

  /** Tests a logsource's condition on the event; one that fails on it counts as a failure of the first of its rules. */
  #meets(condition: Matcher, rule: DetectionRule): boolean {
    try {
      return condition(this.#ctx);
    } catch (error) {
      if (error instanceof NotAnEventError) throw error;
      this.#ruleFailed(rule, error);
      return false;
    }
  }

  /** Runs one rule on the event; a hit goes to the alerts and the correlations that read the rule. */
  #apply(rule: DetectionRule): void {
    const ctx = this.#ctx;
    try {
      if (!rule.matcher(ctx)) return;
      const time = (this.#time ??= this.#timeOf());
      const id = ctx.read(EVENT_ID);
      // The hit reads its event's fields from the text; the event is parsed only when something needs all of it (an alert).
      const hit = new LazyEventHit(ctx, {
        rule,
        time,
        firstTime: time,
        read: this.#read,
        eventSerial: this.#serial,
        eventIds: typeof id === 'string' && id !== '' ? [ownedText(id)] : [],
        eventCount: aggregatedCount(ctx.read(AGGREGATION_COUNT)),
        group: this.#groupOf(rule),
        measure: undefined,
      });
      if (this.#route) return this.#routeHit(hit);
      this.#emit(hit);
      for (const correlationHit of this.#correlator.observe(hit)) this.#emit(correlationHit);
    } catch (error) {
      // Text that is not an event fails as a whole, before any hit of it is recorded.
      if (error instanceof NotAnEventError) throw error;
      this.#ruleFailed(rule, error);
    }
  }

  /** The documents of the alerts changed since the last call, each once, in the order they first changed. */
  #documents(): Alert[] {
    if (this.#hitSinceSync) {
      this.#hitSinceSync = false;
      this.#metrics?.sync(this.stats());
    }
    if (this.#pending.size === 0) return [];
    const alerts: Alert[] = [];
    for (const { rule, state, measure, event, text, change } of this.#pending.values()) {
      const alert = alertDocument(rule, state, event ?? parsedOrEmpty(text!), measure);
      this.#onAlert?.(alert, change);
      alerts.push(alert);
    }
    this.#pending.clear();
    return alerts;
  }

  /** Counters for health and metrics. */
  stats(): DetectionStats {
    return stateStats(this.#correlator, this.#alerts, this.#ruleErrors);
  }

  /** The correlation windows and remembered alerts, as plain JSON. */
  snapshot(): DetectionSnapshot {
    return takeSnapshot(this.#correlator, this.#alerts);
  }

  /** Continues from a snapshot; throws VIGIL_ERR_DETECTION_SNAPSHOT_INVALID (changing nothing) when it is corrupt. */
  restore(snapshot: unknown): { skippedGroups: number } {
    const result = restoreSnapshot(snapshot, this.#correlator, this.#alerts);
    this.#watermark = this.#correlator.watermark;
    return result;
  }

  #counted(hit: RuleHit): void {
    this.#hitSinceSync = true;
    this.#metrics?.hit(hit.rule);
    this.#onHit?.(hit);
  }

  #routeHit(hit: RuleHit): void {
    this.#counted(hit);
    this.#route!(hit, this.#hitSource());
  }

  /** The current event as its hits are routed: made once per event, for all of its hits. */
  #hitSource(): HitSource {
    const serial = this.#serial;
    if (this.#source?.serial === serial) return this.#source.source;
    let shown: string | undefined;
    let findings = this.#ctx.enrichedSoFar() as EnrichmentFindings | undefined;
    const text = () => (shown ??= flatText(this.#shown.text(this.#json)));
    const source: HitSource = {
      eventKey: `${this.#instance}:${serial}`,
      text,
      // Enriched here when the router needs it (for an alert): its shown fields, which hold what enrichment reads.
      // An event a rule needed enriched to be matched is enriched whole already, and shows it.
      enrichment: (run) => {
        if (findings !== undefined || !run || this.#enricher === undefined) return findings;
        const enriched = enrichShownText(this.#enricher, text());
        shown = enriched.text;
        return (findings = enriched.findings);
      },
    };
    this.#source = { serial, source };
    return source;
  }

  #emit(hit: RuleHit): void {
    // A correlation an analyst turned off raises nothing (its inputs, when on, still match).
    if (this.#ruleStates?.disabled.has(hit.rule.id)) return;
    this.#counted(hit);
    if (!this.#ruleset.generatesAlerts(hit.rule)) return;
    // A correlation hit's event is the one that completed it, enriched when it was matched.
    const ctx = this.#ctx;
    const { state, change } = this.#alerts.record(hit, this.#watermark, ctx.enriched() as EnrichmentFindings | undefined);
    // The document shows the alert's latest event: kept as its text until the documents are written.
    const text = ctx.text;
    const strongest = strongerChange(this.#pending.get(state.id)?.change, change);
    this.#pending.set(state.id, { rule: hit.rule, state, measure: hit.measure, event: text === undefined ? (ctx.event as EcsEvent) : undefined, text, change: strongest });
  }

  #timeOf(): number {
    const ctx = this.#ctx;
    const eventTime = eventTimeOf(ctx.read(TIMESTAMP), ctx.read(EVENT_CREATED), ctx.read(EVENT_INGESTED), this.config.maxEventDelayMs);
    const time = eventTime ?? (Number.isFinite(this.#watermark) ? this.#watermark : this.#clock());
    if (time > this.#watermark) {
      this.#watermark = time;
      this.#correlator.advance(time);
      this.#alerts.advance(time);
    }
    return time;
  }

  #groupOf(rule: DetectionRule): Record<string, string> {
    const paths = this.#groupPaths.get(rule.id)!;
    if (paths.length === 0) return {};
    const group: Record<string, string> = {};
    for (let i = 0; i < paths.length; i++) {
      const raw = this.#ctx.read(paths[i]!);
      const value = Array.isArray(raw) ? raw.map(scalarText).filter((part) => part !== undefined).join(',') : scalarText(raw);
      if (value !== undefined && value !== '') group[rule.groupBy[i]!] = ownedText(value);
    }
    return group;
  }

  #ruleFailed(rule: SigmaRule, error: unknown): void {
    this.#ruleErrors++;
    this.#metrics?.ruleError(rule);
    if (this.#logLimiter.shouldLog(`rule-failed:${rule.id}`)) {
      this.#logger.warn({ code: 'VIGIL_ERR_DETECTION_RULE_FAILED', rule: rule.id, reason: describeError(error) }, 'rule failed on an event; skipped');
    }
  }
}

/** How many source events one event stands for: syslog's "message repeated N times" and edge aggregation fold repeats. */
function aggregatedCount(count: unknown): number {
  return typeof count === 'number' && Number.isInteger(count) && count > 1 ? count : 1;
}

const TIMESTAMP = ['@timestamp'];
const EVENT_CREATED = ['event', 'created'];
const EVENT_INGESTED = ['event', 'ingested'];
const EVENT_ID = ['event', 'id'];
const AGGREGATION_COUNT = ['vigil', 'aggregation', 'count'];

/** An alert changed and not yet written: its rule, state, and the event it shows (object, or text to parse). */
interface PendingAlert {
  readonly rule: SigmaRule;
  readonly state: AlertState;
  readonly measure: number | undefined;
  readonly event: EcsEvent | undefined;
  readonly text: string | undefined;
  /** The strongest change since the alert's last document: created, then escalated, then updated. */
  readonly change: AlertChange;
}
