import { Fragment, useMemo, useState, type FormEvent } from 'react';
import { api, downloadFile, messageOf, query } from '../api.ts';
import { useLoaded } from '../hooks.ts';
import { field, flatten, formatTime, plural, show } from '../format.ts';
import { href, navigate } from '../router.ts';
import type { Answer, EcsEvent, EventPage } from '../types.ts';
import { FieldTable, Pivot } from '../components/EventView.tsx';
import { ErrorLine } from '../components/ErrorLine.tsx';
import { SavedSearchBar } from '../components/SavedSearchBar.tsx';
import { EventHistogram } from '../components/EventHistogram.tsx';

const PAGE_SIZE = 100;
const DEFAULT_COLUMNS = ['host.name', 'source.ip', 'user.name'];
/** Most events an export writes (the API's limit). */
const EXPORT_MAX = 100_000;

/** Time ranges offered, as `from` relative to now. */
const RANGES: readonly (readonly [string, string, number | undefined])[] = [
  ['15m', 'Last 15 minutes', 15 * 60_000],
  ['1h', 'Last hour', 3_600_000],
  ['24h', 'Last 24 hours', 86_400_000],
  ['7d', 'Last 7 days', 7 * 86_400_000],
  ['30d', 'Last 30 days', 30 * 86_400_000],
  ['all', 'All time', undefined],
];

/** The fields the loaded events have, with their most common values. */
function fieldSummary(events: readonly EcsEvent[]): { path: string; count: number; top: [string, number][] }[] {
  const byField = new Map<string, Map<string, number>>();
  for (const event of events) {
    for (const [path, value] of flatten(event)) {
      if (path === 'event.original' || path === 'message') continue;
      const values = byField.get(path) ?? new Map<string, number>();
      const text = show(value);
      values.set(text, (values.get(text) ?? 0) + 1);
      byField.set(path, values);
    }
  }
  return [...byField]
    .map(([path, values]) => ({ path, count: [...values.values()].reduce((a, b) => a + b, 0), top: [...values].sort((a, b) => b[1] - a[1]).slice(0, 5) }))
    .sort((a, b) => b.count - a.count || a.path.localeCompare(b.path));
}

/** The start of a time range (ISO), or undefined for all time. */
function rangeStart(range: string): string | undefined {
  const span = RANGES.find(([id]) => id === range)?.[2];
  return span === undefined ? undefined : new Date(Date.now() - span).toISOString();
}

/**
 * Event search: the query language, a time range, results with chosen columns, a field sidebar
 * (top values of the loaded events, add as column, filter in or out), each event's fields with
 * pivots, and export of what is loaded. The query and range are in the URL, so a pivot from an
 * alert lands here with its query run.
 */
