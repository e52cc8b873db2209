/** The schema version this code writes; a newer file is refused rather than misread, an older one upgraded (`upgrade.ts`). */
export const SCHEMA_VERSION = 2;

/**
 * Tables. `events.rid` is an explicit INTEGER PRIMARY KEY because the FTS5 rows point at it:
 * an implicit rowid may be renumbered by VACUUM, an aliased one never is. Row ids are in time
 * order (`event-keys.ts`), so a time range is a range of FTS5 rowids. The event id is UNIQUE,
 * which is what makes writes idempotent. The FTS table is contentless (the text already lives
 * in `doc`) with deletes enabled so retention can remove rows later; besides the message and
 * the raw line it holds the field tokens (`event-terms.ts`) in `terms`. Every event adds some 40
 * tokens, so the index keeps 16 MB of them in memory before writing a segment (FTS5's default
 * is 1 MB) and merges segments 8 at a time (default 4): writes measured a third faster, for a
 * few more segments for a search to read.
 */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS events (
  rid INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  ts INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_ts_id ON events (ts, id);
CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5(
  message, original, terms, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO events_fts (events_fts, rank) VALUES ('hashsize', ${16 * 2 ** 20});
INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 8);
CREATE TABLE IF NOT EXISTS alerts (
  id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  severity TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  rule_name TEXT NOT NULL,
  last_seen INTEGER NOT NULL,
  doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alerts_last_seen_id ON alerts (last_seen, id);
CREATE INDEX IF NOT EXISTS alerts_status_last_seen ON alerts (status, last_seen);
CREATE INDEX IF NOT EXISTS alerts_rule_id ON alerts (rule_id);
CREATE INDEX IF NOT EXISTS alerts_rule_name ON alerts (rule_name);
`;
