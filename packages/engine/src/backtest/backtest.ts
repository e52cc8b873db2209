import { setImmediate as nextTurn } from 'node:timers/promises';
import type { EcsEvent } from '@vigil/schema';
import { DetectionEngine } from '../alerts/detection-engine.ts';
import type { DetectionConfigInput } from '../alerts/config.ts';
import { backtestAlert, type BacktestAlert, type BacktestReport, type BacktestStop } from './report.ts';
import type { RuleSelection } from './rule-selection.ts';

/** How far a running backtest has got. */
export interface BacktestProgress {
  readonly eventsRead: number;
  /** `@timestamp` of the last event read; events come oldest first, so this is how far through the range it is. */
  readonly lastEventTime: string | null;
  readonly alertsRaised: number;
  readonly elapsedMs: number;
  /** Events read per second so far. */
  readonly eventsPerSecond: number;
  /** True on the last call, made once the backtest has stopped. */
  readonly done: boolean;
}

/** How a backtest runs: detection settings, limits, progress and cancellation. */
export interface BacktestOptions {
  /** The engine's detection settings (dedup window, correlation limits), so alerts dedup as they would have. */
  readonly detection?: DetectionConfigInput;
  /** Cancels the backtest: it stops at the next event and reports what it found, `stoppedBy: 'cancelled'`. */
  readonly signal?: AbortSignal;
  /** Called at most every `progressIntervalMs` while running, and once more at the end. */
  readonly onProgress?: (progress: BacktestProgress) => void;
  readonly progressIntervalMs?: number;
  /** Stops (`event-limit`) rather than read more events than this. */
  readonly maxEvents?: number;
  /** Stops (`time-limit`) once it has run this long, in milliseconds. */
  readonly timeLimitMs?: number;
  /** Most alerts listed in the report; the rest are counted in `alertsOmitted`. */
  readonly maxAlerts?: number;
  /** Event ids listed per alert. */
  readonly eventIdsPerAlert?: number;
  /** Monotonic clock in ms for durations and limits; `performance.now` by default. */
  readonly clock?: () => number;
}

// Limits, progress and a turn of the event loop are looked at once per this many events.
const CHECK_EVERY = 512;

/**
 * Runs the selected rules over stored events, as the engine would have run them on the stream,
 * and reports what they matched and the alerts they would have raised (each in its final
 * state). Nothing is published or stored: a fresh DetectionEngine sees the events and the
 * alerts it returns are only summarised. `events` must come oldest first. Memory stays
 * bounded: the engine's own limits, and at most `maxAlerts` alerts listed. The event loop gets a
 * turn every few hundred events, so a host serving other requests keeps serving them.
 */
export async function runBacktest(selection: RuleSelection, events: AsyncIterable<EcsEvent>, options: BacktestOptions = {}): Promise<BacktestReport> {
  const clock = options.clock ?? (() => performance.now());
  const maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY;
  const timeLimitMs = options.timeLimitMs ?? Number.POSITIVE_INFINITY;
  const maxAlerts = options.maxAlerts ?? 1000;
  const eventIdsPerAlert = options.eventIdsPerAlert ?? 5;
  const progressIntervalMs = options.progressIntervalMs ?? 250;
  const { ruleset, selected } = selection;

  const counts = new Map(ruleset.rules.map((rule) => [rule.id, { matches: 0, alerts: 0 }]));
  const listed = new Map<string, BacktestAlert>();
  let alertsRaised = 0;
  const engine = new DetectionEngine(ruleset, {
    ...options.detection,
    onHit: (hit) => void counts.get(hit.rule.id)!.matches++,
    onAlert: (alert, change) => {
      if (change === 'created') {
        alertsRaised++;
        counts.get(alert.rule.id)!.alerts++;
      }
      if (listed.has(alert.id) || listed.size < maxAlerts) listed.set(alert.id, backtestAlert(alert, eventIdsPerAlert));
    },
  });

  const started = clock();
  let lastProgress = started;
  let eventsRead = 0;
  let first: EcsEvent | undefined;
  let last: EcsEvent | undefined;
  let stoppedBy: BacktestStop | null = null;
  const progress = (now: number, done: boolean): BacktestProgress => {
    const elapsedMs = now - started;
    return { eventsRead, lastEventTime: timeOf(last), alertsRaised, elapsedMs, eventsPerSecond: elapsedMs > 0 ? (eventsRead * 1000) / elapsedMs : 0, done };
  };

  for await (const event of events) {
    if (options.signal?.aborted) {
      stoppedBy = 'cancelled';
      break;
    }
    if (eventsRead >= maxEvents) {
      stoppedBy = 'event-limit';
      break;
    }
    engine.process(event);
    eventsRead++;
    first ??= event;
    last = event;
    if (eventsRead % CHECK_EVERY !== 0) continue;
    const now = clock();
    if (now - started >= timeLimitMs) {
      stoppedBy = 'time-limit';
      break;
    }
    if (options.onProgress && now - lastProgress >= progressIntervalMs) {
      lastProgress = now;
      options.onProgress(progress(now, false));
    }
    await nextTurn();
  }

  const ended = clock();
  options.onProgress?.(progress(ended, true));
  return {
    complete: stoppedBy === null,
    stoppedBy,
    eventsRead,
    firstEventTime: timeOf(first),
    lastEventTime: timeOf(last),
    rules: ruleset.rules.map((rule) => ({
      id: rule.id,
      name: rule.name ?? null,
      title: rule.title,
      kind: rule.kind,
      level: rule.level,
      selected: selected.has(rule.id),
      raisesAlerts: ruleset.generatesAlerts(rule),
      ...counts.get(rule.id)!,
    })),
    alertsRaised,
    alerts: [...listed.values()],
    alertsOmitted: alertsRaised - listed.size,
    ruleErrors: engine.stats().ruleErrors,
    durationMs: Math.round(ended - started),
  };
}

function timeOf(event: EcsEvent | undefined): string | null {
  const time = event?.['@timestamp'];
  return typeof time === 'string' ? time : null;
}
