import type { ReactNode } from 'react';
import { formatTime } from '../format.ts';
import type { Edge } from '../types.ts';

function spool(edge: Edge): string {
  const spooled = edge.lastHeartbeat?.spool;
  if (!spooled) return '—';
  return `${(spooled.usedBytes / 2 ** 20).toFixed(1)} of ${(spooled.maxBytes / 2 ** 20).toFixed(0)} MiB (${spooled.pendingRecords} batches)`;
}

function drops(edge: Edge): string {
  const counts = Object.entries(edge.lastHeartbeat?.drops ?? {}).filter(([, count]) => count > 0);
  return counts.length === 0 ? '0' : counts.map(([reason, count]) => `${reason} ${count}`).join(', ');
}

/** Each edge's status and last heartbeat: when, events/s, spool depth, drops, clock skew. */
export function EdgeHealth({ edges, actions }: { edges: readonly Edge[]; actions?: ((edge: Edge) => ReactNode) | undefined }) {
  if (edges.length === 0) return <p className="muted">No edges have enrolled or sent a heartbeat yet.</p>;
  return (
    <table className="grid" data-testid="edge-table">
      <thead>
        <tr>
          <th>Edge</th>
          <th>Status</th>
          <th>Last heartbeat</th>
          <th>Events/s</th>
          <th>Spool</th>
          <th>Drops</th>
          <th>Clock skew</th>
          <th>Version</th>
          {actions && <th />}
        </tr>
      </thead>
      <tbody>
        {edges.map((edge) => {
          const beat = edge.lastHeartbeat;
          return (
            <tr key={edge.edgeId} data-testid="edge-row">
              <td>{edge.edgeId}</td>
              <td>
                <span className={`status status-${edge.status}`} title={edge.revocationReason ?? undefined}>
                  {edge.status}
                </span>
              </td>
              <td className="time">{beat ? formatTime(beat.receivedAt) : '—'}</td>
              <td>{beat ? beat.eventsPerSecond.toFixed(1) : '—'}</td>
              <td>{spool(edge)}</td>
              <td>{drops(edge)}</td>
              <td>{beat ? `${(beat.clockOffsetMs / 1000).toFixed(1)} s` : '—'}</td>
              <td>{beat?.version ?? '—'}</td>
              {actions && <td>{actions(edge)}</td>}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
