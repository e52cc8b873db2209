import type { CommandAction, CommandResult, CommandStatus, DisabledRule, Heartbeat, Revocation, Suppression } from '@vigil/fleet';

/**
 * What the core knows about its edges: one-time enrollment tokens, the certificates it issued,
 * revocations, each edge's last heartbeat, and every command with its result. Times are Unix
 * milliseconds of the core's clock. The SQLite implementation lives next to the auth database;
 * an OpenSearch-backed one can implement the same interface for several API processes.
 */

/** A freshly created enrollment token; `token` is shown once and stored only as a hash. */
export interface CreatedEnrollmentToken {
  readonly token: string;
  readonly edgeId: string;
  readonly expiresAtMs: number;
}

/** A certificate the core issued to an edge. */
export interface IssuedCertificateRecord {
  /** Serial number, hex upper case (as node:crypto prints it). */
  readonly serial: string;
  readonly notAfterMs: number;
  readonly issuedAtMs: number;
  /** `enroll` or `renew`. */
  readonly via: 'enroll' | 'renew';
}

/** An edge's last heartbeat as the core received it. */
export interface HeartbeatRecord {
  readonly heartbeat: Heartbeat;
  /** Core clock when the heartbeat was read. */
  readonly receivedAtMs: number;
  /** Core receipt time minus the edge's `sentAtMs`: positive when the edge clock is behind (or the bus slow). */
  readonly clockOffsetMs: number;
}

export interface EdgeRecord {
  readonly edgeId: string;
  /** When the edge first enrolled through the API; null for edges only known from heartbeats. */
  readonly enrolledAtMs: number | null;
  /** When the core first heard of the edge (enrollment, renewal, heartbeat or revocation). */
  readonly firstSeenAtMs: number;
  readonly revokedAtMs: number | null;
  readonly revocationReason: string | null;
  /** Certificates issued through the API, newest first. */
  readonly certificates: readonly IssuedCertificateRecord[];
  readonly lastHeartbeat: HeartbeatRecord | null;
}

/** Where a command stands: `pending` until the edge reports, or the expiry passes. */
export type CommandRecordStatus = 'pending' | CommandStatus;

export interface CommandRecord {
  readonly id: string;
  readonly edgeId: string;
  readonly action: CommandAction;
  readonly args: Readonly<Record<string, unknown>>;
  readonly issuedBy: string;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
  readonly status: CommandRecordStatus;
  /** The edge's detail, or why the core closed the command. */
  readonly detail: string | null;
  readonly completedAtMs: number | null;
}

/** What became of a reported command result. */
export type ResultOutcome = 'recorded' | 'unknown-command' | 'edge-mismatch' | 'already-final';

export interface FleetRepository {
  /** A new one-time token that lets its holder enroll as `edgeId` until it expires. */
  createEnrollmentToken(input: { edgeId: string; ttlMs: number }, nowMs?: number): Promise<CreatedEnrollmentToken>;
  /** The edge a live (unused, unexpired) token is bound to, or null; does not use the token up. */
  findEnrollmentToken(token: string, nowMs?: number): Promise<string | null>;
  /**
   * Uses a token up. Atomic: of concurrent callers with the same token, one gets the edge id,
   * the others (and every later caller) get null.
   */
  consumeEnrollmentToken(token: string, nowMs?: number): Promise<string | null>;
  /** Records a certificate issued to `edgeId` (creating the edge; `enroll` also sets its enrollment time once). */
  recordCertificate(edgeId: string, certificate: { serial: string; notAfterMs: number; via: 'enroll' | 'renew' }, nowMs?: number): Promise<void>;
  getEdge(edgeId: string): Promise<EdgeRecord | null>;
  /** All edges, by edge id. */
  listEdges(): Promise<EdgeRecord[]>;
  /**
   * Revokes every certificate of an edge (creating the edge when unknown). Idempotent: an edge
   * revoked before keeps its first revocation time and reason.
   */
  revokeEdge(edgeId: string, reason: string, nowMs?: number): Promise<EdgeRecord>;
  /**
   * The revocation list: one entry per revoked edge, and its issue time, which grows with every
   * revocation (so a newer list always replaces an older one at its readers).
   */
  revocations(): Promise<{ issuedAtMs: number; revoked: Revocation[] }>;
  /** Records an alert suppression made at `nowMs` (its `createdAtMs`). */
  createSuppression(input: Omit<Suppression, 'createdAtMs'>, nowMs: number): Promise<Suppression>;
  /** Ends a suppression early; false when there is none in force with this id. */
  endSuppression(id: string, actor: string, nowMs: number): Promise<boolean>;
  /**
   * The suppressions in force at `nowMs`, oldest first, and the time of the last change (a
   * creation or an early end; 0 before any), which orders the published lists.
   */
  suppressions(nowMs: number): Promise<{ issuedAtMs: number; suppressions: Suppression[] }>;
  /** Turns a rule on or off (a reason goes with turning it off); returns the change's time, later than any change before it. */
  setRuleState(change: { rule: string; enabled: boolean; reason: string | null; actor: string }, nowMs: number): Promise<number>;
  /** The rules turned off now, and the time of the last change (0 before any), which orders the published lists. */
  ruleStates(): Promise<{ issuedAtMs: number; disabled: DisabledRule[] }>;
  /**
   * Keeps a heartbeat as the edge's last one (creating the edge when unknown). False when the
   * edge already has a heartbeat sent later (an out-of-order or replayed one is ignored).
   */
  recordHeartbeat(heartbeat: Heartbeat, receivedAtMs: number): Promise<boolean>;
  /** Records a new command as `pending`. */
  createCommand(command: Omit<CommandRecord, 'status' | 'detail' | 'completedAtMs'>): Promise<CommandRecord>;
  /**
   * Applies an edge's result to its command. A result replaces `pending`, and also an `expired`
   * that the core set itself (the edge may have acted just before the expiry); other final
   * states stay.
   */
  recordCommandResult(result: CommandResult, nowMs?: number): Promise<ResultOutcome>;
  /** Closes a pending command with a status the core decides (e.g. `failed` when it could not be published). */
  closeCommand(id: string, status: CommandStatus, detail: string, nowMs?: number): Promise<void>;
  getCommand(id: string, nowMs?: number): Promise<CommandRecord | null>;
  /** An edge's commands, newest first; pending ones whose expiry passed are marked `expired` first. */
  listCommands(edgeId: string, limit: number, nowMs?: number): Promise<CommandRecord[]>;
  close(): Promise<void>;
}
