/**
 * The audit log: every change made through the API (alert triage, comments, users, keys, edges,
 * suppressions, backtests) and every login, logout and refused attempt, with who, when, from
 * where and whether it worked. Append-only: nothing in Vigil updates or deletes an entry.
 */

/** One audited request. */
export interface AuditEntry {
  /** Increasing with every entry: newer entries have larger ids. */
  readonly id: number;
  readonly at: string;
  /** User name, `api-key:<name>`, or for a login the name given. */
  readonly actor: string;
  /** The API operation (`updateAlert`, `createApiKey`, `login`…). */
  readonly action: string;
  /** What it was done to: the route's path parameters (`id=…`, `username=…`), or null. */
  readonly target: string | null;
  /** The request's fields, secrets (passwords, tokens, keys, certificates) left out. */
  readonly detail: Readonly<Record<string, unknown>>;
  /** `ok`, or the error code it failed with. */
  readonly outcome: string;
  /** The client's address. */
  readonly address: string;
}

export type AuditEntryInput = Omit<AuditEntry, 'id'>;

export interface AuditQuery {
  /** Entries older than this id (the cursor); newest first. */
  readonly before?: number | undefined;
  readonly size: number;
  readonly actor?: string | undefined;
  readonly action?: string | undefined;
}

export interface AuditLog {
  /** Appends an entry. Never throws into the request: a failure to write is the host's to report. */
  append(entry: AuditEntryInput): void;
  /** Newest first. */
  list(query: AuditQuery): Promise<AuditEntry[]>;
  close(): Promise<void>;
}
