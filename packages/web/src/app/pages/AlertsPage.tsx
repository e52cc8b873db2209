import { useCallback, useEffect, useEffectEvent, useMemo, useState, type FormEvent } from 'react';
import { api, query } from '../api.ts';
import { useAction, useCoalesced, useLoaded } from '../hooks.ts';
import { useLiveAlerts } from '../live.ts';
import { ErrorLine } from '../components/ErrorLine.tsx';
import { formatTime, plural, term } from '../format.ts';
import { canTriage, NO_TRIAGE } from '../roles.ts';
import { currentRoute, href, navigate } from '../router.ts';
import { SEVERITIES, STATUSES, type Alert, type AlertPage, type WhoAmI } from '../types.ts';
import { AlertDetail } from '../components/AlertDetail.tsx';
import { CloseMenu } from '../components/CloseMenu.tsx';
import { Severity } from '../components/Severity.tsx';

/** How often the queue refreshes itself: rarely while the live stream is up, often while it is not. */
const REFRESH_LIVE_MS = 60_000;
const REFRESH_OFFLINE_MS = 5_000;
const PAGE_SIZE = 200;

type SortKey = 'last_seen' | 'severity' | 'count' | 'first_seen';

const SEVERITY_RANK = Object.fromEntries(SEVERITIES.map((level, index) => [level, SEVERITIES.length - index]));

function sorted(alerts: readonly Alert[], key: SortKey): Alert[] {
  const by: Record<SortKey, (alert: Alert) => number | string> = {
    last_seen: (alert) => alert.vigil.alert.last_seen,
    first_seen: (alert) => alert.vigil.alert.first_seen,
    severity: (alert) => SEVERITY_RANK[alert.vigil.alert.severity] ?? 0,
    count: (alert) => alert.vigil.alert.count,
  };
  const value = by[key];
  return [...alerts].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    return x < y ? 1 : x > y ? -1 : 0;
  });
}

/**
 * The alert queue: filters (kept in the URL), sort, multi-select with bulk triage, keyboard
 * triage (j/k to move, o or Enter to open, x to select, a to acknowledge), refreshed every few
 * seconds; the selected alert's detail beside it.
 */
