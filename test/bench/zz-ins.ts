import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeSyslog, ParserRegistry } from '@vigil/edge';
import { sqliteStoreConfigSchema } from '../../packages/store/src/sqlite/config.ts';
import { StoreDatabase } from '../../packages/store/src/sqlite/database.ts';
import { EventTable } from '../../packages/store/src/sqlite/event-table.ts';
import { rowId, secondOf } from '../../packages/store/src/sqlite/event-keys.ts';
import type { StorableEvent } from '@vigil/store';
import { generateMix } from './lines.ts';
const N = 200000;
const parsers = new ParserRegistry();
const start = Date.now() - 7 * 86400000;
const events = generateMix(N, 11).map((entry, i) => {
  const ts = start + Math.floor((i * 7 * 86400000) / N);
  const e = normalizeSyslog(entry.line, new Date(ts).toISOString(), 'syslog_tcp', parsers, ts).event as StorableEvent;
  e['@timestamp'] = new Date(ts).toISOString();
  e.event.id = `id-${i}`;
  return e;
});
for (const mode of ['rows-only-rowid', 'rows-only-bigint', 'rows+seq-nofts', 'rows+fts-noterms', 'rows+fts-terms']) {
  const dir = mkdtempSync(join(tmpdir(), 'zz-'));
  const db = new StoreDatabase(sqliteStoreConfigSchema.parse({ path: join(dir, 'v.db') }));
  const table = new EventTable(db);
  db.init();
  const rows = events.map((e, p) => table.prepare(e, p));
  const insert = db.statement('INSERT INTO events (rid, id, ts, doc) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING');
  const index = db.statement('INSERT INTO events_fts (rowid, message, original, terms) VALUES (?, ?, ?, ?)');
  const t = performance.now();
  for (let i = 0; i < N; i += 5000) {
    const batch = rows.slice(i, i + 5000);
    if (mode === 'rows+seq' || mode.startsWith('rows+fts')) {
      if (mode === 'rows+fts-noterms') for (const r of batch) r.terms = '';
      db.transaction(() => table.insert(batch));
    } else {
      db.transaction(() => batch.forEach((r, j) => insert.run(mode === 'rows-only-rowid' ? i + j + 1 : rowId(secondOf(r.ts), 0), r.id, r.ts, r.doc)));
    }
  }
  if (mode === 'rows+seq') void index;
  console.log(mode, (((performance.now() - t) * 1000) / N).toFixed(1), 'us/event');
  db.close();
  rmSync(dir, { recursive: true, force: true });
}
