import { Fragment, useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { useAction, useLoaded } from '../hooks.ts';
import { ErrorLine } from './ErrorLine.tsx';
import { formatTime, plural, term } from '../format.ts';
import { canTriage, NO_TRIAGE } from '../roles.ts';
import { href } from '../router.ts';
import { RESOLUTIONS, type Alert, type AlertDetailAnswer, type WhoAmI } from '../types.ts';
import { CloseMenu } from './CloseMenu.tsx';
import { EventCard } from './EventView.tsx';
import { Severity } from './Severity.tsx';

/** MITRE's page for a technique id: T1110 → /techniques/T1110/, T1110.001 → /techniques/T1110/001/. */
export function attackUrl(id: string): string {
  return `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`;
}

/** Why the alert scores what it does, from what the alert document shows. */
function riskReasons(alert: Alert): string[] {
  const info = alert.vigil.alert;
  const reasons = [`rule level ${info.severity} (${alert.event.severity})`];
  if (info.asset) reasons.push(`asset ${info.asset.name} is ${info.asset.criticality} criticality`);
  const intel = alert.threat?.enrichments?.length ?? 0;
  if (intel > 0) reasons.push(`${plural(intel, 'threat-intel match', 'threat-intel matches')}`);
  return reasons;
}

type Entry = { at: string; text: string; kind: 'change' | 'comment' };

function timeline(alert: Alert): Entry[] {
  const info = alert.vigil.alert;
  const entries: Entry[] = [
    { at: info.first_seen, text: 'first event', kind: 'change' },
    // Comments are in the history too; they are listed once, as comments.
    ...info.history.filter((entry) => entry.field !== 'comment').map((entry): Entry => ({ at: entry.at, text: `${entry.actor}: ${entry.field} ${entry.from ?? '∅'} → ${entry.to ?? '∅'}`, kind: 'change' })),
    ...info.comments.map((comment): Entry => ({ at: comment.at, text: `${comment.author}: ${comment.text}`, kind: 'comment' })),
  ];
  if (info.last_seen !== info.first_seen) entries.push({ at: info.last_seen, text: `latest event (${plural(info.count, 'event')} in all)`, kind: 'change' });
  return entries.sort((a, b) => a.at.localeCompare(b.at));
}

/** One alert, explained: rule, ATT&CK, risk, enrichment, its events with raw lines and provenance, timeline, comments. */
export function AlertDetail({ id, me, version, onChanged, onClose }: { id: string; me: WhoAmI; version: number; onChanged: () => void; onClose: () => void }) {
  const action = useAction();
  const [comment, setComment] = useState('');
  const triage = canTriage(me);
  const { data: detail, error: loadError } = useLoaded(`${id}#${version}`, () => api<AlertDetailAnswer>(`/api/v1/alerts/${encodeURIComponent(id)}`));
  const error = action.error || loadError;

  async function patch(body: Record<string, unknown>): Promise<boolean> {
    return action.run(async () => {
      await api(`/api/v1/alerts/${encodeURIComponent(id)}`, { method: 'PATCH', body });
      onChanged();
    });
  }

  async function addComment(event: FormEvent) {
    event.preventDefault();
    if (await patch({ comment })) setComment('');
  }

  if (!detail) {
    return (
      <section className="panel detail" data-testid="alert-detail">
        <ErrorLine message={error} />
      </section>
    );
  }
  const { alert, events } = detail;
  const info = alert.vigil.alert;
  const technique = alert.threat?.technique;
  const tactic = alert.threat?.tactic;
  const missing = info.event_ids.length - events.length;
  const resolution = RESOLUTIONS.find(([value]) => value === info.resolution)?.[1] ?? info.resolution;
  return (
    <section className="panel detail" data-testid="alert-detail" aria-labelledby="detail-title">
      <div className="panel-head">
        <h2 id="detail-title" data-testid="detail-title">
          {alert.message}
        </h2>
        <button type="button" className="link" onClick={onClose} data-testid="detail-close">
          Close
        </button>
      </div>
      <ErrorLine message={error} testId="detail-error" />
      <div className="actions">
        <button type="button" disabled={!triage || info.status !== 'open'} title={triage ? undefined : NO_TRIAGE} onClick={() => void patch({ status: 'acknowledged' })} data-testid="detail-ack">
          Acknowledge
        </button>
        <button type="button" disabled={!triage || info.assignee === me.name} title={triage ? undefined : NO_TRIAGE} onClick={() => void patch({ assignee: me.name })} data-testid="detail-assign">
          Assign to me
        </button>
        <CloseMenu disabled={!triage || info.status === 'closed'} title={triage ? undefined : NO_TRIAGE} onClose={(value) => void patch({ status: 'closed', resolution: value })} />
        {info.status === 'closed' && (
          <button type="button" disabled={!triage} onClick={() => void patch({ status: 'open' })} data-testid="detail-reopen">
            Reopen
          </button>
        )}
      </div>
      <dl className="fields">
        <dt>Rule</dt>
        <dd>
          {alert.rule.name} <span className="muted">({alert.rule.id})</span>
          {alert.rule.description && <div className="muted">{alert.rule.description}</div>}
        </dd>
        <dt>Severity</dt>
        <dd>
          <Severity level={info.severity} />
        </dd>
        <dt>Risk score</dt>
        <dd data-testid="detail-risk">
          {alert.event.risk_score} <span className="muted">— {riskReasons(alert).join('; ')}</span>
        </dd>
        <dt>Status</dt>
        <dd data-testid="detail-status">{resolution ? `${info.status} (${resolution})` : info.status}</dd>
        <dt>Assignee</dt>
        <dd>{info.assignee ?? '—'}</dd>
        <dt>Events</dt>
        <dd>
          {info.count}, {formatTime(info.first_seen)} to {formatTime(info.last_seen)}
        </dd>
        {Object.entries(info.group).map(([name, value]) => (
          <GroupValue key={name} name={name} value={value} />
        ))}
        {tactic && (
          <>
            <dt>ATT&CK tactic</dt>
            <dd>{tactic.name.join(', ')}</dd>
          </>
        )}
        {technique && (
          <>
            <dt>ATT&CK technique</dt>
            <dd data-testid="detail-attack">
              {technique.id.map((techniqueId, index) => (
                <a key={techniqueId} href={attackUrl(techniqueId)} target="_blank" rel="noreferrer noopener" className="tag">
                  {techniqueId} {technique.name?.[index] ?? ''}
                </a>
              ))}
            </dd>
          </>
        )}
        <Enrichment alert={alert} />
      </dl>

      <h3>Timeline</h3>
      <ul className="history" data-testid="detail-history">
        {timeline(alert).map((entry, index) => (
          <li key={index} className={`entry-${entry.kind}`}>
            <span className="time">{formatTime(entry.at)}</span> {entry.text}
          </li>
        ))}
      </ul>
      <form onSubmit={(event) => void addComment(event)} className="comment">
        <textarea value={comment} placeholder={triage ? 'Add a comment' : NO_TRIAGE} disabled={!triage} aria-label="Comment" onChange={(event) => setComment(event.target.value)} data-testid="comment-text" />
        <button type="submit" disabled={!triage || comment.trim() === ''} data-testid="comment-submit">
          Comment
        </button>
      </form>

      <h3>Events</h3>
      <p className="muted">{missing > 0 ? `${events.length} of ${info.event_ids.length} events are still stored.` : plural(events.length, 'event')}</p>
      {events.map((event, index) => (
        <EventCard key={index} event={event} />
      ))}
    </section>
  );
}

function GroupValue({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>
        {value}{' '}
        <a href={href('search', { q: term(name, value) })} data-testid="detail-pivot">
          search around this
        </a>
      </dd>
    </>
  );
}

function Enrichment({ alert }: { alert: Alert }) {
  const rows: [string, string][] = [];
  for (const [label, endpoint] of [['Source', alert.source], ['Destination', alert.destination]] as const) {
    if (!endpoint) continue;
    const geo = endpoint.geo;
    const place = [geo?.city_name, geo?.country_name ?? geo?.country_iso_code].filter(Boolean).join(', ');
    const network = endpoint.as ? `AS${endpoint.as.number ?? '?'} ${endpoint.as.organization?.name ?? ''}`.trim() : '';
    const text = [endpoint.ip, place, network].filter(Boolean).join(' · ');
    if (text) rows.push([label, text]);
  }
  const asset = alert.vigil.alert.asset;
  if (asset) rows.push(['Asset', `${asset.name} (${asset.criticality}${asset.owner ? `, owner ${asset.owner}` : ''})`]);
  for (const hit of alert.threat?.enrichments ?? []) {
    const indicator = hit.indicator;
    rows.push(['Threat intel', [hit.matched?.atomic, indicator?.description, indicator?.provider, indicator?.confidence && `confidence ${indicator.confidence}`].filter(Boolean).join(' · ')]);
  }
  return (
    <>
      {rows.map(([label, text], index) => (
        <Fragment key={index}>
          <dt>{label}</dt>
          <dd data-testid="detail-enrichment">{text}</dd>
        </Fragment>
      ))}
    </>
  );
}
