import { z } from 'zod';
import { ALERT_SEVERITIES, type Alert } from '@vigil/schema';

/** Why a backtest stopped before the end of its events. */
export const BACKTEST_STOPS = ['event-limit', 'time-limit', 'cancelled'] as const;
/** A reason a backtest stopped early. */
export type BacktestStop = (typeof BACKTEST_STOPS)[number];

/** One rule's result in a backtest. */
export const backtestRuleResultSchema = z
  .object({
    id: z.string(),
    name: z.string().nullable().describe('The Sigma `name`, when the rule has one.'),
    title: z.string(),
    kind: z.enum(['detection', 'correlation']),
    level: z.enum(ALERT_SEVERITIES),
    selected: z.boolean().describe('False when the rule runs only because a selected correlation reads it.'),
    raisesAlerts: z.boolean().describe('False for a rule whose matches only feed correlations (`generate: false`): it raises no alerts of its own, here as in the engine.'),
    matches: z.number().int().describe('Events the rule matched; for a correlation, the times its condition was met.'),
    alerts: z.number().int().describe('Alerts it would have raised, after dedup.'),
  })
  .strict();

/** An alert a backtest would have raised, in its final state. */
export const backtestAlertSchema = z
  .object({
    id: z.string().describe('The id the engine would have given the alert.'),
    rule: z.object({ id: z.string(), title: z.string() }).strict(),
    group: z.record(z.string(), z.string()).describe('The group-by values identifying the alert\'s subject.'),
    count: z.number().int().describe('Events the alert stands for.'),
    firstSeen: z.string().describe('Event time of its first event, ISO-8601.'),
    lastSeen: z.string().describe('Event time of its last event, ISO-8601.'),
    severity: z.enum(ALERT_SEVERITIES),
    riskScore: z.number().describe('0–100, from the rule level (backtests run without enrichment).'),
    message: z.string(),
    eventIds: z.array(z.string()).describe('Ids of its first few events.'),
  })
  .strict();

/** What a backtest found. */
export const backtestReportSchema = z
  .object({
    complete: z.boolean().describe('True when every event of the range was read; false when a limit stopped it (see `stoppedBy`).'),
    stoppedBy: z.enum(BACKTEST_STOPS).nullable().describe('`event-limit`, `time-limit` or `cancelled` when it stopped early; null when complete.'),
    eventsRead: z.number().int(),
    firstEventTime: z.string().nullable().describe('`@timestamp` of the first event read, or null when none was.'),
    lastEventTime: z.string().nullable().describe('`@timestamp` of the last event read: events are read oldest first, so a stopped backtest covered the range up to here.'),
    rules: z.array(backtestRuleResultSchema).describe('Every rule run, in load order.'),
    alertsRaised: z.number().int().describe('Alerts that would have been raised (after dedup), listed or not.'),
    alerts: z.array(backtestAlertSchema).describe('Those alerts in the order they were raised, up to the configured limit.'),
    alertsOmitted: z.number().int().describe('Alerts raised but left out of `alerts` by the limit.'),
    ruleErrors: z.number().int().describe('Times a rule failed on an event (skipped, as the engine does).'),
    durationMs: z.number().int(),
  })
  .strict();

/** One rule's result in a backtest. */
export type BacktestRuleResult = z.output<typeof backtestRuleResultSchema>;
/** An alert a backtest would have raised. */
export type BacktestAlert = z.output<typeof backtestAlertSchema>;
/** What a backtest found. */
export type BacktestReport = z.output<typeof backtestReportSchema>;

/** The report's view of an alert document, keeping its first `eventIds` event ids. */
export function backtestAlert(alert: Alert, eventIds: number): BacktestAlert {
  const state = alert.vigil.alert;
  return {
    id: alert.id,
    rule: { id: alert.rule.id, title: alert.rule.name },
    group: { ...state.group },
    count: state.count,
    firstSeen: state.first_seen,
    lastSeen: state.last_seen,
    severity: state.severity,
    riskScore: alert.event.risk_score,
    message: alert.message,
    eventIds: state.event_ids.slice(0, eventIds),
  };
}
