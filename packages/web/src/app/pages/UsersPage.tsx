import { useState, type FormEvent } from 'react';
import { api } from '../api.ts';
import { formatTime } from '../format.ts';
import { useAction, useLoaded } from '../hooks.ts';
import type { Answer, Role, WhoAmI } from '../types.ts';
import { ErrorLine } from '../components/ErrorLine.tsx';

const USER_ROLES: readonly Role[] = ['viewer', 'analyst', 'admin', 'ingest'];

/** Who may sign in and with which role: create users, change roles, set passwords, delete. Admins only. */
export function UsersPage({ me }: { me: WhoAmI }) {
  const action = useAction();
  const listed = useLoaded('users', () => api<Answer<'listUsers'>>('/api/v1/users'));
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('analyst');
  const [resetting, setResetting] = useState<string | null>(null);
  const [newPassword, setNewPassword] = useState('');
  const [notice, setNotice] = useState('');
  const users = listed.data?.users ?? [];

  const change = (target: string, body: Record<string, unknown>, done: string) =>
    action.run(async () => {
      await api(`/api/v1/users/${encodeURIComponent(target)}`, { method: 'PATCH', body });
      setNotice(done);
      listed.reload();
    });

  async function create(event: FormEvent) {
    event.preventDefault();
    await action.run(async () => {
      await api('/api/v1/users', { method: 'POST', body: { username, password, role } });
      setNotice(`User ${username} created.`);
      setUsername('');
      setPassword('');
      listed.reload();
    });
  }

  async function reset(event: FormEvent) {
    event.preventDefault();
    if (resetting === null) return;
    if (await change(resetting, { password: newPassword }, `Password of ${resetting} changed; their sessions ended.`)) {
      setResetting(null);
      setNewPassword('');
    }
  }

  const remove = (target: string) =>
    action.run(async () => {
      await api(`/api/v1/users/${encodeURIComponent(target)}`, { method: 'DELETE' });
      setNotice(`User ${target} deleted; their sessions ended.`);
      listed.reload();
    });

  return (
    <section className="panel" aria-labelledby="users-title">
      <div className="panel-head">
        <h2 id="users-title">Users</h2>
      </div>
      <form className="inline-form" onSubmit={(event) => void create(event)} data-testid="user-form">
        <label>
          User name
          <input value={username} required pattern="[A-Za-z0-9._@\-]{1,64}" autoComplete="off" onChange={(event) => setUsername(event.target.value)} data-testid="user-name" />
        </label>
        <label>
          Password
          <input type="password" value={password} required minLength={8} autoComplete="new-password" onChange={(event) => setPassword(event.target.value)} data-testid="user-password" />
        </label>
        <label>
          Role
          <select value={role} onChange={(event) => setRole(event.target.value as Role)} data-testid="user-role">
            {USER_ROLES.map((option) => (
              <option key={option}>{option}</option>
            ))}
          </select>
        </label>
        <button type="submit" data-testid="user-create">
          Create user
        </button>
      </form>
      {resetting && (
        <form className="inline-form" onSubmit={(event) => void reset(event)} data-testid="password-form">
          <label>
            New password for {resetting}
            <input type="password" value={newPassword} required minLength={8} autoComplete="new-password" onChange={(event) => setNewPassword(event.target.value)} data-testid="user-new-password" />
          </label>
          <button type="submit" data-testid="user-set-password">
            Set password
          </button>
          <button type="button" className="link" onClick={() => setResetting(null)}>
            Cancel
          </button>
        </form>
      )}
      <p className="muted" role="status" data-testid="users-notice">
        {notice}
      </p>
      <ErrorLine message={action.error || listed.error} testId="users-error" />
      <table className="grid">
        <thead>
          <tr>
            <th>User</th>
            <th>Role</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr key={user.username} data-testid="user-row">
              <td>{user.username}</td>
              <td>
                <select
                  aria-label={`Role of ${user.username}`}
                  value={user.role}
                  onChange={(event) => void change(user.username, { role: event.target.value }, `${user.username} is now ${event.target.value}; their sessions ended.`)}
                  data-testid="user-row-role"
                >
                  {USER_ROLES.map((option) => (
                    <option key={option}>{option}</option>
                  ))}
                </select>
              </td>
              <td className="time">{formatTime(user.createdAt)}</td>
              <td>
                <div className="actions">
                  <button type="button" onClick={() => setResetting(user.username)} data-testid="user-reset">
                    Set password
                  </button>
                  <button type="button" disabled={user.username === me.name} title={user.username === me.name ? 'You cannot delete yourself' : undefined} onClick={() => void remove(user.username)} data-testid="user-delete">
                    Delete
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
