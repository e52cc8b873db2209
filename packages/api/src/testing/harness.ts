import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { parseRuleSources, type NotifyConfig } from '@vigil/engine';
import { Metrics, silentLogger, type Logger } from '@vigil/runtime';
import type { Store } from '@vigil/store';
import type { ApiConfigInput } from '../config.ts';
import type { AuthRepository } from '../auth/auth-repository.ts';
import { createSqliteAuthRepository } from '../auth/sqlite-auth-repository.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { createSqliteAuditLog } from '../audit/sqlite-audit-log.ts';
import { createSqliteSavedSearches } from '../searches/saved-searches.ts';
import type { ApiFleetDeps } from '../fleet/fleet-service.ts';
import type { ApiBacktestDeps } from '../routes/backtests.ts';
import { createApiServer, type ApiServer } from '../server.ts';
import { FakeStore } from './fake-store.ts';
import { sampleAlerts, sampleEvents } from './fixtures.ts';

/** Passwords of the users every test API has. */
export const PASSWORDS = { admin: 'correct horse battery staple', alice: 'analyst-pass-2025', victor: 'viewer-pass-2025', ivan: 'ingest-pass-2025' } as const;

/** A test API: a real auth database in a temp dir, the fake store with sample data (or the store given), the real server. */
export interface TestApi<S extends Store = FakeStore> {
  readonly server: ApiServer;
  /** Its temp dir (auth.db is there). */
  readonly dir: string;
  readonly store: S;
  readonly auth: AuthRepository;
  /** The audit log (in the auth database). */
  readonly audit: AuditLog;
  readonly metrics: Metrics;
  readonly health: { ready: boolean; details?: unknown };
  /** Logs in through the API and returns the bearer token. */
  login(username: keyof typeof PASSWORDS): Promise<string>;
  close(): Promise<void>;
}

/** What a test API reads, when not the defaults. */
export interface TestApiDeps<S extends Store> {
  /** The store (closed by the test); by default a FakeStore with the sample events and alerts. */
  readonly store?: S;
  /** Backtest rules; by default none. */
  readonly backtest?: ApiBacktestDeps;
  /** The web app's files; by default `@vigil/web`'s build. */
  readonly dashboardDir?: string;
  /** Notification settings (`engine.notify`); by default none. */
  readonly notify?: NotifyConfig;
}

/**
 * Builds a test API with users admin, alice (analyst), victor (viewer) and ivan (ingest). With
 * `fleet`, the fleet deps are made from the API's temp dir (its repository is closed with the API).
 */
export async function createTestApi<S extends Store = FakeStore>(
  config: ApiConfigInput = {},
  logger: Logger = silentLogger(),
  fleet?: (dir: string) => ApiFleetDeps,
  deps: TestApiDeps<S> = {},
): Promise<TestApi<S>> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-api-'));
  const auth = createSqliteAuthRepository(join(dir, 'auth.db'));
  try {
    return await build(dir, auth, config, logger, fleet?.(dir), deps);
  } catch (error) {
    await auth.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function build<S extends Store>(dir: string, auth: AuthRepository, config: ApiConfigInput, logger: Logger, fleet: ApiFleetDeps | undefined, deps: TestApiDeps<S>): Promise<TestApi<S>> {
  await auth.ensureAdmin(PASSWORDS.admin);
  await auth.createUser({ username: 'alice', password: PASSWORDS.alice, role: 'analyst' });
  await auth.createUser({ username: 'victor', password: PASSWORDS.victor, role: 'viewer' });
  await auth.createUser({ username: 'ivan', password: PASSWORDS.ivan, role: 'ingest' });
  // Without a store given, S is FakeStore (the type parameter's default).
  const store = deps.store ?? ((await sampleStore()) as unknown as S);
  const backtest = deps.backtest ?? { loadRules: async () => parseRuleSources([]).ruleset };
  const metrics = new Metrics({ defaultMetrics: false });
  const health: { ready: boolean; details?: unknown } = { ready: true };
  const audit = createSqliteAuditLog(join(dir, 'auth.db'));
  const savedSearches = createSqliteSavedSearches(join(dir, 'auth.db'));
  const server = createApiServer({ host: '127.0.0.1', port: 0, ...config }, { store, auth, audit, savedSearches, metrics, logger, health: () => health, backtest, ...(fleet && { fleet }), ...(deps.dashboardDir && { dashboardDir: deps.dashboardDir }), ...(deps.notify && { notify: deps.notify }) });
  return {
    server,
    dir,
    store,
    auth,
    audit,
    metrics,
    health,
    async login(username) {
      const response = await server.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password: PASSWORDS[username] } });
      if (response.statusCode !== 200) throw new Error(`login as ${username} failed: ${response.body}`);
      return (response.json() as { token: string }).token;
    },
    async close() {
      await server.stop();
      await fleet?.repository.close();
      await audit.close();
      await savedSearches.close();
      await auth.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function sampleStore(): Promise<FakeStore> {
  const store = new FakeStore();
  await store.writeEvents(sampleEvents());
  await store.upsertAlerts(sampleAlerts());
  return store;
}

/** The Authorization header for a token or key. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/**
 * A test API for the test file calling this: created (with the admin logged in) before its
 * tests, closed after them. `ready` receives both once they exist.
 */
export function withTestApi(ready: (context: { api: TestApi; adminToken: string }) => void): void {
  let api: TestApi | undefined;
  beforeAll(async () => {
    api = await createTestApi();
    ready({ api, adminToken: await api.login('admin') });
  });
  afterAll(async () => {
    await api?.close();
  });
}
