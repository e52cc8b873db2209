import { useMemo, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { formatTime, plural } from '../format.ts';
import { useAction, useLoaded } from '../hooks.ts';
import { canTriage, NO_TRIAGE } from '../roles.ts';
import { href } from '../router.ts';
import type { Answer, WhoAmI } from '../types.ts';
import { ErrorLine } from '../components/ErrorLine.tsx';
import { Severity } from '../components/Severity.tsx';
import { attackUrl } from '../components/AlertDetail.tsx';

type RuleSummary = Answer<'listRules'>['rules'][number];
type Backtest = Answer<'runBacktest'>;

/** The rules the engines run: list (filter, level, ATT&CK, alerts raised), or one rule with its YAML, tests and a backtest. */
export function RulesPage({ me, ruleId }: { me: WhoAmI; ruleId: string | undefined }) {
  return ruleId === undefined ? <RuleList /> : <RuleView key={ruleId} me={me} id={ruleId} />;
}

function RuleList() {
  const listed = useLoaded('rules', () => api<Answer<'listRules'>>('/api/v1/rules'));
  const [filter, setFilter] = useState('');
  const rules = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const all = listed.data?.rules ?? [];
    return needle === '' ? all : all.filter((rule) => [rule.title, rule.name ?? '', rule.id, rule.level, ...rule.tactics, ...rule.techniques].some((text) => text.toLowerCase().includes(needle)));
  }, [listed.data, filter]);
  return (
    <section className="panel" aria-labelledby="rules-title">
      <div className="panel-head">
        <h2 id="rules-title">Rules</h2>
        <span className="muted" data-testid="rules-total">
          {listed.data ? plural(rules.length, 'rule') : ''}
        </span>
      </div>
      <div className="filters">
        <input type="search" value={filter} placeholder="filter by title, level, tactic, technique" aria-label="Filter rules" onChange={(event) => setFilter(event.target.value)} data-testid="rules-filter" />
      </div>
      <ErrorLine message={listed.error} testId="rules-error" />
      <table className="grid">
        <thead>
          <tr>
            <th>Rule</th>
            <th>Level</th>
            <th>Kind</th>
            <th>ATT&CK</th>
            <th>Status</th>
            <th>Alerts</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((rule) => (
            <RuleRow key={rule.id} rule={rule} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function RuleRow({ rule }: { rule: RuleSummary }) {
  return (
    <tr data-testid="rule-row">
      <td>
        <a href={href('rules', rule.id)} data-testid="rule-link">
          {rule.title}
        </a>
        {!rule.enabled && (
          <span className="off" title={rule.disabled ? `Turned off by ${rule.disabled.by}: ${rule.disabled.reason}` : undefined} data-testid="rule-off">
            off
          </span>
        )}
        {rule.description && <div className="muted small">{rule.description}</div>}
      </td>
      <td>
        <Severity level={rule.level} />
      </td>
      <td>{rule.kind}</td>
      <td>
        <div className="muted small">{rule.tactics.join(', ')}</div>
        {rule.techniques.map((technique) => (
          <a key={technique} className="tag" href={attackUrl(technique)} target="_blank" rel="noreferrer noopener">
            {technique}
          </a>
        ))}
      </td>
      <td>{rule.status ?? ''}</td>
      <td>{rule.alerts > 0 ? <a href={href('alerts', { rule: rule.id })}>{rule.alerts}</a> : 0}</td>
    </tr>
  );
}

function localInput(date: Date): string {
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function RuleView({ me, id }: { me: WhoAmI; id: string }) {
  const rule = useLoaded(`rule:${id}`, () => api<Answer<'getRule'>>(`/api/v1/rules/${encodeURIComponent(id)}`));
  const action = useAction();
  const [tests, setTests] = useState<Answer<'testRule'> | null>(null);
  const [backtest, setBacktest] = useState<Backtest | null>(null);
  const [from, setFrom] = useState(() => localInput(new Date(Date.now() - 86_400_000)));
  // The inputs have minutes: the range ends at the next whole minute, so it covers what arrived this minute.
  const [to, setTo] = useState(() => localInput(new Date(Date.now() + 60_000)));
  const [busy, setBusy] = useState(false);
  const triage = canTriage(me);
  const data = rule.data;

  const runTests = () => action.run(async () => setTests(await api<Answer<'testRule'>>(`/api/v1/rules/${encodeURIComponent(id)}/tests`, { method: 'POST' })));

  async function runBacktest(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    await action.run(async () => setBacktest(await api<Backtest>('/api/v1/backtests', { method: 'POST', body: { rules: [id], from: new Date(from).toISOString(), to: new Date(to).toISOString() } })));
    setBusy(false);
  }

  return (
    <section className="panel" aria-labelledby="rule-title">
      <div className="panel-head">
        <h2 id="rule-title" data-testid="rule-title">
          {data?.title ?? id}
        </h2>
        <a href={href('rules')}>All rules</a>
      </div>
      <ErrorLine message={action.error || rule.error} testId="rule-error" />
      {data && (
        <>
          <dl className="fields">
            <dt>Id</dt>
            <dd>
              {data.id} {data.name && <span className="muted">({data.name})</span>}
            </dd>
            <dt>Level</dt>
            <dd>
              <Severity level={data.level} />
            </dd>
            <dt>Kind</dt>
            <dd>{data.kind}</dd>
            {data.description && (
              <>
                <dt>Description</dt>
                <dd>{data.description}</dd>
              </>
            )}
            <dt>ATT&CK</dt>
            <dd>
              {data.tactics.join(', ')}{' '}
              {data.techniques.map((technique) => (
                <a key={technique} className="tag" href={attackUrl(technique)} target="_blank" rel="noreferrer noopener">
                  {technique}
                </a>
              ))}
            </dd>
            <dt>State</dt>
            <dd data-testid="rule-state">
              {data.enabled ? 'on' : `off since ${formatTime(data.disabled?.at)} (${data.disabled?.by}: ${data.disabled?.reason})`}
              <RuleSwitch rule={data} mayChange={triage} onChanged={rule.reload} run={action.run} />
            </dd>
            <dt>Alerts raised</dt>
            <dd>
              <a href={href('alerts', { rule: data.id })}>{data.alerts}</a>
            </dd>
            {data.falsepositives.length > 0 && (
              <>
                <dt>False positives</dt>
                <dd>{data.falsepositives.join('; ')}</dd>
              </>
            )}
          </dl>
          <h3>Source ({data.file})</h3>
          <pre className="source" data-testid="rule-source">
            {data.source}
          </pre>

          <h3>Tests</h3>
          <button type="button" disabled={!triage} title={triage ? undefined : NO_TRIAGE} onClick={() => void runTests()} data-testid="rule-run-tests">
            Run its tests
          </button>
          {tests && (
            <div data-testid="rule-tests">
              <p className={tests.passed ? 'ok-text' : 'error-text'} data-testid="rule-tests-summary">
                {tests.passed ? `All ${plural(tests.cases.length, 'case')} passed.` : 'Some tests failed.'}
              </p>
              <ul>
                {tests.cases.map((result) => (
                  <li key={`${result.line}:${result.name}`} className={result.passed ? undefined : 'error-text'}>
                    {result.passed ? 'ok' : 'FAIL'} line {result.line}: {result.name}
                    {result.failures.map((failure) => (
                      <div key={failure} className="small">
                        {failure}
                      </div>
                    ))}
                  </li>
                ))}
                {tests.problems.map((problem) => (
                  <li key={problem} className="error-text">
                    {problem}
                  </li>
                ))}
              </ul>
            </div>
          )}

          <h3>Backtest</h3>
          <form className="inline-form" onSubmit={(event) => void runBacktest(event)} data-testid="backtest-form">
            <label>
              From
              <input type="datetime-local" value={from} required onChange={(event) => setFrom(event.target.value)} data-testid="backtest-from" />
            </label>
            <label>
              To
              <input type="datetime-local" value={to} required onChange={(event) => setTo(event.target.value)} data-testid="backtest-to" />
            </label>
            <button type="submit" disabled={!triage || busy} title={triage ? undefined : NO_TRIAGE} data-testid="backtest-run">
              {busy ? 'Running…' : 'Run over stored events'}
            </button>
          </form>
          {backtest && <BacktestResult report={backtest} />}
        </>
      )}
    </section>
  );
}

/** Turns a rule off (asking why) or on again. */
function RuleSwitch({ rule, mayChange, onChanged, run }: { rule: Answer<'getRule'>; mayChange: boolean; onChanged: () => void; run: (action: () => Promise<unknown>) => Promise<boolean> }) {
  const [asking, setAsking] = useState(false);
  const [reason, setReason] = useState('');
  const change = async (body: { enabled: boolean; reason?: string }) => {
    if (await run(() => api(`/api/v1/rules/${encodeURIComponent(rule.id)}/state`, { method: 'PUT', body }))) {
      setAsking(false);
      setReason('');
      onChanged();
    }
  };
  if (!rule.enabled) {
    return (
      <button type="button" className="inline-button" disabled={!mayChange} title={mayChange ? undefined : NO_TRIAGE} onClick={() => void change({ enabled: true })} data-testid="rule-turn-on">
        Turn on
      </button>
    );
  }
  if (!asking) {
    return (
      <button type="button" className="inline-button" disabled={!mayChange} title={mayChange ? undefined : NO_TRIAGE} onClick={() => setAsking(true)} data-testid="rule-turn-off">
        Turn off…
      </button>
    );
  }
  return (
    <form
      className="inline-form"
      onSubmit={(event) => {
        event.preventDefault();
        void change({ enabled: false, reason });
      }}
    >
      <input value={reason} required maxLength={1024} placeholder="why (shown with the rule)" aria-label="Reason" onChange={(event) => setReason(event.target.value)} data-testid="rule-off-reason" />
      <button type="submit" data-testid="rule-off-confirm">
        Turn off
      </button>
      <button type="button" className="link" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </form>
  );
}

function BacktestResult({ report }: { report: Backtest }) {
  const selected = report.rules.filter((rule) => rule.selected);
  return (
    <div data-testid="backtest-result">
      <p>
        Read {plural(report.eventsRead, 'event')}
        {report.firstEventTime && ` (${formatTime(report.firstEventTime)} to ${formatTime(report.lastEventTime)})`}
        {report.complete ? '' : `, stopped early (${report.stoppedBy})`}: {selected.map((rule) => `${plural(rule.matches, 'match', 'matches')} of ${rule.title}`).join(', ')}, {plural(report.alertsRaised, 'alert')} would have been raised.
      </p>
      <ul>
        {report.alerts.map((alert) => (
          <li key={alert.id}>
            {formatTime(alert.firstSeen)} {Object.entries(alert.group).map(([name, value]) => `${name}=${value}`).join(' ')} ({plural(alert.count, 'event')})
          </li>
        ))}
      </ul>
    </div>
  );
}
