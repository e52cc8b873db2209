import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { useAction, useLoaded } from '../hooks.ts';
import { ErrorLine } from '../components/ErrorLine.tsx';
import { formatTime } from '../format.ts';
import type { Answer, WhoAmI } from '../types.ts';
import { EdgeHealth } from '../components/EdgeHealth.tsx';

/** Enrolled edges and their health; admins issue enrollment tokens and revoke edges. */
export function EdgesPage({ me }: { me: WhoAmI }) {
  const action = useAction();
  const listed = useLoaded('edges', () => api<Answer<'listEdges'>>('/api/v1/edges'), 10_000);
  const edges = listed.data?.edges ?? [];
  const error = action.error || listed.error;
  const [edgeId, setEdgeId] = useState('');
  const [token, setToken] = useState<Answer<'createEnrollmentToken', 201> | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const admin = me.role === 'admin';

  async function issueToken(event: FormEvent) {
    event.preventDefault();
    await action.run(async () => {
      setToken(await api<Answer<'createEnrollmentToken', 201>>('/api/v1/edges/enrollment-tokens', { method: 'POST', body: { edgeId } }));
      setEdgeId('');
    });
  }

  async function revoke(event: FormEvent) {
    event.preventDefault();
    if (!revoking) return;
    await action.run(async () => {
      await api(`/api/v1/edges/${encodeURIComponent(revoking)}/revoke`, { method: 'POST', body: { reason } });
      setRevoking(null);
      setReason('');
      listed.reload();
    });
  }

  return (
    <section className="panel" aria-labelledby="edges-title">
      <div className="panel-head">
        <h2 id="edges-title">Edges</h2>
      </div>
      {admin && (
        <form className="inline-form" onSubmit={(event) => void issueToken(event)} data-testid="token-form">
          <label>
            Edge id
            <input value={edgeId} required pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" placeholder="dc1-fw-edge" onChange={(event) => setEdgeId(event.target.value)} data-testid="token-edge-id" />
          </label>
          <button type="submit" data-testid="token-create">
            Issue enrollment token
          </button>
        </form>
      )}
      {token && (
        <div className="secret" role="status" data-testid="token-created">
          <p>
            One-time token for <strong>{token.edgeId}</strong>, valid until {formatTime(token.expiresAt)}. On the edge: <code>vigil enroll --api &lt;this API&apos;s URL&gt; --edge-id {token.edgeId} --token &lt;token&gt;</code>
          </p>
          <code data-testid="token-secret">{token.token}</code>
          <button type="button" className="link" onClick={() => setToken(null)}>
            Done
          </button>
        </div>
      )}
      <ErrorLine message={error} testId="edges-error" />
      {revoking && (
        <form className="inline-form" onSubmit={(event) => void revoke(event)} data-testid="revoke-form">
          <span>
            Revoke <strong>{revoking}</strong>: its batches are rejected from its next heartbeat on.
          </span>
          <label>
            Reason
            <input value={reason} required maxLength={512} placeholder="key leaked" onChange={(event) => setReason(event.target.value)} data-testid="revoke-reason" />
          </label>
          <button type="submit" data-testid="revoke-confirm">
            Revoke
          </button>
          <button type="button" className="link" onClick={() => setRevoking(null)}>
            Cancel
          </button>
        </form>
      )}
      <EdgeHealth
        edges={edges}
        actions={
          admin
            ? (edge) =>
                edge.status !== 'revoked' && (
                  <button type="button" onClick={() => setRevoking(edge.edgeId)} data-testid="edge-revoke">
                    Revoke
                  </button>
                )
            : undefined
        }
      />
    </section>
  );
}