export function SearchPage({ params }: { params: URLSearchParams }) {
  const q = params.get('q') ?? '';
  const range = params.get('range') ?? 'all';
  const [text, setText] = useState(q);
  // The page is keyed by its URL (App): each search mounts it afresh, its range counted back from then.
  const [from] = useState(() => rangeStart(range));
  const [columns, setColumns] = useState<string[]>(DEFAULT_COLUMNS);
  const [open, setOpen] = useState<number | null>(null);
  const [more, setMore] = useState<{ events: EcsEvent[]; cursor: string | null } | null>(null);
  const [moreError, setMoreError] = useState('');
  const [busy, setBusy] = useState(false);
  const first = useLoaded(params.has('q') ? 'search' : null, () => api<EventPage>(`/api/v1/events${query({ q, from, size: PAGE_SIZE })}`));
  const histogram = useLoaded(params.has('q') ? 'histogram' : null, () => api<Answer<'eventHistogram'>>(`/api/v1/events/histogram${query({ q, from, buckets: 60 })}`));
  const error = moreError || first.error;
  const events = useMemo(() => (first.error ? [] : [...(first.data?.events ?? []), ...(more?.events ?? [])]), [first, more]);
  const total = first.error || !first.data ? null : first.data.total;
  const cursor = first.error ? null : more ? more.cursor : (first.data?.cursor ?? null);

  async function loadMore() {
    if (cursor === null) return;
    setBusy(true);
    try {
      const page = await api<EventPage>(`/api/v1/events${query({ q, from, size: PAGE_SIZE, cursor })}`);
      setMore({ events: [...(more?.events ?? []), ...page.events], cursor: page.cursor });
      setMoreError('');
    } catch (failure) {
      setMoreError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  function run(nextQuery: string, nextRange = range) {
    navigate(href('search', { q: nextQuery, range: nextRange, run: String(Date.now()) }));
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    run(text);
  }

  const addClause = (clause: string) => run(q.trim() === '' ? clause : `${q} AND ${clause}`);
  const summary = useMemo(() => fieldSummary(events), [events]);

  /** Every matching event (not only those loaded), written by the API; CSV with the columns shown. */
  async function exportAs(format: 'csv' | 'ndjson') {
    const fields = ['@timestamp', ...columns, 'message'].join(',');
    try {
      await downloadFile(`/api/v1/events/export${query({ q, from, format, ...(format === 'csv' && { fields }) })}`, `vigil-events.${format}`);
      setMoreError('');
    } catch (failure) {
      setMoreError(messageOf(failure));
    }
  }

  return (
    <section className="panel" aria-labelledby="search-title">
      <div className="panel-head">
        <h2 id="search-title">Event search</h2>
      </div>
      <form className="search" onSubmit={submit} data-testid="search-form">
        <input type="search" value={text} placeholder="source.ip:203.0.113.50 AND event.outcome:failure" aria-label="Query" onChange={(event) => setText(event.target.value)} data-testid="search-input" />
        <select value={range} aria-label="Time range" onChange={(event) => run(text, event.target.value)} data-testid="search-range">
          {RANGES.map(([id, label]) => (
            <option key={id} value={id}>
              {label}
            </option>
          ))}
        </select>
        <button type="submit" disabled={busy} data-testid="search-submit">
          Search
        </button>
      </form>
      <SavedSearchBar query={q} range={range} onRun={(search) => run(search.query, search.range)} />
      <ErrorLine message={error} testId="search-error" />
      <div className="results-head">
        <span className="muted" data-testid="search-total">
          {total === null ? '' : plural(total, 'event')}
        </span>
        {events.length > 0 && (
          <span className="exports">
            Export {total !== null && total > EXPORT_MAX ? `the newest ${EXPORT_MAX.toLocaleString('en')}` : 'all'}:{' '}
            <button type="button" className="link" onClick={() => void exportAs('csv')} data-testid="export-csv">
              CSV
            </button>{' '}
            <button type="button" className="link" onClick={() => void exportAs('ndjson')} data-testid="export-ndjson">
              NDJSON
            </button>
          </span>
        )}
      </div>
      {histogram.data && !first.error && <EventHistogram histogram={histogram.data} testId="search-histogram" />}
      <div className="search-body">
        <aside className="sidebar" aria-label="Fields" data-testid="field-sidebar">
          {summary.slice(0, 40).map(({ path, count, top }) => (
            <details key={path}>
              <summary>
                {path} <span className="muted">{count}</span>
              </summary>
              <button type="button" className="link" onClick={() => setColumns(columns.includes(path) ? columns.filter((name) => name !== path) : [...columns, path])} data-testid="toggle-column">
                {columns.includes(path) ? 'remove column' : 'add as column'}
              </button>
              <ul>
                {top.map(([value, times]) => (
                  <li key={value}>
                    <span className="value">{value}</span> <span className="muted">{times}</span> <Pivot path={path} value={value} onFilter={addClause} />
                  </li>
                ))}
              </ul>
            </details>
          ))}
        </aside>
        <div className="results">
          <table className="grid">
            <thead>
              <tr>
                <th>Time</th>
                {columns.map((name) => (
                  <th key={name}>{name}</th>
                ))}
                <th>Message</th>
              </tr>
            </thead>
            <tbody>
              {events.map((event, index) => (
                <Fragment key={index}>
                  <tr className="clickable" onClick={() => setOpen(open === index ? null : index)} data-testid="search-row">
                    <td className="time">{formatTime(show(field(event, '@timestamp')))}</td>
                    {columns.map((name) => (
                      <td key={name}>{show(field(event, name))}</td>
                    ))}
                    <td className="message">{show(field(event, 'message') ?? field(event, 'event.original'))}</td>
                  </tr>
                  {open === index && (
                    <tr className="expanded" data-testid="search-detail">
                      <td colSpan={columns.length + 2}>
                        <FieldTable event={event} onFilter={addClause} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
          {cursor !== null && (
            <button type="button" disabled={busy} onClick={() => void loadMore()} data-testid="search-more">
              More
            </button>
          )}
        </div>
      </div>
    </section>
  );
}
