import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import type { BusMessage } from '../bus.ts';

/** A topic as the log stores it. */
export interface StoredTopic {
  name: string;
  partitions: number;
  retentionMs: number | null;
}

/** One message ready to append; the offset is assigned inside the write transaction. */
export interface AppendRow {
  topic: string;
  partition: number;
  key: Buffer | null;
  value: Buffer;
  /** JSON object text, or null when the message has no headers. */
  headers: string | null;
}

/** First offset still stored and the offset the next append gets. */
export interface Watermarks {
  low: number;
  high: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS topics (
  name TEXT PRIMARY KEY,
  partitions INTEGER NOT NULL,
  retention_ms INTEGER,
  created_at INTEGER NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS partitions (
  topic TEXT NOT NULL,
  partition_id INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  PRIMARY KEY (topic, partition_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
  topic TEXT NOT NULL,
  partition_id INTEGER NOT NULL,
  msg_offset INTEGER NOT NULL,
  msg_key BLOB,
  msg_value BLOB NOT NULL,
  headers TEXT,
  appended_at INTEGER NOT NULL,
  PRIMARY KEY (topic, partition_id, msg_offset)
) STRICT;
CREATE TABLE IF NOT EXISTS offsets (
  group_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  partition_id INTEGER NOT NULL,
  committed_offset INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (group_id, topic, partition_id)
) STRICT, WITHOUT ROWID;
`;

interface MessageRow {
  msg_offset: number;
  msg_key: Uint8Array | null;
  msg_value: Uint8Array;
  headers: string | null;
  appended_at: number;
}

/**
 * The durable log: one SQLite file in WAL mode with `synchronous=FULL`, so a committed write
 * survives the process being killed. Every method is synchronous (node:sqlite); callers decide
 * how writes are grouped into transactions.
 */
export class LogStore {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #statements: ReturnType<typeof prepareStatements>;

  constructor(directory: string, fileName: string, busyTimeoutMs: number) {
    mkdirSync(directory, { recursive: true });
    this.path = join(directory, fileName);
    this.#db = new DatabaseSync(this.path, { timeout: busyTimeoutMs });
    this.#db.exec('PRAGMA journal_mode = WAL');
    this.#db.exec('PRAGMA synchronous = FULL');
    this.#db.exec(SCHEMA);
    this.#statements = prepareStatements(this.#db);
  }

  /** Every topic in the log. */
  topics(): StoredTopic[] {
    const rows = this.#statements.topics.all() as { name: string; partitions: number; retention_ms: number | null }[];
    return rows.map((row) => ({ name: row.name, partitions: row.partitions, retentionMs: row.retention_ms }));
  }

  /** Creates the topics that do not exist yet, in one transaction; existing ones are left alone. */
  createTopics(topics: readonly StoredTopic[], now: number): void {
    this.#transaction(() => {
      for (const topic of topics) {
        const inserted = this.#statements.insertTopic.run(topic.name, topic.partitions, topic.retentionMs, now);
        if (inserted.changes === 0) continue;
        for (let partition = 0; partition < topic.partitions; partition++) {
          this.#statements.insertPartition.run(topic.name, partition);
        }
      }
    });
  }

  /**
   * Appends rows in one transaction and returns how many landed per topic and partition.
   * Offsets continue from each partition's stored high watermark, which retention never lowers.
   */
  append(rows: readonly AppendRow[], timestamp: number): Map<string, { topic: string; partition: number; count: number }> {
    const touched = new Map<string, { topic: string; partition: number; count: number; next: number }>();
    this.#transaction(() => {
      for (const row of rows) {
        const id = partitionKey(row.topic, row.partition);
        let state = touched.get(id);
        if (!state) {
          const found = this.#statements.nextOffset.get(row.topic, row.partition) as { next_offset: number } | undefined;
          if (!found) throw new Error(`partition ${row.topic}/${row.partition} is missing from the log`);
          state = { topic: row.topic, partition: row.partition, count: 0, next: found.next_offset };
          touched.set(id, state);
        }
        this.#statements.insertMessage.run(row.topic, row.partition, state.next, row.key, row.value, row.headers, timestamp);
        state.next += 1;
        state.count += 1;
      }
      for (const state of touched.values()) this.#statements.setNextOffset.run(state.next, state.topic, state.partition);
    });
    return touched;
  }

  /** Up to `limit` messages of one partition from `fromOffset` on, in offset order. */
  read(topic: string, partition: number, fromOffset: number, limit: number): BusMessage[] {
    const rows = this.#statements.read.all(topic, partition, fromOffset, limit) as unknown as MessageRow[];
    return rows.map((row) => ({
      topic,
      partition,
      offset: String(row.msg_offset),
      key: row.msg_key === null ? null : toBuffer(row.msg_key),
      value: toBuffer(row.msg_value),
      headers: parseHeaders(row.headers),
      timestamp: row.appended_at,
    }));
  }

  /** The next offset `groupId` reads in a partition, or null when it never committed there. */
  committed(groupId: string, topic: string, partition: number): number | null {
    const row = this.#statements.committed.get(groupId, topic, partition) as { committed_offset: number } | undefined;
    return row ? row.committed_offset : null;
  }

  /** Durably records that `groupId` has processed everything before `offset`. */
  commit(groupId: string, topic: string, partition: number, offset: number, now: number): void {
    this.#statements.commit.run(groupId, topic, partition, offset, now);
  }

  /** Low and high watermark of a partition (equal when it holds no messages). */
  watermarks(topic: string, partition: number): Watermarks {
    const high = (this.#statements.nextOffset.get(topic, partition) as { next_offset: number } | undefined)?.next_offset ?? 0;
    const low = (this.#statements.lowOffset.get(topic, partition) as { low: number | null }).low ?? high;
    return { low, high };
  }

  /** Groups that have committed an offset in any partition of `topic`. */
  groupsOf(topic: string): string[] {
    return (this.#statements.groupsOf.all(topic) as { group_id: string }[]).map((row) => row.group_id);
  }

  /** Deletes messages of a partition below `belowOffset` appended before `beforeTimestamp`. */
  deleteExpired(topic: string, partition: number, belowOffset: number, beforeTimestamp: number): number {
    return Number(this.#statements.deleteExpired.run(topic, partition, belowOffset, beforeTimestamp).changes);
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }

  #transaction(work: () => void): void {
    this.#db.exec('BEGIN IMMEDIATE');
    try {
      work();
      this.#db.exec('COMMIT');
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
      throw error;
    }
  }
}

/** The map key for one topic-partition. */
export function partitionKey(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}

function prepareStatements(db: DatabaseSync) {
  const statements = {
    topics: db.prepare('SELECT name, partitions, retention_ms FROM topics ORDER BY name'),
    insertTopic: db.prepare('INSERT INTO topics (name, partitions, retention_ms, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING'),
    insertPartition: db.prepare('INSERT INTO partitions (topic, partition_id, next_offset) VALUES (?, ?, 0) ON CONFLICT DO NOTHING'),
    nextOffset: db.prepare('SELECT next_offset FROM partitions WHERE topic = ? AND partition_id = ?'),
    setNextOffset: db.prepare('UPDATE partitions SET next_offset = ? WHERE topic = ? AND partition_id = ?'),
    lowOffset: db.prepare('SELECT min(msg_offset) AS low FROM messages WHERE topic = ? AND partition_id = ?'),
    insertMessage: db.prepare(
      'INSERT INTO messages (topic, partition_id, msg_offset, msg_key, msg_value, headers, appended_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    read: db.prepare(
      'SELECT msg_offset, msg_key, msg_value, headers, appended_at FROM messages WHERE topic = ? AND partition_id = ? AND msg_offset >= ? ORDER BY msg_offset LIMIT ?',
    ),
    committed: db.prepare('SELECT committed_offset FROM offsets WHERE group_id = ? AND topic = ? AND partition_id = ?'),
    commit: db.prepare(
      'INSERT INTO offsets (group_id, topic, partition_id, committed_offset, updated_at) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (group_id, topic, partition_id) DO UPDATE SET committed_offset = excluded.committed_offset, updated_at = excluded.updated_at',
    ),
    groupsOf: db.prepare('SELECT DISTINCT group_id FROM offsets WHERE topic = ?'),
    deleteExpired: db.prepare('DELETE FROM messages WHERE topic = ? AND partition_id = ? AND msg_offset < ? AND appended_at < ?'),
  } satisfies Record<string, StatementSync>;
  return statements;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function parseHeaders(text: string | null): Record<string, string> {
  if (text === null) return {};
  // Object.fromEntries defines own properties, so a header named __proto__ cannot reach a prototype.
  const parsed = JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