export function AlertsPage({ me, selectedId, params }: { me: WhoAmI; selectedId: string | undefined; params: URLSearchParams }) {
  const filters = useMemo(() => filtersOf(params), [params]);
  const action = useAction();
  const [sortKey, setSortKey] = useState<SortKey>('last_seen');
  const [checked, setChecked] = useState<ReadonlySet<string>>(new Set());
  const [focus, setFocus] = useState(0);
  const [version, setVersion] = useState(0);
  const [queryText, setQueryText] = useState(filters.q);
  const triage = canTriage(me);
  // Keyed by the filters; "last seen" is counted back from when each request is made.
  const filterKey = JSON.stringify(filters);
  const request = (nowMs: number) => `/api/v1/alerts${query({ status: filters.status, severity: filters.severity, rule: filters.rule, q: alertQuery(filters, nowMs), size: PAGE_SIZE })}`;
  const [liveNotices, setLiveNotices] = useState(0);
  const live = useLiveAlerts(() => setLiveNotices((count) => count + 1));
  const { data: page, error: loadError, reload } = useLoaded(filterKey, () => api<AlertPage>(request(Date.now())), live === 'live' ? REFRESH_LIVE_MS : REFRESH_OFFLINE_MS);
  // A burst of changes (an attack updating its alert every second) reloads the queue once.
  const refreshLive = useCoalesced(() => {
    reload();
    setVersion((value) => value + 1);
  }, 300);
  useEffect(() => {
    if (liveNotices > 0) refreshLive();
  }, [liveNotices, refreshLive]);
  const error = action.error || loadError;

  const alerts = useMemo(() => sorted(page?.alerts ?? [], sortKey), [page, sortKey]);

  const setFilter = (name: string, value: string) => showAlerts(queueInAddressBar().selectedId, { [name]: value });

  const { run } = action;
  const change = useCallback(
    async (ids: readonly string[], body: Record<string, unknown>) => {
      await run(async () => {
        for (const id of ids) await api(`/api/v1/alerts/${encodeURIComponent(id)}`, { method: 'PATCH', body });
      });
      reload();
      setVersion((value) => value + 1);
    },
    [run, reload],
  );

  // Keyboard triage; not while typing in a field.
  const onKey = useEffectEvent((event: KeyboardEvent) => {
    const target = event.target as HTMLElement | null;
    if (event.ctrlKey || event.metaKey || event.altKey || target?.closest('input, select, textarea')) return;
    const focused = alerts[focus];
    if (event.key === 'j') setFocus(Math.min(focus + 1, alerts.length - 1));
    else if (event.key === 'k') setFocus(Math.max(focus - 1, 0));
    else if ((event.key === 'o' || event.key === 'Enter') && focused) showAlerts(focused.id);
    else if (event.key === 'x' && focused) setChecked(toggled(checked, focused.id));
    else if (event.key === 'a' && triage && focused) void change(checked.size > 0 ? [...checked] : [focused.id], { status: 'acknowledged' });
    else return;
    event.preventDefault();
  });
  useEffect(() => {
    const listener = (event: KeyboardEvent) => onKey(event);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);

  function submitQuery(event: FormEvent) {
    event.preventDefault();
    setFilter('q', queryText);
  }

  const selection = [...checked].filter((id) => alerts.some((alert) => alert.id === id));
  return (
    <div className={selectedId ? 'split' : undefined}>
      <section className="panel" aria-labelledby="alerts-title">
        <div className="panel-head">
          <h2 id="alerts-title">Alerts</h2>
          <span className="muted" data-testid="alerts-total">
            {page ? plural(page.total, 'alert') : ''}
          </span>
          <span className={`live live-${live}`} title={live === 'live' ? `Following alert changes as they happen (${plural(liveNotices, 'change')} so far)` : 'Not following live; refreshing every few seconds'} data-testid="live-state">
            {live === 'live' ? '● live' : live === 'connecting' ? '○ connecting' : '○ reconnecting'}
          </span>
        </div>
        <div className="filters">
          <label>
            Status
            <select value={filters.status} onChange={(event) => setFilter('status', event.target.value)} data-testid="alert-filter">
              <option value="">all</option>
              {STATUSES.map((status) => (
                <option key={status}>{status}</option>
              ))}
            </select>
          </label>
          <label>
            Severity
            <select value={filters.severity} onChange={(event) => setFilter('severity', event.target.value)} data-testid="alert-filter-severity">
              <option value="">all</option>
              {SEVERITIES.map((level) => (
                <option key={level}>{level}</option>
              ))}
            </select>
          </label>
          <label>
            Rule
            <input value={filters.rule} placeholder="rule id or name" onChange={(event) => setFilter('rule', event.target.value)} data-testid="alert-filter-rule" />
          </label>
          <label>
            Assignee
            <span className="inline">
              <input value={filters.assignee} placeholder="anyone" size={10} onChange={(event) => setFilter('assignee', event.target.value)} data-testid="alert-filter-assignee" />
              <button type="button" className="link" onClick={() => setFilter('assignee', me.name)} data-testid="alert-filter-mine">
                mine
              </button>
            </span>
          </label>
          <label>
            Last seen
            <select value={filters.seen} onChange={(event) => setFilter('seen', event.target.value)} data-testid="alert-filter-seen">
              {SEEN_WITHIN.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <form onSubmit={submitQuery} className="inline">
            <input type="search" value={queryText} placeholder="query, e.g. source.ip:203.0.113.50" aria-label="Alert query" onChange={(event) => setQueryText(event.target.value)} data-testid="alert-query" />
          </form>
          <label>
            Sort
            <select value={sortKey} onChange={(event) => setSortKey(event.target.value as SortKey)} data-testid="alert-sort">
              <option value="last_seen">last seen</option>
              <option value="first_seen">first seen</option>
              <option value="severity">severity</option>
              <option value="count">count</option>
            </select>
          </label>
          <button type="button" onClick={reload} data-testid="alerts-refresh">
            Refresh
          </button>
        </div>
        {selection.length > 0 && (
          <div className="bulk" data-testid="bulk-bar">
            <span>{plural(selection.length, 'alert')} selected</span>
            <button type="button" disabled={!triage} title={triage ? undefined : NO_TRIAGE} onClick={() => void change(selection, { status: 'acknowledged' })} data-testid="bulk-ack">
              Acknowledge
            </button>
            <button type="button" disabled={!triage} title={triage ? undefined : NO_TRIAGE} onClick={() => void change(selection, { assignee: me.name })} data-testid="bulk-assign">
              Assign to me
            </button>
            <CloseMenu disabled={!triage} title={triage ? undefined : NO_TRIAGE} onClose={(resolution) => void change(selection, { status: 'closed', resolution })} />
            <button type="button" className="link" onClick={() => setChecked(new Set())}>
              Clear
            </button>
          </div>
        )}
        <ErrorLine message={error} testId="alerts-error" />
        <p className="muted hint">Keys: j/k move · o open · x select · a acknowledge</p>
        <table className="grid">
          <thead>
            <tr>
              <th aria-label="Select" />
              <th>Severity</th>
              <th className="wide">Rule</th>
              <th>Message</th>
              <th>Count</th>
              <th className="wide">First seen</th>
              <th>Last seen</th>
              <th>Status</th>
              <th className="wide">Assignee</th>
              <th className="wide" />
            </tr>
          </thead>
          <tbody>
            {alerts.map((alert, index) => {
              const info = alert.vigil.alert;
              const classes = ['clickable', alert.id === selectedId ? 'selected' : '', index === focus ? 'focused' : ''].filter(Boolean).join(' ');
              return (
                <tr key={alert.id} className={classes} data-testid="alert-row" data-alert-id={alert.id} onClick={() => showAlerts(alert.id)}>
                  <td onClick={(event) => event.stopPropagation()}>
                    <input type="checkbox" aria-label={`Select ${alert.rule.name}`} checked={checked.has(alert.id)} onChange={() => setChecked(toggled(checked, alert.id))} data-testid="alert-check" />
                  </td>
                  <td>
                    <Severity level={info.severity} />
                  </td>
                  <td className="wide" data-testid="alert-rule">{alert.rule.name}</td>
                  <td className="message" data-testid="alert-message">
                    <span className="clamp">{alert.message}</span>
                  </td>
                  <td data-testid="alert-count">{info.count}</td>
                  <td className="time wide">{formatTime(info.first_seen)}</td>
                  <td className="time">{formatTime(info.last_seen)}</td>
                  <td data-testid="alert-status">{info.status}</td>
                  <td className="wide">{info.assignee ?? ''}</td>
                  <td className="wide">
                    <div className="actions">
                      <button
                        type="button"
                        disabled={!triage || info.status !== 'open'}
                        title={triage ? undefined : NO_TRIAGE}
                        onClick={(event) => {
                          event.stopPropagation();
                          void change([alert.id], { status: 'acknowledged' });
                        }}
                        data-testid="alert-ack"
                      >
                        Acknowledge
                      </button>
                      <CloseMenu disabled={!triage || info.status === 'closed'} title={triage ? undefined : NO_TRIAGE} onClose={(resolution) => void change([alert.id], { status: 'closed', resolution })} />
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {page && page.alerts.length < page.total && <p className="muted">Showing the {page.alerts.length} most recently seen; narrow the filters to see others.</p>}
      </section>
      {selectedId && <AlertDetail id={selectedId} me={me} version={version} onChanged={() => {
            reload();
            setVersion((value) => value + 1);
          }} onClose={() => showAlerts(undefined)} />}
    </div>
  );
}

/** The "last seen" choices: a span back from now, in minutes ('' for any time). */
const SEEN_WITHIN: readonly (readonly [string, string])[] = [
  ['', 'any time'],
  ['60', 'last hour'],
  ['1440', 'last 24 hours'],
  ['10080', 'last 7 days'],
  ['43200', 'last 30 days'],
];

/** The alert query the filters make: the analyst's own query, and the assignee and last-seen filters as clauses of it. */
/**
 * Opens the queue with an alert's detail (or none), keeping the filters and changing `changes`.
 * Built from the address bar, not from what is rendered: a click made before the last one's
 * `hashchange` has rendered must not undo it (a filter, a closed detail).
 */
function showAlerts(selectedId: string | undefined, changes: Readonly<Record<string, string>> = {}): void {
  navigate(href('alerts', ...(selectedId === undefined ? [] : [selectedId]), { ...queueInAddressBar().filters, ...changes }));
}

/** The queue the address bar holds: its filters and the alert whose detail is open; none if it is on another page. */
function queueInAddressBar(): { filters: Partial<Record<string, string>>; selectedId: string | undefined } {
  const { segments, params } = currentRoute();
  return segments[0] === 'alerts' ? { filters: filtersOf(params), selectedId: segments[1] } : { filters: {}, selectedId: undefined };
}

/** The queue's filters as the URL holds them. */
function filtersOf(params: URLSearchParams) {
  return {
    status: params.get('status') ?? '',
    severity: params.get('severity') ?? '',
    rule: params.get('rule') ?? '',
    q: params.get('q') ?? '',
    assignee: params.get('assignee') ?? '',
    seen: params.get('seen') ?? '',
  };
}

function alertQuery(filters: { q: string; assignee: string; seen: string }, nowMs: number): string {
  const clauses: string[] = [];
  if (filters.q.trim() !== '') clauses.push(`(${filters.q})`);
  if (filters.assignee.trim() !== '') clauses.push(term('vigil.alert.assignee', filters.assignee.trim()));
  const minutes = Number(filters.seen);
  if (filters.seen !== '' && Number.isFinite(minutes)) clauses.push(`vigil.alert.last_seen>=${new Date(nowMs - minutes * 60_000).toISOString()}`);
  return clauses.join(' AND ');
}

function toggled(set: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(set);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}
