import { formatDuration, type BacktestProgress, type BacktestReport } from '@vigil/engine';

/** A backtest report with the request it answers, as `vigil backtest --json` and the API give it. */
export type BacktestResult = BacktestReport & { from: string; to: string; query: string };

/**
 * The live progress line: events read, rate, how much of the time range the events read so far
 * cover, and alerts. Starts with a carriage return and an erase-line so each call redraws it in place.
 */
export function progressLine(progress: BacktestProgress, range: { from: string; to: string }): string {
  const start = Date.parse(range.from);
  const span = Date.parse(range.to) - start;
  const at = progress.lastEventTime === null ? start : Date.parse(progress.lastEventTime);
  const covered = progress.done ? 1 : Math.min(1, Math.max(0, (at - start) / span));
  const rate = Math.round(progress.eventsPerSecond).toLocaleString('en-US');
  return `\r\x1b[2Kbacktest: ${progress.eventsRead.toLocaleString('en-US')} events read (${rate}/s), ${Math.floor(covered * 100)}% of the range, ${progress.alertsRaised} alert(s) in ${formatDuration(progress.elapsedMs)}`;
}

/** Up to this many rules, the table lists every rule run. */
const MAX_QUIET_RULES = 20;

/** The report as a readable table: what was read, each rule's matches and alerts, then the alerts. */
export function formatReport(result: BacktestResult): string {
  const read = `read ${result.eventsRead} event(s) in ${(result.durationMs / 1000).toFixed(1)} s`;
  const lines = [
    `backtest ${result.from} → ${result.to}${result.query === '' ? '' : ` (query: ${result.query})`}`,
    result.complete ? `${read}: the whole range` : `${read}: stopped early (${result.stoppedBy}); events up to ${result.lastEventTime ?? 'the start of the range'} were read`,
  ];
  if (result.ruleErrors > 0) lines.push(`rules failed ${result.ruleErrors} time(s) on an event (skipped, as the engine does)`);
  lines.push('', ...ruleTable(result.rules), '', `${result.alertsRaised} alert(s) would have been raised`);
  if (result.alerts.length > 0) lines.push(...alertTable(result.alerts));
  if (result.alertsOmitted > 0) lines.push(`… and ${result.alertsOmitted} more, not listed (raise --max-alerts to see them)`);
  return lines.join('\n');
}

function ruleTable(all: BacktestResult['rules']): string[] {
  // A whole pack is hundreds of rules: past a screenful, the ones that matched nothing are only counted.
  const rules = all.length <= MAX_QUIET_RULES ? all : all.filter((rule) => rule.matches > 0);
  const rows = rules.map((rule) => [
    `${rule.name ?? rule.title}${rule.selected ? '' : ' (read by a correlation)'}`,
    rule.kind,
    rule.level,
    String(rule.matches),
    rule.raisesAlerts ? String(rule.alerts) : '-',
  ]);
  const lines = table(['RULE', 'KIND', 'LEVEL', 'MATCHES', 'ALERTS'], rows, [3, 4]);
  if (rules.length < all.length) lines.push(`… and ${all.length - rules.length} more rule(s) that matched nothing`);
  if (rules.some((rule) => !rule.raisesAlerts)) lines.push('(-: the rule only feeds correlations and raises no alerts of its own)');
  return lines;
}

function alertTable(alerts: BacktestResult['alerts']): string[] {
  const rows = alerts.map((alert) => [
    alert.firstSeen,
    alert.lastSeen,
    alert.severity,
    String(alert.riskScore),
    String(alert.count),
    alert.rule.title,
    Object.entries(alert.group).map(([field, value]) => `${field}=${value}`).join(' ') || '-',
  ]);
  return table(['FIRST SEEN', 'LAST SEEN', 'SEVERITY', 'RISK', 'COUNT', 'RULE', 'GROUP'], rows, [3, 4]);
}

/** Rows padded into columns; the columns at `rightAligned` are numbers. */
function table(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly number[]): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (rightAligned.includes(column) ? cell.padStart(widths[column]!) : column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ');
  return [line(header), ...rows.map(line)];
}
