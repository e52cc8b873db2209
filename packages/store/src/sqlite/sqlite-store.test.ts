import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE_ALERTS } from '../contract/alert-fixtures.ts';
import { FIXTURE_EVENTS } from '../contract/event-fixtures.ts';
import { QUERY_CASES } from '../contract/event-query-cases.ts';
import { newestFirst, runStoreContract } from '../contract/store-contract.ts';
import type { StorableEvent, Store } from '../store.ts';
import { EVENTS_PER_SECOND, rowId, secondOf } from './event-keys.ts';
import { createSqliteStore } from './sqlite-store.ts';

async function tempStore(): Promise<{ store: Store; cleanup: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
  const store = await createSqliteStore({ path: join(dir, 'vigil.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

runStoreContract('sqlite', tempStore);

describe('sqlite store on disk', () => {
  const dirs: string[] = [];
  const stores: Store[] = [];
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  function tempDir(): string {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
    dirs.push(dir);
    return dir;
  }

  async function open(path: string): Promise<Store> {
    const store = await createSqliteStore({ path });
    stores.push(store);
    await store.init();
    return store;
  }

  it('creates its directory, uses WAL with synchronous=FULL, and keeps everything across a restart', async () => {
    const path = join(tempDir(), 'data', 'store', 'vigil.db');
    const first = await open(path);
    await first.writeEvents([...FIXTURE_EVENTS]);
    await first.upsertAlerts([...FIXTURE_ALERTS]);
    await first.updateAlert('al-web-scan', { status: 'closed' }, 'alice', new Date('2024-05-14T09:00:00Z'));
    await first.close();

    const inspect = new DatabaseSync(path, { readOnly: true });
    expect(inspect.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
    inspect.close();

    const second = await open(path);
    expect(await second.countEvents()).toBe(FIXTURE_EVENTS.length);
    expect((await second.searchEvents({ query: '"invalid user" source.ip:198.51.100.0/24', size: 10 })).total).toBe(2);
    expect((await second.getAlert('al-web-scan'))?.vigil.alert.status).toBe('closed');
    expect(await second.writeEvents([...FIXTURE_EVENTS])).toEqual({ created: 0, duplicates: FIXTURE_EVENTS.length });
  });

  it('writes nothing from a batch that holds an event it cannot store', async () => {
    const store = await open(join(tempDir(), 'vigil.db'));
    const broken = { ...structuredClone(FIXTURE_EVENTS[1]!), '@timestamp': 'yesterday at noon' } as StorableEvent;
    await expect(store.writeEvents([structuredClone(FIXTURE_EVENTS[0]!), broken])).rejects.toMatchObject({
      code: 'VIGIL_ERR_STORE_BAD_DOCUMENT',
      retryable: false,
      message: 'event at position 1 cannot be stored: @timestamp is not an ISO-8601 date-time',
    });
    expect(await store.countEvents()).toBe(0);
  });

  it('survives hostile queries with its tables intact', async () => {
    const path = join(tempDir(), 'vigil.db');
    const store = await open(path);
    await store.writeEvents([...FIXTURE_EVENTS]);
    for (const query of [`'; DROP TABLE events; --`, `user.name:"x'); DELETE FROM events; --"`, `"a"" OR 1=1 --"`, 'message:"*" OR NEAR(a b)', `url.path:\\'\\)\\;`]) {
      await store.searchEvents({ query, size: 10 });
      await store.searchAlerts({ q: query, size: 10 });
    }
    expect(await store.countEvents()).toBe(FIXTURE_EVENTS.length);
    const inspect = new DatabaseSync(path, { readOnly: true });
    const tables = inspect.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('events', 'alerts', 'events_fts') ORDER BY name`).all();
    inspect.close();
    expect(tables.map((row) => row.name)).toEqual(['alerts', 'events', 'events_fts']);
  });

  it('upgrades a database of schema version 1: every event found as before, by field and by time', async () => {
    const path = join(tempDir(), 'vigil.db');
    const v1 = new DatabaseSync(path);
    v1.exec(`
      CREATE TABLE events (rid INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ts INTEGER NOT NULL, doc TEXT NOT NULL);
      CREATE INDEX events_ts_id ON events (ts, id);
      CREATE VIRTUAL TABLE events_fts USING fts5(message, original, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
      PRAGMA user_version = 1;`);
    // Version 1 numbered events in arrival order: here newest first.
    for (const event of [...FIXTURE_EVENTS].reverse()) {
      const { lastInsertRowid } = v1.prepare('INSERT INTO events (id, ts, doc) VALUES (?, ?, ?)').run(event.event.id, Date.parse(event['@timestamp']), JSON.stringify(event));
      v1.prepare('INSERT INTO events_fts (rowid, message, original) VALUES (?, ?, ?)').run(lastInsertRowid, event.message ?? '', event.event.original ?? '');
    }
    v1.close();
    const store = await open(path);
    expect(await store.countEvents()).toBe(FIXTURE_EVENTS.length);
    for (const { query, ids } of QUERY_CASES) {
      const result = await store.searchEvents({ query, size: 1000 });
      expect({ query, ids: result.events.map((event) => event.event?.id), total: result.total }).toEqual({ query, ids: newestFirst(ids), total: ids.length });
    }
    const inspect = new DatabaseSync(path, { readOnly: true });
    expect(inspect.prepare('PRAGMA user_version').get()).toEqual({ user_version: 2 });
    expect(inspect.prepare(`SELECT name FROM sqlite_master WHERE name LIKE 'events_v1%'`).all()).toEqual([]);
    inspect.close();
  });

  it('refuses an event when its second of @timestamp holds as many events as it can, and writes nothing of its batch', async () => {
    const path = join(tempDir(), 'vigil.db');
    const store = await open(path);
    const [first, second] = [structuredClone(FIXTURE_EVENTS[0]!), structuredClone(FIXTURE_EVENTS[1]!)];
    const full = new DatabaseSync(path);
    full.prepare('INSERT INTO events (rid, id, ts, doc) VALUES (?, ?, ?, ?)').run(rowId(secondOf(Date.parse(second['@timestamp'])), EVENTS_PER_SECOND - 1), 'filler', 0, '{}');
    full.close();
    await expect(store.writeEvents([first, second])).rejects.toMatchObject({
      code: 'VIGIL_ERR_STORE_BAD_DOCUMENT',
      message: expect.stringContaining(`event at position 1 cannot be stored: more than ${EVENTS_PER_SECOND} events`),
    });
    expect(await store.countEvents()).toBe(1);
  });

  it('refuses a database written by a newer Vigil', async () => {
    const path = join(tempDir(), 'vigil.db');
    const future = new DatabaseSync(path);
    future.exec('PRAGMA user_version = 99');
    future.close();
    const store = await createSqliteStore({ path });
    stores.push(store);
    await expect(store.init()).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_SCHEMA_VERSION' });
  });

  it('says so when used before init() or after close()', async () => {
    const path = join(tempDir(), 'vigil.db');
    const store = await createSqliteStore({ path });
    await expect(store.countEvents()).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_NOT_READY', message: expect.stringContaining('not initialised') });
    await store.init();
    await store.close();
    await expect(store.searchEvents({ query: '', size: 1 })).rejects.toMatchObject({ code: 'VIGIL_ERR_STORE_NOT_READY', message: expect.stringContaining('closed') });
    await store.close();
    expect(existsSync(path)).toBe(true);
  });

  it('fails at creation on options it does not know', async () => {
    await expect(createSqliteStore({ path: join(tempDir(), 'x.db'), synchronous: 'off' } as never)).rejects.toThrow(/synchronous/);
    await expect(createSqliteStore({ path: join(tempDir(), 'x.db'), cacheSize: 5 } as never)).rejects.toThrow(/cacheSize/);
  });
});
