import type { Principal, Role } from './roles.ts';

/**
 * Users, login sessions and API keys. Secrets never leave it in readable form: passwords are
 * stored as scrypt hashes, tokens and keys as SHA-256 hashes.
 */

/** A user account (without its password hash). */
export interface User {
  readonly username: string;
  readonly role: Role;
  readonly createdAt: string;
}

/** A login session as handed to the client. */
export interface Session {
  /** The bearer token; stored only as a hash. */
  readonly token: string;
  /** ISO-8601 time after which the token is refused. */
  readonly expiresAt: string;
}

/** An API key as listed to admins; never includes the secret. */
export interface ApiKeyInfo {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly createdBy: string;
  /** ISO-8601 time of the last accepted use (updated at most once a minute), or null. */
  readonly lastUsed: string | null;
  readonly revoked: boolean;
}

/** A freshly created API key; `key` is shown once and cannot be recovered. */
export interface CreatedApiKey {
  readonly id: string;
  readonly key: string;
}

export interface AuthRepository {
  /**
   * Makes sure user `admin` exists. With a password, creates it with that password; without,
   * generates a random one and returns it so the host can print it once. Returns undefined when
   * the admin already exists (its password is left alone) or a password was given.
   */
  ensureAdmin(password: string | undefined): Promise<string | undefined>;
  /** Creates a user; throws VIGIL_ERR_AUTH_USER_EXISTS or VIGIL_ERR_AUTH_BAD_PASSWORD. */
  createUser(input: { username: string; password: string; role: Role }): Promise<User>;
  /** Every user, by name. */
  listUsers(): Promise<User[]>;
  /**
   * Changes a user's role or password; either ends every session the user has (a new password
   * or a lower role takes effect at once, not at the next login). Null when there is no such
   * user; throws VIGIL_ERR_AUTH_BAD_PASSWORD, or VIGIL_ERR_AUTH_LAST_ADMIN when it would leave
   * no admin.
   */
  updateUser(username: string, change: { role?: Role | undefined; password?: string | undefined }): Promise<User | null>;
  /** Deletes a user and their sessions; false when there is no such user. Throws VIGIL_ERR_AUTH_LAST_ADMIN for the last admin. */
  deleteUser(username: string): Promise<boolean>;
  /** The user when the password matches, else null (same timing for unknown users). */
  checkPassword(username: string, password: string): Promise<User | null>;
  /** Starts a session for an existing user. */
  createSession(username: string, ttlMs: number, now?: Date): Promise<Session>;
  /** Ends a session; false when the token was not a live session. */
  deleteSession(token: string): Promise<boolean>;
  /** Who a bearer value (session token or API key) belongs to, or null when it is not valid now. */
  authenticate(bearer: string, now?: Date): Promise<Principal | null>;
  createApiKey(input: { name: string; role: Role; createdBy: string }, now?: Date): Promise<CreatedApiKey>;
  listApiKeys(): Promise<ApiKeyInfo[]>;
  /** Revokes a key (idempotent); false when no key has that id. */
  revokeApiKey(id: string): Promise<boolean>;
  /** For the edge's HTTP ingest: true for a valid, unrevoked key with role `ingest` or `admin`. */
  verifyIngestKey(key: string): Promise<boolean>;
  close(): Promise<void>;
}
