import { randomUUID } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { openPrivateDatabase } from '../private-database.ts';

/** A search an analyst saved: its query and time range, theirs or shared with everyone who reads events. */
export interface SavedSearch {
  readonly id: string;
  readonly name: string;
  readonly query: string;
  /** The time range, as the search page names it (`15m`, `1h`, `24h`, `7d`, `30d`, `all`). */
  readonly range: string;
  readonly owner: string;
  readonly shared: boolean;
  readonly createdAt: string;
}

export interface SavedSearches {
  /** The searches `owner` saved and every shared one, by name. */
  visibleTo(owner: string): Promise<SavedSearch[]>;
  create(input: Omit<SavedSearch, 'id' | 'createdAt'>, now?: Date): Promise<SavedSearch>;
  get(id: string): Promise<SavedSearch | null>;
  delete(id: string): Promise<boolean>;
  close(): Promise<void>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS saved_searches (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  query TEXT NOT NULL,
  range TEXT NOT NULL,
  owner TEXT NOT NULL,
  shared INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS saved_searches_owner ON saved_searches(owner);
`;

/** Saved searches in the API's SQLite database (`auth.db`). */
export function createSqliteSavedSearches(path: string): SavedSearches {
  return new SqliteSavedSearches(openPrivateDatabase(path, SCHEMA));
}

class SqliteSavedSearches implements SavedSearches {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  async visibleTo(owner: string): Promise<SavedSearch[]> {
    return this.#db.prepare('SELECT * FROM saved_searches WHERE owner = ? OR shared = 1 ORDER BY name, created_at').all(owner).map(toSavedSearch);
  }

  async create(input: Omit<SavedSearch, 'id' | 'createdAt'>, now = new Date()): Promise<SavedSearch> {
    const search: SavedSearch = { ...input, id: randomUUID(), createdAt: now.toISOString() };
    this.#db
      .prepare('INSERT INTO saved_searches (id, name, query, range, owner, shared, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(search.id, search.name, search.query, search.range, search.owner, search.shared ? 1 : 0, search.createdAt);
    return search;
  }

  async get(id: string): Promise<SavedSearch | null> {
    const row = this.#db.prepare('SELECT * FROM saved_searches WHERE id = ?').get(id);
    return row ? toSavedSearch(row) : null;
  }

  async delete(id: string): Promise<boolean> {
    return this.#db.prepare('DELETE FROM saved_searches WHERE id = ?').run(id).changes > 0;
  }

  async close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
  }
}

function toSavedSearch(row: Record<string, unknown>): SavedSearch {
  return {
    id: String(row.id),
    name: String(row.name),
    query: String(row.query),
    range: String(row.range),
    owner: String(row.owner),
    shared: Number(row.shared) !== 0,
    createdAt: String(row.created_at),
  };
}
