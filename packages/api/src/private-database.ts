import { chmodSync, existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { describeError } from '@vigil/runtime';
import { apiErrors } from './errors.ts';

/**
 * Opens (creating when needed) the API's SQLite database at `path` (`:memory:` for a throw-away
 * one) and applies `schema`. A new file is made readable by its owner only: it holds password
 * hashes, key hashes and enrollment tokens.
 */
export function openPrivateDatabase(path: string, schema: string): DatabaseSync {
  const isNew = path !== ':memory:' && !existsSync(path);
  try {
    const db = new DatabaseSync(path);
    db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;');
    db.exec(schema);
    if (isNew) chmodSync(path, 0o600);
    return db;
  } catch (error) {
    throw apiErrors.create('VIGIL_ERR_AUTH_DB_UNUSABLE', { path, reason: describeError(error) }, { cause: error });
  }
}
