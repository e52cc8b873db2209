import type { Alert } from '@vigil/schema';
import type { AlertChange } from './config.ts';
import type { SuppressedSummary } from './types.ts';

/**
 * Human wording shared by the Slack and mail channels. Alert fields can carry text from the
 * watched systems (group values, messages), so callers escape or encode what they embed.
 */

const HEADLINES: Readonly<Record<AlertChange, string>> = { created: 'New alert', escalated: 'Alert escalated', updated: 'Alert updated' };

/** "New alert", "Alert escalated" or "Alert updated". */
export function headline(event: AlertChange): string {
  return HEADLINES[event];
}

/** `source.ip=203.0.113.7, user.name=root`, or an empty string. */
export function groupText(alert: Alert): string {
  return Object.entries(alert.vigil.alert.group)
    .map(([field, value]) => `${field}=${value}`)
    .join(', ');
}

/** `[Vigil] HIGH: <rule title> (<group>)`, one line, without control characters. */
export function alertSubject(alert: Alert, event: AlertChange): string {
  const group = groupText(alert);
  const prefix = event === 'created' ? '' : `${headline(event)}: `;
  const subject = `[Vigil] ${alert.vigil.alert.severity.toUpperCase()}: ${prefix}${alert.rule.name}${group ? ` (${group})` : ''}`;
  return oneLine(subject, 200);
}

/** ATT&CK tactics and techniques, e.g. `TA0006 Credential Access; T1110 Brute Force`, or undefined. */
export function threatText(alert: Alert): string | undefined {
  const threat = alert.threat;
  if (!threat) return undefined;
  const pairs = (ids: readonly string[], names: readonly string[] | undefined) => ids.map((id, index) => [id, names?.[index]].filter(Boolean).join(' '));
  const parts = [...(threat.tactic ? pairs(threat.tactic.id, threat.tactic.name) : []), ...(threat.technique ? pairs(threat.technique.id, threat.technique.name) : [])];
  return parts.length > 0 ? `${threat.framework ?? 'MITRE ATT&CK'}: ${parts.join('; ')}` : undefined;
}

/** The labelled facts of an alert, in reading order, for a table or a list. */
export function alertFacts(alert: Alert): Array<readonly [label: string, value: string]> {
  const info = alert.vigil.alert;
  const facts: Array<readonly [string, string]> = [
    ['Severity', `${info.severity} (risk score ${alert.event.risk_score})`],
    ['Rule', `${alert.rule.name} (${alert.rule.id})`],
  ];
  const group = groupText(alert);
  if (group) facts.push(['Group', group]);
  facts.push(['Events', String(info.count)], ['First seen', info.first_seen], ['Last seen', info.last_seen], ['Status', info.status]);
  const threat = threatText(alert);
  if (threat) facts.push(['ATT&CK', threat]);
  facts.push(['Alert id', alert.id]);
  return facts;
}

/** Link to the alert in the dashboard, when its address is configured. */
export function alertLink(dashboardUrl: string | undefined, alertId: string): string | undefined {
  if (dashboardUrl === undefined) return undefined;
  return `${dashboardUrl.replace(/#.*$/, '')}#/alerts/${encodeURIComponent(alertId)}`;
}

/** One sentence on alerts held back by the rate limit. */
export function suppressedText(summary: SuppressedSummary): string {
  const alerts = summary.count === 1 ? '1 more alert was' : `${summary.count} more alerts were`;
  return `${alerts} not sent because of the rate limit (${summary.maxPerMinute} per minute) between ${summary.firstAt} and ${summary.lastAt}; see the dashboard for all alerts.`;
}

/** Collapses control characters and line breaks to spaces and cuts to `max` characters. */
export function oneLine(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const flat = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (flat.length <= max) return flat;
  // By code point, so a cut never splits a surrogate pair into invalid UTF-16.
  return `${[...flat].slice(0, max - 1).join('')}…`;
}
