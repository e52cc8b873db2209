import { Bar, BarChart, CartesianGrid, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api, query } from '../api.ts';
import { useLoaded } from '../hooks.ts';
import { plural, term } from '../format.ts';
import { href } from '../router.ts';
import { SEVERITIES, STATUSES, type Alert, type AlertPage, type Answer, type Edge } from '../types.ts';
import { EdgeHealth } from '../components/EdgeHealth.tsx';
import { EventHistogram } from '../components/EventHistogram.tsx';
import { ErrorLine } from '../components/ErrorLine.tsx';

/** Alerts read for the charts over time, by tactic and by source (the most recently seen). */
const RECENT = 1000;
const HOURS = 24;
const SEVERITY_COLORS: Readonly<Record<string, string>> = { critical: '#7f1d1d', high: '#b91c1c', medium: '#b45309', low: '#1d4ed8', informational: '#6b7280' };

type Histogram = Answer<'eventHistogram'>;

interface Overview {
  readonly eventsPerHour: Histogram;
  readonly bySeverity: { name: string; alerts: number }[];
  readonly byStatus: { name: string; alerts: number }[];
  readonly perHour: { hour: string; alerts: number }[];
  readonly byTactic: { name: string; alerts: number }[];
  readonly topSources: [string, number][];
  readonly topHosts: [string, number][];
  readonly recent: number;
  readonly edges: Edge[];
}

async function totalOf(filter: Record<string, string>): Promise<number> {
  return (await api<AlertPage>(`/api/v1/alerts${query({ ...filter, size: 1 })}`)).total;
}

function counts(values: readonly (string | undefined)[]): [string, number][] {
  const map = new Map<string, number>();
  for (const value of values) if (value) map.set(value, (map.get(value) ?? 0) + 1);
  return [...map].sort((a, b) => b[1] - a[1]);
}

/** Alerts first seen in each of the last 24 hours (UTC). */
function perHour(alerts: readonly Alert[], nowMs: number): { hour: string; alerts: number }[] {
  const start = Math.floor(nowMs / 3_600_000) * 3_600_000 - (HOURS - 1) * 3_600_000;
  const buckets = Array.from({ length: HOURS }, (_, index) => ({ hour: new Date(start + index * 3_600_000).toISOString().slice(11, 16), alerts: 0 }));
  for (const alert of alerts) {
    const index = Math.floor((Date.parse(alert.vigil.alert.first_seen) - start) / 3_600_000);
    if (index >= 0 && index < HOURS) buckets[index]!.alerts++;
  }
  return buckets;
}

async function loadOverview(): Promise<Overview> {
  const nowMs = Date.now();
  const hourStart = Math.floor(nowMs / 3_600_000) * 3_600_000;
  const [severityTotals, statusTotals, recent, edges, eventsPerHour] = await Promise.all([
    Promise.all(SEVERITIES.map((severity) => totalOf({ severity }))),
    Promise.all(STATUSES.map((status) => totalOf({ status }))),
    api<AlertPage>(`/api/v1/alerts${query({ size: RECENT })}`),
    api<Answer<'listEdges'>>('/api/v1/edges').catch((): Answer<'listEdges'> => ({ edges: [] })),
    // The last 24 whole hours and the current one so far.
    api<Histogram>(`/api/v1/events/histogram${query({ from: new Date(hourStart - 23 * 3_600_000).toISOString(), to: new Date(hourStart + 3_600_000).toISOString(), buckets: 24 })}`),
  ]);
  return {
    eventsPerHour,
    bySeverity: SEVERITIES.map((name, index) => ({ name, alerts: severityTotals[index]! })),
    byStatus: STATUSES.map((name, index) => ({ name, alerts: statusTotals[index]! })),
    perHour: perHour(recent.alerts, Date.now()),
    byTactic: counts(recent.alerts.flatMap((alert) => alert.threat?.tactic?.name ?? ['(none)'])).map(([name, alerts]) => ({ name, alerts })),
    topSources: counts(recent.alerts.map((alert) => alert.source?.ip ?? alert.vigil.alert.group['source.ip'])).slice(0, 10),
    topHosts: counts(recent.alerts.map((alert) => alert.host?.name ?? alert.vigil.alert.group['host.name'])).slice(0, 10),
    recent: recent.alerts.length,
    edges: edges.edges,
  };
}

/** What is happening now: alerts by severity, status, hour and ATT&CK tactic; the top sources and hosts; edge health. */
export function OverviewPage() {
  const { data: overview, error } = useLoaded('overview', loadOverview, 15_000);

  if (!overview) {
    return (
      <ErrorLine message={error} />
    );
  }
  const eventsPerSecond = overview.edges.reduce((sum, edge) => sum + (edge.status === 'online' ? (edge.lastHeartbeat?.eventsPerSecond ?? 0) : 0), 0);
  return (
    <div className="overview" data-testid="overview">
      <ErrorLine message={error} />
      <div className="tiles">
        {overview.byStatus.map(({ name, alerts }) => (
          <a key={name} className="tile" href={href('alerts', { status: name })} data-testid={`tile-${name}`}>
            <span className="figure">{alerts}</span> {name}
          </a>
        ))}
        <div className="tile" data-testid="tile-eps">
          <span className="figure">{eventsPerSecond.toFixed(1)}</span> events/s from {plural(overview.edges.filter((edge) => edge.status === 'online').length, 'online edge')}
        </div>
      </div>
      <section className="panel chart">
        <h2>Events per hour (by event time, UTC), last 24 hours</h2>
        <EventHistogram histogram={overview.eventsPerHour} height={220} testId="overview-events" />
      </section>
      <section className="panel chart">
        <h2>Alerts by severity</h2>
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={overview.bySeverity}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="name" interval={0} tick={{ fontSize: 11 }} />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Bar dataKey="alerts" isAnimationActive={false}>
              {overview.bySeverity.map(({ name }) => (
                <Cell key={name} fill={SEVERITY_COLORS[name]} />
              ))}
            </Bar>
          </BarChart>
        </ResponsiveContainer>
      </section>
      <section className="panel chart">
        <h2>Alerts first seen per hour (UTC), last 24 hours</h2>
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={overview.perHour}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="hour" />
            <YAxis allowDecimals={false} />
            <Tooltip />
            <Bar dataKey="alerts" fill="#1d4ed8" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </section>
      <section className="panel chart">
        <h2>Alerts by ATT&CK tactic</h2>
        <ResponsiveContainer width="100%" height={Math.max(120, overview.byTactic.length * 28)}>
          <BarChart data={overview.byTactic} layout="vertical" margin={{ left: 40 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis type="number" allowDecimals={false} />
            <YAxis type="category" dataKey="name" width={140} />
            <Tooltip />
            <Bar dataKey="alerts" fill="#7c3aed" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </section>
      <section className="panel">
        <h2>Top alerting sources and hosts</h2>
        <p className="muted">Over the {plural(overview.recent, 'alert')} seen most recently.</p>
        <div className="columns">
          <TopList title="source.ip" entries={overview.topSources} />
          <TopList title="host.name" entries={overview.topHosts} />
        </div>
      </section>
      <section className="panel">
        <h2>Edge health</h2>
        <EdgeHealth edges={overview.edges} />
      </section>
    </div>
  );
}

function TopList({ title, entries }: { title: string; entries: readonly [string, number][] }) {
  return (
    <div>
      <h3>{title}</h3>
      {entries.length === 0 && <p className="muted">none</p>}
      <ol>
        {entries.map(([value, count]) => (
          <li key={value}>
            <a href={href('search', { q: term(title, value) })}>{value}</a> <span className="muted">{plural(count, 'alert')}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
