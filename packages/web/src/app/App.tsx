import { useCallback, useEffect, useState } from 'react';
import { api, session, whenSessionEnds } from './api.ts';
import { href, useRoute } from './router.ts';
import type { WhoAmI } from './types.ts';
import { LoginPage } from './pages/LoginPage.tsx';
import { OverviewPage } from './pages/OverviewPage.tsx';
import { AlertsPage } from './pages/AlertsPage.tsx';
import { SearchPage } from './pages/SearchPage.tsx';
import { EdgesPage } from './pages/EdgesPage.tsx';
import { RulesPage } from './pages/RulesPage.tsx';
import { ApiKeysPage } from './pages/ApiKeysPage.tsx';
import { UsersPage } from './pages/UsersPage.tsx';
import { AuditPage } from './pages/AuditPage.tsx';
import { NotificationsPage } from './pages/NotificationsPage.tsx';

/** The pages in the navigation bar, and who sees them. */
const PAGES = [
  { id: 'overview', label: 'Overview', admin: false },
  { id: 'alerts', label: 'Alerts', admin: false },
  { id: 'search', label: 'Search', admin: false },
  { id: 'rules', label: 'Rules', admin: false },
  { id: 'edges', label: 'Edges', admin: false },
  { id: 'users', label: 'Users', admin: true },
  { id: 'api-keys', label: 'API keys', admin: true },
  { id: 'notifications', label: 'Notifications', admin: true },
  { id: 'audit', label: 'Audit log', admin: true },
] as const;

/** Signed out: the login page. Signed in: the navigation bar and the page the URL names. */
export function App() {
  const [me, setMe] = useState<WhoAmI | null>(null);
  const [loginMessage, setLoginMessage] = useState('');
  const [checking, setChecking] = useState(session.token() !== null);
  const route = useRoute();

  const signedOut = useCallback((message: string) => {
    session.end();
    setMe(null);
    setLoginMessage(message);
  }, []);

  const signedIn = useCallback(async () => {
    try {
      setMe(await api<WhoAmI>('/api/v1/auth/me'));
    } finally {
      setChecking(false);
    }
  }, []);

  useEffect(() => {
    whenSessionEnds(signedOut);
    if (session.token() !== null) signedIn().catch(() => undefined);
  }, [signedIn, signedOut]);

  async function logout() {
    try {
      await api('/api/v1/auth/logout', { method: 'POST' });
    } finally {
      signedOut('');
    }
  }

  if (checking) return null;
  if (!me) {
    return (
      <LoginPage
        message={loginMessage}
        onSignedIn={(token) => {
          session.start(token);
          setLoginMessage('');
          void signedIn();
        }}
      />
    );
  }

  const page = route.segments[0] ?? 'alerts';
  return (
    <>
      <header className="topbar">
        <span className="brand">Vigil</span>
        <nav aria-label="Pages">
          {PAGES.filter((entry) => !entry.admin || me.role === 'admin').map((entry) => (
            <a key={entry.id} href={href(entry.id)} className={page === entry.id ? 'current' : undefined} data-testid={`nav-${entry.id}`} aria-current={page === entry.id ? 'page' : undefined}>
              {entry.label}
            </a>
          ))}
        </nav>
        <span className="who" data-testid="whoami">
          {me.name} ({me.role})
        </span>
        <button type="button" className="link" data-testid="logout" onClick={() => void logout()}>
          Log out
        </button>
      </header>
      <main>
        {page === 'overview' && <OverviewPage />}
        {page === 'alerts' && <AlertsPage me={me} selectedId={route.segments[1]} params={route.params} />}
        {page === 'search' && <SearchPage key={route.params.toString()} params={route.params} />}
        {page === 'rules' && <RulesPage me={me} ruleId={route.segments[1]} />}
        {page === 'edges' && <EdgesPage me={me} />}
        {page === 'users' && me.role === 'admin' && <UsersPage me={me} />}
        {page === 'api-keys' && me.role === 'admin' && <ApiKeysPage />}
        {page === 'notifications' && me.role === 'admin' && <NotificationsPage />}
        {page === 'audit' && me.role === 'admin' && <AuditPage />}
        {!PAGES.some((entry) => entry.id === page) && <p className="muted">No such page.</p>}
      </main>
    </>
  );
}
