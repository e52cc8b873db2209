import type { DatabaseSync, SQLInputValue } from 'node:sqlite';
import { openPrivateDatabase } from '../private-database.ts';
import type { AuditEntry, AuditEntryInput, AuditLog, AuditQuery } from './audit-log.ts';

// Triggers make the table append-only for every writer of the file, not only for this code.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT,
  detail TEXT NOT NULL,
  outcome TEXT NOT NULL,
  address TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log(actor, id);
CREATE INDEX IF NOT EXISTS audit_log_action ON audit_log(action, id);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
`;

/** The audit log in the API's SQLite database (`auth.db`, next to users and keys). */
export function createSqliteAuditLog(path: string): AuditLog {
  return new SqliteAuditLog(openPrivateDatabase(path, SCHEMA));
}

class SqliteAuditLog implements AuditLog {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  append(entry: AuditEntryInput): void {
    this.#db
      .prepare('INSERT INTO audit_log (at, actor, action, target, detail, outcome, address) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(entry.at, entry.actor, entry.action, entry.target, JSON.stringify(entry.detail), entry.outcome, entry.address);
  }

  async list(query: AuditQuery): Promise<AuditEntry[]> {
    const where: string[] = [];
    const values: SQLInputValue[] = [];
    if (query.before !== undefined) {
      where.push('id < ?');
      values.push(query.before);
    }
    if (query.actor !== undefined) {
      where.push('actor = ?');
      values.push(query.actor);
    }
    if (query.action !== undefined) {
      where.push('action = ?');
      values.push(query.action);
    }
    const sql = `SELECT id, at, actor, action, target, detail, outcome, address FROM audit_log ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return this.#db
      .prepare(sql)
      .all(...values, query.size)
      .map((row) => ({
        id: Number(row.id),
        at: String(row.at),
        actor: String(row.actor),
        action: String(row.action),
        target: row.target === null ? null : String(row.target),
        detail: JSON.parse(String(row.detail)) as Record<string, unknown>,
        outcome: String(row.outcome),
        address: String(row.address),
      }));
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}
