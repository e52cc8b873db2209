import { useState, type FormEvent } from 'react';
import { api, query } from '../api.ts';
import { formatTime, show } from '../format.ts';
import { useLoaded } from '../hooks.ts';
import type { Answer } from '../types.ts';
import { ErrorLine } from '../components/ErrorLine.tsx';

const PAGE_SIZE = 100;

/** The audit log, newest first: every change made through the API and every login, filtered by actor or action. Admins only. */
export function AuditPage() {
  const [filter, setFilter] = useState({ actor: '', action: '' });
  const [draft, setDraft] = useState(filter);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const path = `/api/v1/audit${query({ actor: filter.actor, action: filter.action, size: PAGE_SIZE, cursor })}`;
  const page = useLoaded(path, () => api<Answer<'listAudit'>>(path));

  function apply(event: FormEvent) {
    event.preventDefault();
    setCursor(undefined);
    setFilter(draft);
  }

  return (
    <section className="panel" aria-labelledby="audit-title">
      <div className="panel-head">
        <h2 id="audit-title">Audit log</h2>
      </div>
      <form className="inline-form" onSubmit={apply}>
        <label>
          Actor
          <input value={draft.actor} placeholder="alice or api-key:name" onChange={(event) => setDraft({ ...draft, actor: event.target.value })} data-testid="audit-actor" />
        </label>
        <label>
          Action
          <input value={draft.action} placeholder="updateAlert" onChange={(event) => setDraft({ ...draft, action: event.target.value })} data-testid="audit-action" />
        </label>
        <button type="submit">Filter</button>
        {cursor !== undefined && (
          <button type="button" className="link" onClick={() => setCursor(undefined)}>
            Newest
          </button>
        )}
      </form>
      <ErrorLine message={page.error} testId="audit-error" />
      <table className="grid">
        <thead>
          <tr>
            <th>Time</th>
            <th>Actor</th>
            <th>Action</th>
            <th>Target</th>
            <th>Detail</th>
            <th>Outcome</th>
            <th>Address</th>
          </tr>
        </thead>
        <tbody>
          {(page.data?.entries ?? []).map((entry) => (
            <tr key={entry.id} data-testid="audit-row">
              <td className="time">{formatTime(entry.at)}</td>
              <td>{entry.actor}</td>
              <td>{entry.action}</td>
              <td className="message">{entry.target ?? ''}</td>
              <td className="message">
                {Object.entries(entry.detail)
                  .map(([name, value]) => `${name}: ${show(value)}`)
                  .join(' · ')}
              </td>
              <td className={entry.outcome === 'ok' ? undefined : 'error-text'}>{entry.outcome}</td>
              <td>{entry.address}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {page.data?.cursor && (
        <button type="button" onClick={() => setCursor(page.data!.cursor!)} data-testid="audit-older">
          Older
        </button>
      )}
    </section>
  );
}
