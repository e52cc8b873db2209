import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuthRepository } from './auth-repository.ts';
import { createSqliteAuthRepository } from './sqlite-auth-repository.ts';

let dir: string;
let path: string;
let repo: AuthRepository;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-auth-'));
  path = join(dir, 'auth.db');
  repo = createSqliteAuthRepository(path);
});

afterEach(async () => {
  await repo.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Everything on disk: the database and its write-ahead log. */
function diskBytes(): string {
  const parts = [path, `${path}-wal`].map((file) => {
    try {
      return readFileSync(file).toString('latin1');
    } catch {
      return '';
    }
  });
  return parts.join('');
}

describe('first admin', () => {
  it('generates a password when none is given, returns it once, and stores only a salted scrypt hash', async () => {
    const generated = await repo.ensureAdmin(undefined);
    expect(generated).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await repo.checkPassword('admin', generated!)).toMatchObject({ username: 'admin', role: 'admin' });
    expect(await repo.checkPassword('admin', 'admin')).toBeNull();
    expect(diskBytes()).not.toContain(generated);
    expect(await repo.ensureAdmin(undefined)).toBeUndefined();
    expect(await repo.checkPassword('admin', generated!)).not.toBeNull();
  });

  it('uses VIGIL_ADMIN_PASSWORD when given and never replaces an existing admin', async () => {
    expect(await repo.ensureAdmin('s3cure-admin-pass')).toBeUndefined();
    expect(await repo.ensureAdmin('another-password')).toBeUndefined();
    expect(await repo.checkPassword('admin', 's3cure-admin-pass')).not.toBeNull();
    expect(await repo.checkPassword('admin', 'another-password')).toBeNull();
  });

  it('keeps users across restarts and makes the database file private', async () => {
    await repo.ensureAdmin('s3cure-admin-pass');
    await repo.close();
    repo = createSqliteAuthRepository(path);
    expect(await repo.ensureAdmin(undefined)).toBeUndefined();
    expect(await repo.checkPassword('admin', 's3cure-admin-pass')).not.toBeNull();
    expect(statSync(path).mode & 0o077).toBe(0);
  });
});

describe('users', () => {
  it('salts each hash, so equal passwords do not give equal hashes', async () => {
    await repo.createUser({ username: 'alice', password: 'same-password-1', role: 'analyst' });
    await repo.createUser({ username: 'bob', password: 'same-password-1', role: 'viewer' });
    const db = new DatabaseSync(path, { readOnly: true });
    const hashes = db.prepare('SELECT password_hash FROM users ORDER BY username').all().map((row) => String(row.password_hash));
    db.close();
    expect(hashes).toHaveLength(2);
    expect(hashes[0]).toMatch(/^scrypt\$\d+\$8\$1\$/);
    expect(hashes[0]).not.toBe(hashes[1]);
  });

  it('refuses duplicate users, odd usernames and short passwords with their codes', async () => {
    await repo.createUser({ username: 'alice', password: 'analyst-pass', role: 'analyst' });
    await expect(repo.createUser({ username: 'alice', password: 'analyst-pass', role: 'viewer' })).rejects.toMatchObject({ code: 'VIGIL_ERR_AUTH_USER_EXISTS' });
    await expect(repo.createUser({ username: 'al ice', password: 'analyst-pass', role: 'viewer' })).rejects.toMatchObject({ code: 'VIGIL_ERR_AUTH_BAD_USERNAME' });
    await expect(repo.createUser({ username: 'carol', password: 'short', role: 'viewer' })).rejects.toMatchObject({ code: 'VIGIL_ERR_AUTH_BAD_PASSWORD' });
    expect(await repo.checkPassword('nobody', 'analyst-pass')).toBeNull();
  });
});

describe('sessions', () => {
  it('authenticates a session until it expires or is deleted, storing only the token hash', async () => {
    await repo.createUser({ username: 'alice', password: 'analyst-pass', role: 'analyst' });
    const now = new Date('2025-03-14T09:00:00Z');
    const session = await repo.createSession('alice', 60_000, now);
    expect(session.expiresAt).toBe('2025-03-14T09:01:00.000Z');
    expect(diskBytes()).not.toContain(session.token);
    expect(await repo.authenticate(session.token, new Date('2025-03-14T09:00:59Z'))).toEqual({ kind: 'user', id: 'alice', name: 'alice', role: 'analyst' });
    expect(await repo.authenticate(session.token, new Date('2025-03-14T09:01:00Z'))).toBeNull();

    const second = await repo.createSession('alice', 60_000);
    expect(await repo.deleteSession(second.token)).toBe(true);
    expect(await repo.authenticate(second.token)).toBeNull();
    expect(await repo.deleteSession(second.token)).toBe(false);
  });
});

describe('API keys', () => {
  it('creates keys shown once, lists them without secrets, and stops accepting them when revoked', async () => {
    const now = new Date('2025-03-14T09:00:00Z');
    const created = await repo.createApiKey({ name: 'edge-dc1', role: 'ingest', createdBy: 'admin' }, now);
    expect(created.key).toMatch(new RegExp(`^vgl_${created.id}_[A-Za-z0-9_-]{43}$`));
    expect(diskBytes()).not.toContain(created.key.slice(`vgl_${created.id}_`.length));

    expect(await repo.authenticate(created.key, now)).toEqual({ kind: 'api-key', id: created.id, name: 'edge-dc1', role: 'ingest' });
    const [listed] = await repo.listApiKeys();
    expect(listed).toEqual({ id: created.id, name: 'edge-dc1', role: 'ingest', createdAt: now.toISOString(), createdBy: 'admin', lastUsed: now.toISOString(), revoked: false });
    expect(JSON.stringify(await repo.listApiKeys())).not.toContain(created.key);

    expect(await repo.revokeApiKey(created.id)).toBe(true);
    expect(await repo.authenticate(created.key)).toBeNull();
    expect((await repo.listApiKeys())[0]!.revoked).toBe(true);
    expect(await repo.revokeApiKey('0000000000000000')).toBe(false);
  });

  it('verifies ingest keys for the edge: ingest and admin keys yes, others, forged and revoked no', async () => {
    const ingest = await repo.createApiKey({ name: 'edge-dc1', role: 'ingest', createdBy: 'admin' });
    const admin = await repo.createApiKey({ name: 'ops', role: 'admin', createdBy: 'admin' });
    const viewer = await repo.createApiKey({ name: 'grafana', role: 'viewer', createdBy: 'admin' });
    expect(await repo.verifyIngestKey(ingest.key)).toBe(true);
    expect(await repo.verifyIngestKey(admin.key)).toBe(true);
    expect(await repo.verifyIngestKey(viewer.key)).toBe(false);
    expect(await repo.verifyIngestKey(`vgl_${ingest.id}_${'A'.repeat(43)}`)).toBe(false);
    expect(await repo.verifyIngestKey('not-a-key')).toBe(false);
    await repo.revokeApiKey(ingest.id);
    expect(await repo.verifyIngestKey(ingest.key)).toBe(false);
  });
});
