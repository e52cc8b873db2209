import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { describeError } from '@vigil/runtime';
import { storeErrors } from '../errors.ts';
import type { SqliteStoreConfig } from './config.ts';
import { SCHEMA_SQL, SCHEMA_VERSION } from './schema.ts';
import { registerSqlFunctions } from './sql-functions.ts';

/**
 * One SQLite connection with the store's settings: WAL journal, the configured `synchronous`
 * level, a cache of prepared statements, transactions, and one place that turns database
 * failures into `VIGIL_ERR_STORE_UNAVAILABLE` (retryable).
 */
export class StoreDatabase {
  readonly #db: DatabaseSync;
  readonly #path: string;
  readonly #statements = new Map<string, StatementSync>();
  readonly #maxStatements: number;
  #state: 'opened' | 'ready' | 'closed' = 'opened';

  constructor(config: SqliteStoreConfig) {
    this.#path = config.path;
    this.#maxStatements = config.maxCachedStatements;
    if (config.path !== ':memory:') mkdirSync(dirname(config.path), { recursive: true });
    this.#db = new DatabaseSync(config.path, { timeout: config.busyTimeoutMs });
    try {
      this.#db.exec('PRAGMA journal_mode = WAL');
      this.#db.exec(`PRAGMA synchronous = ${config.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
      registerSqlFunctions(this.#db);
    } catch (error) {
      this.#db.close();
      throw error;
    }
  }

  /**
   * Creates the tables (idempotent); refuses a database written by a newer schema. `upgrade`
   * brings the tables of an older schema version (1 and up; 0 is a new database) to this one,
   * in the same transaction.
   */
  init(upgrade: (found: number) => void = () => {}): void {
    if (this.#state === 'closed') throw storeErrors.create('VIGIL_ERR_STORE_NOT_READY', { state: 'closed' });
    const found = (this.#db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version;
    if (found > SCHEMA_VERSION) {
      throw storeErrors.create('VIGIL_ERR_STORE_SCHEMA_VERSION', { path: this.#path, found, supported: SCHEMA_VERSION });
    }
    this.transaction(() => {
      if (found > 0 && found < SCHEMA_VERSION) upgrade(found);
      this.#db.exec(SCHEMA_SQL);
      this.#db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    });
    this.#state = 'ready';
  }

  /**
   * Runs one store operation: checks the store is ready and reports database failures with a
   * store error code (query and request errors pass through unchanged).
   */
  use<T>(operation: () => T): T {
    if (this.#state !== 'ready') throw storeErrors.create('VIGIL_ERR_STORE_NOT_READY', { state: this.#state === 'closed' ? 'closed' : 'not initialised' });
    try {
      return operation();
    } catch (error) {
      if (storeErrors.is(error)) throw error;
      throw storeErrors.create('VIGIL_ERR_STORE_UNAVAILABLE', { reason: describeError(error) }, { cause: error });
    }
  }

  /** A prepared statement for `sql`, reused across calls. */
  statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement) return statement;
    // Query shapes vary with user input; dropping the whole cache when full is simpler than LRU and rare.
    if (this.#statements.size >= this.#maxStatements) this.#statements.clear();
    statement = this.#db.prepare(sql);
    this.#statements.set(sql, statement);
    return statement;
  }

  /** Runs SQL without results (schema changes). */
  exec(sql: string): void {
    this.#db.exec(sql);
  }

  /** Runs `work` in one write transaction: all of it is committed, or none. */
  transaction<T>(work: () => T): T {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }

  close(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#statements.clear();
    this.#db.close();
  }
}
