import type { DatabaseSync, SQLOutputValue } from 'node:sqlite';
import { COMMAND_STATUSES, heartbeatSchema, type CommandAction, type CommandResult, type CommandStatus, type DisabledRule, type Heartbeat, type Revocation, type Suppression } from '@vigil/fleet';
import { sha256Hex } from '../auth/tokens.ts';
import { isEnrollmentToken, newEnrollmentToken } from './enrollment-token.ts';
import { openPrivateDatabase } from '../private-database.ts';
import type {
  CommandRecord,
  CommandRecordStatus,
  CreatedEnrollmentToken,
  EdgeRecord,
  FleetRepository,
  HeartbeatRecord,
  IssuedCertificateRecord,
  ResultOutcome,
} from './fleet-repository.ts';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS enrollment_tokens (
  token_hash TEXT PRIMARY KEY,
  edge_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used_at INTEGER
);
CREATE INDEX IF NOT EXISTS enrollment_tokens_expires_at ON enrollment_tokens(expires_at);
CREATE TABLE IF NOT EXISTS edges (
  edge_id TEXT PRIMARY KEY,
  first_seen_at INTEGER NOT NULL,
  enrolled_at INTEGER,
  revoked_at INTEGER,
  revocation_reason TEXT
);
CREATE TABLE IF NOT EXISTS edge_certificates (
  serial TEXT PRIMARY KEY,
  edge_id TEXT NOT NULL REFERENCES edges(edge_id),
  not_after INTEGER NOT NULL,
  issued_at INTEGER NOT NULL,
  via TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS edge_certificates_edge ON edge_certificates(edge_id, issued_at);
CREATE TABLE IF NOT EXISTS edge_heartbeats (
  edge_id TEXT PRIMARY KEY REFERENCES edges(edge_id),
  boot_id TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  heartbeat TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS edge_commands (
  id TEXT PRIMARY KEY,
  edge_id TEXT NOT NULL REFERENCES edges(edge_id),
  action TEXT NOT NULL,
  args TEXT NOT NULL,
  issued_by TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  detail TEXT,
  completed_at INTEGER,
  reported INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS edge_commands_edge ON edge_commands(edge_id, issued_at);
CREATE INDEX IF NOT EXISTS edge_commands_pending ON edge_commands(status, expires_at);
CREATE TABLE IF NOT EXISTS alert_suppressions (
  id TEXT PRIMARY KEY,
  rule TEXT,
  match TEXT NOT NULL,
  reason TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  ended_at INTEGER,
  ended_by TEXT
);
CREATE INDEX IF NOT EXISTS alert_suppressions_expires ON alert_suppressions(expires_at);
CREATE TABLE IF NOT EXISTS rule_states (
  rule TEXT PRIMARY KEY,
  enabled INTEGER NOT NULL,
  reason TEXT,
  changed_by TEXT NOT NULL,
  changed_at INTEGER NOT NULL
);
`;

/** Used tokens and expired ones are kept this long (for "already used" diagnostics), then deleted. */
const TOKEN_KEEP_MS = 7 * 86_400_000;
const EXPIRED_DETAIL = 'no result from the edge before the command expired';

type Row = Record<string, SQLOutputValue>;

/**
 * Opens (creating when needed) the fleet tables in the SQLite database at `path`: the auth
 * database, so a single-machine Vigil keeps all of its API state in one private file.
 */
export function createSqliteFleetRepository(path: string): FleetRepository {
  return new SqliteFleetRepository(openPrivateDatabase(path, SCHEMA));
}

class SqliteFleetRepository implements FleetRepository {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  async createEnrollmentToken(input: { edgeId: string; ttlMs: number }, nowMs = Date.now()): Promise<CreatedEnrollmentToken> {
    this.#db.prepare('DELETE FROM enrollment_tokens WHERE expires_at <= ?').run(nowMs - TOKEN_KEEP_MS);
    const token = newEnrollmentToken();
    const expiresAtMs = nowMs + input.ttlMs;
    this.#db
      .prepare('INSERT INTO enrollment_tokens (token_hash, edge_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
      .run(sha256Hex(token), input.edgeId, nowMs, expiresAtMs);
    return { token, edgeId: input.edgeId, expiresAtMs };
  }

  async findEnrollmentToken(token: string, nowMs = Date.now()): Promise<string | null> {
    if (!isEnrollmentToken(token)) return null;
    const row = this.#db
      .prepare('SELECT edge_id FROM enrollment_tokens WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?')
      .get(sha256Hex(token), nowMs);
    return row ? String(row.edge_id) : null;
  }

  async consumeEnrollmentToken(token: string, nowMs = Date.now()): Promise<string | null> {
    if (!isEnrollmentToken(token)) return null;
    // One statement: SQLite runs it atomically, so two enrollments racing for a token cannot both win.
    const row = this.#db
      .prepare('UPDATE enrollment_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING edge_id')
      .get(nowMs, sha256Hex(token), nowMs);
    return row ? String(row.edge_id) : null;
  }

  async recordCertificate(edgeId: string, certificate: { serial: string; notAfterMs: number; via: 'enroll' | 'renew' }, nowMs = Date.now()): Promise<void> {
    this.#transaction(() => {
      this.#db
        .prepare(
          'INSERT INTO edges (edge_id, first_seen_at, enrolled_at) VALUES (?, ?, ?) ON CONFLICT(edge_id) DO UPDATE SET enrolled_at = COALESCE(edges.enrolled_at, excluded.enrolled_at)',
        )
        .run(edgeId, nowMs, certificate.via === 'enroll' ? nowMs : null);
      this.#db
        .prepare('INSERT INTO edge_certificates (serial, edge_id, not_after, issued_at, via) VALUES (?, ?, ?, ?, ?)')
        .run(certificate.serial, edgeId, certificate.notAfterMs, nowMs, certificate.via);
    });
  }

  async getEdge(edgeId: string): Promise<EdgeRecord | null> {
    const row = this.#db.prepare('SELECT * FROM edges WHERE edge_id = ?').get(edgeId);
    if (!row) return null;
    const certificates = this.#db.prepare('SELECT * FROM edge_certificates WHERE edge_id = ? ORDER BY issued_at DESC, serial').all(edgeId);
    const heartbeat = this.#db.prepare('SELECT * FROM edge_heartbeats WHERE edge_id = ?').get(edgeId);
    return toEdge(row, certificates.map(toCertificate), heartbeat ? toHeartbeat(heartbeat) : null);
  }

  async listEdges(): Promise<EdgeRecord[]> {
    const certificates = new Map<string, IssuedCertificateRecord[]>();
    for (const row of this.#db.prepare('SELECT * FROM edge_certificates ORDER BY issued_at DESC, serial').all()) {
      const list = certificates.get(String(row.edge_id)) ?? [];
      list.push(toCertificate(row));
      certificates.set(String(row.edge_id), list);
    }
    const heartbeats = new Map<string, HeartbeatRecord>();
    for (const row of this.#db.prepare('SELECT * FROM edge_heartbeats').all()) {
      const heartbeat = toHeartbeat(row);
      if (heartbeat) heartbeats.set(String(row.edge_id), heartbeat);
    }
    return this.#db
      .prepare('SELECT * FROM edges ORDER BY edge_id')
      .all()
      .map((row) => toEdge(row, certificates.get(String(row.edge_id)) ?? [], heartbeats.get(String(row.edge_id)) ?? null));
  }

  async revokeEdge(edgeId: string, reason: string, nowMs = Date.now()): Promise<EdgeRecord> {
    this.#transaction(() => {
      const latest = Number(this.#db.prepare('SELECT COALESCE(MAX(revoked_at), 0) AS latest FROM edges').get()?.latest ?? 0);
      // Strictly after every earlier revocation, so the list's issue time grows even within one millisecond.
      const revokedAtMs = Math.max(nowMs, latest + 1);
      this.#db.prepare('INSERT INTO edges (edge_id, first_seen_at) VALUES (?, ?) ON CONFLICT(edge_id) DO NOTHING').run(edgeId, nowMs);
      this.#db.prepare('UPDATE edges SET revoked_at = ?, revocation_reason = ? WHERE edge_id = ? AND revoked_at IS NULL').run(revokedAtMs, reason, edgeId);
    });
    return (await this.getEdge(edgeId))!;
  }

  async revocations(): Promise<{ issuedAtMs: number; revoked: Revocation[] }> {
    const rows = this.#db.prepare('SELECT edge_id, revoked_at, revocation_reason FROM edges WHERE revoked_at IS NOT NULL ORDER BY revoked_at, edge_id').all();
    const revoked = rows.map((row) => ({ edgeId: String(row.edge_id), revokedAtMs: Number(row.revoked_at), reason: String(row.revocation_reason ?? '') }));
    return { issuedAtMs: revoked.at(-1)?.revokedAtMs ?? 0, revoked };
  }

  async createSuppression(input: Omit<Suppression, 'createdAtMs'>, nowMs: number): Promise<Suppression> {
    this.#db
      .prepare('INSERT INTO alert_suppressions (id, rule, match, reason, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(input.id, input.rule ?? null, JSON.stringify(input.match), input.reason, input.createdBy, nowMs, input.expiresAtMs);
    return { ...input, createdAtMs: nowMs };
  }

  async endSuppression(id: string, actor: string, nowMs: number): Promise<boolean> {
    const ended = this.#db.prepare('UPDATE alert_suppressions SET ended_at = ?, ended_by = ? WHERE id = ? AND ended_at IS NULL AND expires_at > ?').run(nowMs, actor, id, nowMs);
    return Number(ended.changes) > 0;
  }

  async suppressions(nowMs: number): Promise<{ issuedAtMs: number; suppressions: Suppression[] }> {
    const rows = this.#db.prepare('SELECT * FROM alert_suppressions WHERE ended_at IS NULL AND expires_at > ? ORDER BY created_at, id').all(nowMs);
    const changed = this.#db.prepare('SELECT MAX(COALESCE(MAX(created_at), 0), COALESCE(MAX(ended_at), 0)) AS at FROM alert_suppressions').get();
    const suppressions = rows.map((row) => ({
      id: String(row.id),
      ...(row.rule === null ? {} : { rule: String(row.rule) }),
      match: JSON.parse(String(row.match)) as Record<string, string>,
      reason: String(row.reason),
      createdBy: String(row.created_by),
      createdAtMs: Number(row.created_at),
      expiresAtMs: Number(row.expires_at),
    }));
    return { issuedAtMs: Number(changed?.at ?? 0), suppressions };
  }

  async setRuleState(change: { rule: string; enabled: boolean; reason: string | null; actor: string }, nowMs: number): Promise<number> {
    // Every change gets a later time than the one before, so each published list replaces the last.
    const last = Number(this.#db.prepare('SELECT COALESCE(MAX(changed_at), 0) AS at FROM rule_states').get()?.at ?? 0);
    const at = Math.max(nowMs, last + 1);
    this.#db
      .prepare('INSERT INTO rule_states (rule, enabled, reason, changed_by, changed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(rule) DO UPDATE SET enabled = excluded.enabled, reason = excluded.reason, changed_by = excluded.changed_by, changed_at = excluded.changed_at')
      .run(change.rule, change.enabled ? 1 : 0, change.reason, change.actor, at);
    return at;
  }

  async ruleStates(): Promise<{ issuedAtMs: number; disabled: DisabledRule[] }> {
    const changed = Number(this.#db.prepare('SELECT COALESCE(MAX(changed_at), 0) AS at FROM rule_states').get()?.at ?? 0);
    const disabled = this.#db
      .prepare('SELECT * FROM rule_states WHERE enabled = 0 ORDER BY changed_at, rule')
      .all()
      .map((row) => ({ rule: String(row.rule), reason: String(row.reason ?? ''), disabledBy: String(row.changed_by), disabledAtMs: Number(row.changed_at) }));
    return { issuedAtMs: changed, disabled };
  }

  async recordHeartbeat(heartbeat: Heartbeat, receivedAtMs: number): Promise<boolean> {
    let kept = false;
    this.#transaction(() => {
      const stored = this.#db.prepare('SELECT boot_id, sent_at FROM edge_heartbeats WHERE edge_id = ?').get(heartbeat.edgeId);
      // Within one boot, a heartbeat sent earlier than the stored one is late or replayed; a new boot may have a clock set back.
      if (stored && String(stored.boot_id) === heartbeat.bootId && Number(stored.sent_at) >= heartbeat.sentAtMs) return;
      this.#db.prepare('INSERT INTO edges (edge_id, first_seen_at) VALUES (?, ?) ON CONFLICT(edge_id) DO NOTHING').run(heartbeat.edgeId, receivedAtMs);
      this.#db
        .prepare(
          `INSERT INTO edge_heartbeats (edge_id, boot_id, sent_at, received_at, heartbeat) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT(edge_id) DO UPDATE SET boot_id = excluded.boot_id, sent_at = excluded.sent_at, received_at = excluded.received_at, heartbeat = excluded.heartbeat`,
        )
        .run(heartbeat.edgeId, heartbeat.bootId, heartbeat.sentAtMs, receivedAtMs, JSON.stringify(heartbeat));
      kept = true;
    });
    return kept;
  }

  async createCommand(command: Omit<CommandRecord, 'status' | 'detail' | 'completedAtMs'>): Promise<CommandRecord> {
    this.#db
      .prepare('INSERT INTO edge_commands (id, edge_id, action, args, issued_by, issued_at, expires_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(command.id, command.edgeId, command.action, JSON.stringify(command.args), command.issuedBy, command.issuedAtMs, command.expiresAtMs, 'pending');
    return { ...command, status: 'pending', detail: null, completedAtMs: null };
  }

  async recordCommandResult(result: CommandResult, nowMs = Date.now()): Promise<ResultOutcome> {
    let outcome: ResultOutcome = 'unknown-command';
    this.#transaction(() => {
      const row = this.#db.prepare('SELECT edge_id, reported FROM edge_commands WHERE id = ?').get(result.commandId);
      if (!row) return;
      if (String(row.edge_id) !== result.edgeId) {
        outcome = 'edge-mismatch';
        return;
      }
      if (Number(row.reported) !== 0) {
        outcome = 'already-final';
        return;
      }
      this.#db
        .prepare('UPDATE edge_commands SET status = ?, detail = ?, completed_at = ?, reported = 1 WHERE id = ?')
        .run(result.status, result.detail, nowMs, result.commandId);
      outcome = 'recorded';
    });
    return outcome;
  }

  async closeCommand(id: string, status: CommandStatus, detail: string, nowMs = Date.now()): Promise<void> {
    this.#db.prepare("UPDATE edge_commands SET status = ?, detail = ?, completed_at = ? WHERE id = ? AND status = 'pending'").run(status, detail, nowMs, id);
  }

  async getCommand(id: string, nowMs = Date.now()): Promise<CommandRecord | null> {
    this.#expireCommands(nowMs);
    const row = this.#db.prepare('SELECT * FROM edge_commands WHERE id = ?').get(id);
    return row ? toCommand(row) : null;
  }

  async listCommands(edgeId: string, limit: number, nowMs = Date.now()): Promise<CommandRecord[]> {
    this.#expireCommands(nowMs);
    return this.#db.prepare('SELECT * FROM edge_commands WHERE edge_id = ? ORDER BY issued_at DESC, id DESC LIMIT ?').all(edgeId, limit).map(toCommand);
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }

  #expireCommands(nowMs: number): void {
    this.#db
      .prepare("UPDATE edge_commands SET status = 'expired', detail = ?, completed_at = expires_at WHERE status = 'pending' AND expires_at <= ?")
      .run(EXPIRED_DETAIL, nowMs);
  }

  #transaction(work: () => void): void {
    // IMMEDIATE takes the write lock up front, so a read-then-write cannot interleave with another process.
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}

function toEdge(row: Row, certificates: IssuedCertificateRecord[], lastHeartbeat: HeartbeatRecord | null): EdgeRecord {
  return {
    edgeId: String(row.edge_id),
    enrolledAtMs: nullableNumber(row.enrolled_at),
    firstSeenAtMs: Number(row.first_seen_at),
    revokedAtMs: nullableNumber(row.revoked_at),
    revocationReason: row.revocation_reason === null ? null : String(row.revocation_reason),
    certificates,
    lastHeartbeat,
  };
}

function toCertificate(row: Row): IssuedCertificateRecord {
  return { serial: String(row.serial), notAfterMs: Number(row.not_after), issuedAtMs: Number(row.issued_at), via: row.via === 'renew' ? 'renew' : 'enroll' };
}

function toHeartbeat(row: Row): HeartbeatRecord | null {
  // Stored after validation; checked again so a row another version wrote cannot break the listing.
  let parsed: ReturnType<typeof heartbeatSchema.safeParse>;
  try {
    parsed = heartbeatSchema.safeParse(JSON.parse(String(row.heartbeat)));
  } catch {
    return null;
  }
  if (!parsed.success) return null;
  const receivedAtMs = Number(row.received_at);
  return { heartbeat: parsed.data, receivedAtMs, clockOffsetMs: receivedAtMs - parsed.data.sentAtMs };
}

function toCommand(row: Row): CommandRecord {
  const status = String(row.status);
  return {
    id: String(row.id),
    edgeId: String(row.edge_id),
    action: String(row.action) as CommandAction,
    args: JSON.parse(String(row.args)) as Record<string, unknown>,
    issuedBy: String(row.issued_by),
    issuedAtMs: Number(row.issued_at),
    expiresAtMs: Number(row.expires_at),
    status: status === 'pending' || (COMMAND_STATUSES as readonly string[]).includes(status) ? (status as CommandRecordStatus) : 'failed',
    detail: row.detail === null ? null : String(row.detail),
    completedAtMs: nullableNumber(row.completed_at),
  };
}

function nullableNumber(value: SQLOutputValue | undefined): number | null {
  return value === null || value === undefined ? null : Number(value);
}
