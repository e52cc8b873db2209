import { randomBytes } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { apiErrors } from '../errors.ts';
import type { ApiKeyInfo, AuthRepository, CreatedApiKey, Session, User } from './auth-repository.ts';
import { PASSWORD_LENGTH, hashPassword, verifyPassword } from './password.ts';
import { ROLES, type Principal, type Role } from './roles.ts';
import { isSessionToken, newApiKey, newSessionToken, parseApiKey, sameDigest, sha256Hex } from './tokens.ts';
import { openPrivateDatabase } from '../private-database.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  username TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash TEXT PRIMARY KEY,
  username TEXT NOT NULL REFERENCES users(username),
  expires_at INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expires_at ON sessions(expires_at);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  last_used TEXT,
  revoked INTEGER NOT NULL DEFAULT 0
);
`;

const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
const ADMIN_USERNAME = 'admin';
/** `last_used` is a hint for admins, not an audit trail: write it at most this often per key. */
const LAST_USED_WRITE_INTERVAL_MS = 60_000;

/**
 * Opens (creating when needed) the auth database at `path` (`:memory:` for a throw-away one).
 * A new file is made readable by its owner only.
 */
export function createSqliteAuthRepository(path: string): AuthRepository {
  return new SqliteAuthRepository(openPrivateDatabase(path, SCHEMA));
}

class SqliteAuthRepository implements AuthRepository {
  readonly #db: DatabaseSync;
  readonly #lastUsedWritten = new Map<string, number>();
  #decoyHash: Promise<string> | undefined;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  async ensureAdmin(password: string | undefined): Promise<string | undefined> {
    if (this.#findUser(ADMIN_USERNAME)) return undefined;
    const chosen = password ?? randomBytes(18).toString('base64url');
    await this.createUser({ username: ADMIN_USERNAME, password: chosen, role: 'admin' });
    return password === undefined ? chosen : undefined;
  }

  async createUser(input: { username: string; password: string; role: Role }): Promise<User> {
    if (!USERNAME.test(input.username)) throw apiErrors.create('VIGIL_ERR_AUTH_BAD_USERNAME', { username: JSON.stringify(input.username) });
    const hash = await hashPassword(acceptablePassword(input.password));
    const createdAt = new Date().toISOString();
    const result = this.#db
      .prepare('INSERT INTO users (username, role, password_hash, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(username) DO NOTHING')
      .run(input.username, input.role, hash, createdAt);
    if (result.changes === 0) throw apiErrors.create('VIGIL_ERR_AUTH_USER_EXISTS', { username: input.username });
    return { username: input.username, role: input.role, createdAt };
  }

  async listUsers(): Promise<User[]> {
    const rows = this.#db.prepare('SELECT username, role, created_at FROM users ORDER BY username').all();
    // Listed as stored even with a role this version does not know, so an admin can see and fix it.
    return rows.map((row) => ({ username: String(row.username), role: String(row.role) as Role, createdAt: String(row.created_at) }));
  }

  async updateUser(username: string, change: { role?: Role | undefined; password?: string | undefined }): Promise<User | null> {
    const user = this.#findUser(username);
    if (!user) return null;
    const hash = change.password === undefined ? user.passwordHash : await hashPassword(acceptablePassword(change.password));
    const role = change.role ?? user.role;
    if (user.role === 'admin' && role !== 'admin') this.#keepAnAdmin(username);
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      this.#db.prepare('UPDATE users SET role = ?, password_hash = ? WHERE username = ?').run(role, hash, username);
      this.#db.prepare('DELETE FROM sessions WHERE username = ?').run(username);
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
    return { username, role, createdAt: user.createdAt };
  }

  async deleteUser(username: string): Promise<boolean> {
    const user = this.#findUser(username);
    if (!user) return false;
    if (user.role === 'admin') this.#keepAnAdmin(username);
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      this.#db.prepare('DELETE FROM sessions WHERE username = ?').run(username);
      this.#db.prepare('DELETE FROM users WHERE username = ?').run(username);
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
    return true;
  }

  /** Throws VIGIL_ERR_AUTH_LAST_ADMIN when `username` is the only admin left. */
  #keepAnAdmin(username: string): void {
    const others = this.#db.prepare("SELECT count(*) AS n FROM users WHERE role = 'admin' AND username <> ?").get(username);
    if (Number(others?.n ?? 0) === 0) throw apiErrors.create('VIGIL_ERR_AUTH_LAST_ADMIN', { username });
  }

  async checkPassword(username: string, password: string): Promise<User | null> {
    const row = this.#findUser(username);
    if (!row) {
      this.#decoyHash ??= hashPassword(randomBytes(32).toString('base64url'));
      await verifyPassword(password, await this.#decoyHash);
      return null;
    }
    if (!(await verifyPassword(password, row.passwordHash))) return null;
    return { username: row.username, role: row.role, createdAt: row.createdAt };
  }

  async createSession(username: string, ttlMs: number, now = new Date()): Promise<Session> {
    this.#db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now.getTime());
    const token = newSessionToken();
    const expiresAtMs = now.getTime() + ttlMs;
    this.#db
      .prepare('INSERT INTO sessions (token_hash, username, expires_at, created_at) VALUES (?, ?, ?, ?)')
      .run(sha256Hex(token), username, expiresAtMs, now.toISOString());
    return { token, expiresAt: new Date(expiresAtMs).toISOString() };
  }

  async deleteSession(token: string): Promise<boolean> {
    if (!isSessionToken(token)) return false;
    return this.#db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(sha256Hex(token)).changes > 0;
  }

  async authenticate(bearer: string, now = new Date()): Promise<Principal | null> {
    if (isSessionToken(bearer)) return this.#sessionPrincipal(bearer, now);
    const key = this.#liveKey(bearer, now);
    return key ? { kind: 'api-key', id: key.id, name: key.name, role: key.role } : null;
  }

  async createApiKey(input: { name: string; role: Role; createdBy: string }, now = new Date()): Promise<CreatedApiKey> {
    const { id, secret, key } = newApiKey();
    this.#db
      .prepare('INSERT INTO api_keys (id, name, role, secret_hash, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, input.name, input.role, sha256Hex(secret), now.toISOString(), input.createdBy);
    return { id, key };
  }

  async listApiKeys(): Promise<ApiKeyInfo[]> {
    const rows = this.#db.prepare('SELECT id, name, role, created_at, created_by, last_used, revoked FROM api_keys ORDER BY created_at, id').all();
    return rows.map((row) => ({
      id: String(row.id),
      name: String(row.name),
      // Listed as stored even when unknown, so an admin can still see and revoke it.
      role: String(row.role) as Role,
      createdAt: String(row.created_at),
      createdBy: String(row.created_by),
      lastUsed: row.last_used === null ? null : String(row.last_used),
      revoked: Number(row.revoked) !== 0,
    }));
  }

  async revokeApiKey(id: string): Promise<boolean> {
    return this.#db.prepare('UPDATE api_keys SET revoked = 1 WHERE id = ?').run(id).changes > 0;
  }

  async verifyIngestKey(key: string): Promise<boolean> {
    const found = this.#liveKey(key, new Date());
    return found !== null && (found.role === 'ingest' || found.role === 'admin');
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }

  #findUser(username: string): { username: string; role: Role; passwordHash: string; createdAt: string } | null {
    const row = this.#db.prepare('SELECT username, role, password_hash, created_at FROM users WHERE username = ?').get(username);
    const role = row ? toRole(row.role) : null;
    if (!row || !role) return null;
    return { username: String(row.username), role, passwordHash: String(row.password_hash), createdAt: String(row.created_at) };
  }

  #sessionPrincipal(token: string, now: Date): Principal | null {
    const row = this.#db
      .prepare('SELECT s.username AS username, s.expires_at AS expires_at, u.role AS role FROM sessions s JOIN users u ON u.username = s.username WHERE s.token_hash = ?')
      .get(sha256Hex(token));
    if (!row) return null;
    if (Number(row.expires_at) <= now.getTime()) {
      this.#db.prepare('DELETE FROM sessions WHERE token_hash = ?').run(sha256Hex(token));
      return null;
    }
    const username = String(row.username);
    const role = toRole(row.role);
    return role ? { kind: 'user', id: username, name: username, role } : null;
  }

  #liveKey(value: string, now: Date): { id: string; name: string; role: Role } | null {
    const parsed = parseApiKey(value);
    if (!parsed) return null;
    const row = this.#db.prepare('SELECT id, name, role, secret_hash, revoked FROM api_keys WHERE id = ?').get(parsed.id);
    if (!row || Number(row.revoked) !== 0 || !sameDigest(sha256Hex(parsed.secret), String(row.secret_hash))) return null;
    const role = toRole(row.role);
    if (!role) return null;
    this.#touch(parsed.id, now);
    return { id: parsed.id, name: String(row.name), role };
  }

  #touch(id: string, now: Date): void {
    const last = this.#lastUsedWritten.get(id);
    if (last !== undefined && now.getTime() - last < LAST_USED_WRITE_INTERVAL_MS) return;
    this.#lastUsedWritten.set(id, now.getTime());
    this.#db.prepare('UPDATE api_keys SET last_used = ? WHERE id = ?').run(now.toISOString(), id);
  }
}

/** The password when its length is acceptable; throws VIGIL_ERR_AUTH_BAD_PASSWORD otherwise. */
function acceptablePassword(password: string): string {
  if (password.length < PASSWORD_LENGTH.min || password.length > PASSWORD_LENGTH.max) {
    throw apiErrors.create('VIGIL_ERR_AUTH_BAD_PASSWORD', { minLength: PASSWORD_LENGTH.min, maxLength: PASSWORD_LENGTH.max });
  }
  return password;
}

/** A stored role, or null for one this version does not know (e.g. written by a newer one): it grants nothing. */
function toRole(value: unknown): Role | null {
  const role = String(value);
  return (ROLES as readonly string[]).includes(role) ? (role as Role) : null;
}
