import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { useAction, useLoaded } from '../hooks.ts';
import { ErrorLine } from '../components/ErrorLine.tsx';
import { formatTime } from '../format.ts';
import type { Answer, Role } from '../types.ts';

const KEY_ROLES: readonly Role[] = ['ingest', 'viewer', 'analyst', 'admin'];

/** API keys for integrators and edges: create one (its secret is shown once), list, revoke. Admins only. */
export function ApiKeysPage() {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('ingest');
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const action = useAction();
  const listed = useLoaded('api-keys', () => api<Answer<'listApiKeys'>>('/api/v1/api-keys'));
  const keys = listed.data?.apiKeys ?? [];
  const error = action.error || listed.error;

  async function create(event: FormEvent) {
    event.preventDefault();
    await action.run(async () => {
      const { key } = await api<Answer<'createApiKey', 201>>('/api/v1/api-keys', { method: 'POST', body: { name, role } });
      setCreated({ name, key });
      setName('');
      listed.reload();
    });
  }

  async function revoke(id: string) {
    await action.run(async () => {
      await api(`/api/v1/api-keys/${encodeURIComponent(id)}`, { method: 'DELETE' });
      listed.reload();
    });
  }

  return (
    <section className="panel" aria-labelledby="keys-title">
      <div className="panel-head">
        <h2 id="keys-title">API keys</h2>
      </div>
      <form className="inline-form" onSubmit={(event) => void create(event)} data-testid="key-form">
        <label>
          Name
          <input value={name} required maxLength={100} placeholder="soar-integration" onChange={(event) => setName(event.target.value)} data-testid="key-name" />
        </label>
        <label>
          Role
          <select value={role} onChange={(event) => setRole(event.target.value as Role)} data-testid="key-role">
            {KEY_ROLES.map((option) => (
              <option key={option}>{option}</option>
            ))}
          </select>
        </label>
        <button type="submit" data-testid="key-create">
          Create key
        </button>
      </form>
      {created && (
        <div className="secret" role="status" data-testid="key-created">
          <p>
            Key <strong>{created.name}</strong> created. Copy it now: it is shown only once.
          </p>
          <code data-testid="key-secret">{created.key}</code>
          <button type="button" className="link" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}
      <ErrorLine message={error} testId="keys-error" />
      <table className="grid">
        <thead>
          <tr>
            <th>Name</th>
            <th>Role</th>
            <th>Created</th>
            <th>By</th>
            <th>Last used</th>
            <th>State</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <tr key={key.id} data-testid="key-row">
              <td>{key.name}</td>
              <td>{key.role}</td>
              <td className="time">{formatTime(key.createdAt)}</td>
              <td>{key.createdBy}</td>
              <td className="time">{key.lastUsed ? formatTime(key.lastUsed) : 'never'}</td>
              <td>{key.revoked ? 'revoked' : 'active'}</td>
              <td>
                {!key.revoked && (
                  <button type="button" onClick={() => void revoke(key.id)} data-testid="key-revoke">
                    Revoke
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
