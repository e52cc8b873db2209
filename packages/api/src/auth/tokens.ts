import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Secrets handed to clients. Session tokens look like `vgs_<random>`, API keys like
 * `vgl_<id>_<secret>`; only SHA-256 hashes of them are stored, so a copy of the auth database
 * lets nobody in.
 */

const SESSION_PREFIX = 'vgs_';
const KEY_PREFIX = 'vgl_';
const KEY_ID = /^[0-9a-f]{16}$/;

/** SHA-256 of a secret, hex. */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameDigest(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && left.length > 0 && timingSafeEqual(left, right);
}

/** A new session token. */
export function newSessionToken(): string {
  return SESSION_PREFIX + randomBytes(32).toString('base64url');
}

/** True when the bearer value has the shape of a session token. */
export function isSessionToken(value: string): boolean {
  return value.startsWith(SESSION_PREFIX) && value.length > SESSION_PREFIX.length;
}

/** A new API key: its id (public, used to list and revoke) and the full key (shown once). */
export function newApiKey(): { id: string; secret: string; key: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, key: `${KEY_PREFIX}${id}_${secret}` };
}

/** Splits an API key into id and secret, or null when it is not one. */
export function parseApiKey(value: string): { id: string; secret: string } | null {
  if (!value.startsWith(KEY_PREFIX)) return null;
  const rest = value.slice(KEY_PREFIX.length);
  const id = rest.slice(0, 16);
  if (!KEY_ID.test(id) || rest[16] !== '_') return null;
  const secret = rest.slice(17);
  return secret.length > 0 ? { id, secret } : null;
}
