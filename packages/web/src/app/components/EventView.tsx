import { useState } from 'react';
import { field, flatten, formatTime, show, term } from '../format.ts';
import { href } from '../router.ts';
import type { EcsEvent } from '../types.ts';

/** Where an event came from: the edge, its batch, the signature check and the three times. */
export function Provenance({ event }: { event: EcsEvent }) {
  const parts = [
    `edge ${show(field(event, 'vigil.edge.id')) || '?'}`,
    `batch ${show(field(event, 'vigil.batch.sequence')) || '?'}`,
    `signature ${show(field(event, 'vigil.signature.status')) || 'unknown'}`,
    `source time ${formatTime(show(field(event, '@timestamp'))) || '?'}`,
    `received ${formatTime(show(field(event, 'event.created'))) || '?'}`,
    `stored ${formatTime(show(field(event, 'event.ingested'))) || '?'}`,
  ];
  return (
    <div className="event-meta" data-testid="event-provenance">
      {parts.join(' · ')}
    </div>
  );
}

/** The pivot links of one field value: search for it, or (on the search page) filter it in or out. */
export function Pivot({ path, value, onFilter }: { path: string; value: unknown; onFilter?: ((clause: string) => void) | undefined }) {
  const clause = term(path, value);
  return (
    <span className="pivot">
      <a href={href('search', { q: clause })} title={`Search ${clause}`} data-testid="pivot-search">
        search
      </a>
      {onFilter && (
        <>
          <button type="button" className="link" title="Filter in" onClick={() => onFilter(clause)} data-testid="filter-in">
            +
          </button>
          <button type="button" className="link" title="Filter out" onClick={() => onFilter(`NOT ${clause}`)} data-testid="filter-out">
            −
          </button>
        </>
      )}
    </span>
  );
}

/** Every field of an event with its value, each with pivot links. */
export function FieldTable({ event, onFilter }: { event: EcsEvent; onFilter?: ((clause: string) => void) | undefined }) {
  return (
    <table className="fields-table" data-testid="event-fields">
      <tbody>
        {flatten(event).map(([path, value]) => (
          <tr key={path}>
            <th>{path}</th>
            <td className="value">{show(value)}</td>
            <td>
              <Pivot path={path} value={value} onFilter={onFilter} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** An event as an alert shows it: provenance, the raw line, and its fields on demand. */
export function EventCard({ event }: { event: EcsEvent }) {
  const [open, setOpen] = useState(false);
  const original = field(event, 'event.original');
  return (
    <div className="event" data-testid="alert-event">
      <Provenance event={event} />
      <pre data-testid="event-raw">{typeof original === 'string' ? original : JSON.stringify(event, null, 2)}</pre>
      <button type="button" className="link" onClick={() => setOpen(!open)} aria-expanded={open} data-testid="event-fields-toggle">
        {open ? 'Hide fields' : 'Fields'}
      </button>
      {open && <FieldTable event={event} />}
    </div>
  );
}
