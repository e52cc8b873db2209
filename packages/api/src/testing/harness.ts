import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metrics, silentLogger, type Logger } from '@vigil/runtime';
import type { ApiConfigInput } from '../config.ts';
import type { AuthRepository } from '../auth/auth-repository.ts';
import { createSqliteAuthRepository } from '../auth/sqlite-auth-repository.ts';
import type { ApiFleetDeps } from '../fleet/fleet-service.ts';
import { createApiServer, type ApiServer } from '../server.ts';
import { FakeStore } from './fake-store.ts';
import { sampleAlerts, sampleEvents } from './fixtures.ts';

/** Passwords of the users every test API has. */
export const PASSWORDS = { admin: 'correct horse battery staple', alice: 'analyst-pass-2025', victor: 'viewer-pass-2025', ivan: 'ingest-pass-2025' } as const;

/** A test API: a real auth database in a temp dir, the fake store with sample data, the real server. */
export interface TestApi {
  readonly server: ApiServer;
  readonly store: FakeStore;
  readonly auth: AuthRepository;
  readonly metrics: Metrics;
  readonly health: { ready: boolean; details?: unknown };
  /** Logs in through the API and returns the bearer token. */
  login(username: keyof typeof PASSWORDS): Promise<string>;
  close(): Promise<void>;
}

/**
 * Builds a test API with users admin, alice (analyst), victor (viewer) and ivan (ingest). With
 * `fleet`, the fleet deps are made from the API's temp dir (its repository is closed with the API).
 */
export async function createTestApi(config: ApiConfigInput = {}, logger: Logger = silentLogger(), fleet?: (dir: string) => ApiFleetDeps): Promise<TestApi> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-api-'));
  const auth = createSqliteAuthRepository(join(dir, 'auth.db'));
  try {
    return await build(dir, auth, config, logger, fleet?.(dir));
  } catch (error) {
    await auth.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function build(dir: string, auth: AuthRepository, config: ApiConfigInput, logger: Logger, fleet: ApiFleetDeps | undefined): Promise<TestApi> {
  await auth.ensureAdmin(PASSWORDS.admin);
  await auth.createUser({ username: 'alice', password: PASSWORDS.alice, role: 'analyst' });
  await auth.createUser({ username: 'victor', password: PASSWORDS.victor, role: 'viewer' });
  await auth.createUser({ username: 'ivan', password: PASSWORDS.ivan, role: 'ingest' });
  const store = new FakeStore();
  await store.writeEvents(sampleEvents());
  await store.upsertAlerts(sampleAlerts());
  const metrics = new Metrics({ defaultMetrics: false });
  const health: { ready: boolean; details?: unknown } = { ready: true };
  const server = createApiServer({ host: '127.0.0.1', port: 0, ...config }, { store, auth, metrics, logger, health: () => health, ...(fleet && { fleet }) });
  return {
    server,
    store,
    auth,
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
      await auth.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The Authorization header for a token or key. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}
