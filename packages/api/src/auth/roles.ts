import { z } from 'zod';

/** Who may do what. `ingest` may only send events (to the edge); it reads nothing here. */
export const ROLES = ['admin', 'analyst', 'viewer', 'ingest'] as const;
export type Role = (typeof ROLES)[number];

export const roleSchema = z.enum(ROLES).describe('admin: everything; analyst: read and triage; viewer: read; ingest: send events only.');

/** Roles that may read events and alerts. */
export const READERS: readonly Role[] = ['admin', 'analyst', 'viewer'];
/** Roles that may change an alert's lifecycle and backtest rules. */
export const TRIAGERS: readonly Role[] = ['admin', 'analyst'];
/** Roles that may manage API keys. */
export const ADMINS: readonly Role[] = ['admin'];
/** Every role: for routes any authenticated caller may use. */
export const ANY_ROLE: readonly Role[] = ROLES;

/** Who made a request: a logged-in user (session token) or an API key. */
export interface Principal {
  readonly kind: 'user' | 'api-key';
  /** Username, or the API key's id. */
  readonly id: string;
  /** Username, or the API key's name. */
  readonly name: string;
  readonly role: Role;
}

/** The name recorded in an alert's history for changes this principal makes. */
export function actorName(principal: Principal): string {
  return principal.kind === 'user' ? principal.name : `api-key:${principal.name}`;
}
