import { randomBytes } from 'node:crypto';

/**
 * Enrollment tokens look like `vget_<43 base64url characters>` (32 random bytes). Like session
 * tokens and API keys, only their SHA-256 hash is stored.
 */

const PREFIX = 'vget_';
const SHAPE = /^vget_[A-Za-z0-9_-]{43}$/;

/** A new enrollment token. */
export function newEnrollmentToken(): string {
  return PREFIX + randomBytes(32).toString('base64url');
}

/** True when `value` has the shape of an enrollment token (checked before any database look-up). */
export function isEnrollmentToken(value: string): boolean {
  return SHAPE.test(value);
}
