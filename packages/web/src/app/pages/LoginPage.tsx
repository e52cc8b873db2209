import { useState, type FormEvent } from 'react';
import { api, messageOf } from '../api.ts';
import { ErrorLine } from '../components/ErrorLine.tsx';
import type { Answer } from '../types.ts';

/** Username and password; failed attempts show the API's message (rate limiting included). */
export function LoginPage({ message, onSignedIn }: { message: string; onSignedIn: (token: string) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError('');
    setBusy(true);
    try {
      const { token } = await api<Answer<'login'>>('/api/v1/auth/login', { method: 'POST', body: { username, password } });
      setPassword('');
      onSignedIn(token);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main>
      <section className="login">
        <h1>Sign in to Vigil</h1>
        <form onSubmit={(event) => void submit(event)} data-testid="login-form">
          <label>
            Username
            <input name="username" autoComplete="username" required autoFocus value={username} onChange={(event) => setUsername(event.target.value)} data-testid="login-username" />
          </label>
          <label>
            Password
            <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(event) => setPassword(event.target.value)} data-testid="login-password" />
          </label>
          <button type="submit" disabled={busy} data-testid="login-submit">
            Sign in
          </button>
          <ErrorLine message={error || message} testId="login-error" />
        </form>
      </section>
    </main>
  );
}
