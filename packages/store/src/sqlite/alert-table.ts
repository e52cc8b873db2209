import type { SQLInputValue } from 'node:sqlite';
import type { Alert } from '@vigil/schema';
import { applyAlertPatch, mergeAlert } from '../alert-merge.ts';
import { storeErrors } from '../errors.ts';
import { parseQuery } from '../query/parser.ts';
import { parseInstant } from '../query/values.ts';
import type { AlertPatch, AlertSearchRequest, AlertSearchResult } from '../store.ts';
import type { StoreDatabase } from './database.ts';
import { checkPageSize, keysetPage } from './keyset-page.ts';
import { compileWhere } from './sql-where.ts';
import { alertTarget } from './targets.ts';

const UPSERT_SQL = `
INSERT INTO alerts (id, status, severity, rule_id, rule_name, last_seen, doc) VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
  status = excluded.status, severity = excluded.severity, rule_id = excluded.rule_id,
  rule_name = excluded.rule_name, last_seen = excluded.last_seen, doc = excluded.doc`;

/**
 * The alerts table: the document as JSON plus the columns alerts are filtered and sorted by
 * (status, severity, rule, last seen), kept in step with the document on every write.
 */
export class AlertTable {
  readonly #db: StoreDatabase;

  constructor(db: StoreDatabase) {
    this.#db = db;
  }

  upsert(alerts: Alert[]): void {
    alerts.forEach((alert, position) => lastSeenMs(alert, position));
    this.#db.transaction(() => {
      for (const alert of alerts) {
        const stored = this.#read(alert.id);
        this.#save(stored ? mergeAlert(stored, alert) : alert);
      }
    });
  }

  search(request: AlertSearchRequest): AlertSearchResult {
    checkPageSize(request.size);
    const conditions: string[] = [];
    const params: SQLInputValue[] = [];
    if (request.status !== undefined) {
      conditions.push('a.status = ?');
      params.push(request.status);
    }
    if (request.severity !== undefined) {
      conditions.push('a.severity = ?');
      params.push(request.severity);
    }
    if (request.rule !== undefined) {
      conditions.push('(a.rule_id = ? OR a.rule_name = ?)');
      params.push(request.rule, request.rule);
    }
    const where = compileWhere(parseQuery(request.q ?? ''), alertTarget);
    if (where.sql !== '1') {
      conditions.push(where.sql);
      params.push(...where.params);
    }
    const filter = conditions.length > 0 ? conditions.join(' AND ') : '1';
    const page = keysetPage<Alert>(this.#db, {
      kind: 'alerts',
      from: 'alerts AS a',
      sortColumn: 'a.last_seen',
      idColumn: 'a.id',
      filter,
      params,
      size: request.size,
      cursor: request.cursor,
    });
    return { total: page.total, alerts: page.docs, cursor: page.cursor };
  }

  get(id: string): Alert | null {
    return this.#read(id);
  }

  update(id: string, patch: AlertPatch, actor: string, now: Date): Alert | null {
    return this.#db.transaction(() => {
      const stored = this.#read(id);
      if (!stored) return null;
      const updated = applyAlertPatch(stored, patch, actor, now);
      this.#save(updated);
      return updated;
    });
  }

  #read(id: string): Alert | null {
    const row = this.#db.statement('SELECT doc FROM alerts WHERE id = ?').get(id) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as Alert) : null;
  }

  #save(alert: Alert): void {
    const state = alert.vigil.alert;
    this.#db
      .statement(UPSERT_SQL)
      .run(alert.id, state.status, state.severity, alert.rule.id, alert.rule.name, lastSeenMs(alert, 0), JSON.stringify(alert));
  }
}

function lastSeenMs(alert: Alert, position: number): number {
  const ms = parseInstant(alert.vigil?.alert?.last_seen ?? '');
  if (ms === null || typeof alert.id !== 'string') {
    throw storeErrors.create('VIGIL_ERR_STORE_BAD_DOCUMENT', { kind: 'alert', position, reason: 'id or vigil.alert.last_seen is missing or invalid' });
  }
  return ms;
}
