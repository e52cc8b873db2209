import type { Alert, EcsEvent } from '@vigil/schema';
import { parseConfig } from '@vigil/runtime';
import type {
  AlertPatch,
  AlertSearchRequest,
  AlertSearchResult,
  EventSearchRequest,
  EventSearchResult,
  StorableEvent,
  Store,
  WriteResult,
} from '../store.ts';
import { AlertTable } from './alert-table.ts';
import { sqliteStoreConfigSchema, type SqliteStoreOptions } from './config.ts';
import { StoreDatabase } from './database.ts';
import { EventTable } from './event-table.ts';
import { upgradeSchema } from './upgrade.ts';

/**
 * The embedded store: one SQLite file via `node:sqlite`, FTS5 for free text and field values.
 * Calls run synchronously on the caller's thread (node:sqlite has no async API) and resolve
 * when the transaction has committed under the configured `synchronous` level (FULL by default).
 */
class SqliteStore implements Store {
  readonly #db: StoreDatabase;
  readonly #events: EventTable;
  readonly #alerts: AlertTable;

  constructor(db: StoreDatabase) {
    this.#db = db;
    this.#events = new EventTable(db);
    this.#alerts = new AlertTable(db);
  }

  async init(): Promise<void> {
    this.#db.init((found) => upgradeSchema(this.#db, this.#events, found));
  }

  async writeEvents(events: StorableEvent[]): Promise<WriteResult> {
    return this.#db.use(() => this.#events.write(events));
  }

  async searchEvents(request: EventSearchRequest): Promise<EventSearchResult> {
    return this.#db.use(() => this.#events.search(request));
  }

  async getEvents(ids: string[]): Promise<EcsEvent[]> {
    return this.#db.use(() => this.#events.get(ids));
  }

  async countEvents(): Promise<number> {
    return this.#db.use(() => this.#events.count());
  }

  async upsertAlerts(alerts: Alert[]): Promise<void> {
    this.#db.use(() => this.#alerts.upsert(alerts));
  }

  async searchAlerts(request: AlertSearchRequest): Promise<AlertSearchResult> {
    return this.#db.use(() => this.#alerts.search(request));
  }

  async getAlert(id: string): Promise<Alert | null> {
    return this.#db.use(() => this.#alerts.get(id));
  }

  async updateAlert(id: string, patch: AlertPatch, actor: string, now: Date = new Date()): Promise<Alert | null> {
    return this.#db.use(() => this.#alerts.update(id, patch, actor, now));
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}

/**
 * Opens (creating if needed) the SQLite store at `options.path`. Call `init()` before use;
 * a bad path or an unreadable file fails here, at start-up.
 */
export async function createSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const config = parseConfig(sqliteStoreConfigSchema, options, 'SQLite store options');
  return new SqliteStore(new StoreDatabase(config));
}
