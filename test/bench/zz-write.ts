import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeSyslog, ParserRegistry } from '@vigil/edge';
import { sqliteStoreConfigSchema } from '../../packages/store/src/sqlite/config.ts';
import { StoreDatabase } from '../../packages/store/src/sqlite/database.ts';
import { EventTable } from '../../packages/store/src/sqlite/event-table.ts';
import type { StorableEvent } from '@vigil/store';
import { generateMix } from './lines.ts';
const N = Number(process.argv[2] ?? 200000);
const mode = process.argv[3] ?? 'full';
const parsers = new ParserRegistry();
const start = Date.now() - 7 * 86400000;
const events = generateMix(N, 11).map((entry, i) => {
  const ts = start + Math.floor((i * 7 * 86400000) / N);
  const e = normalizeSyslog(entry.line, new Date(ts).toISOString(), 'syslog_tcp', parsers, ts).event as StorableEvent;
  e['@timestamp'] = new Date(ts).toISOString();
  e.event.id = `id-${i}`;
  return e;
});
const dir = mkdtempSync(join(tmpdir(), 'zz-'));
const db = new StoreDatabase(sqliteStoreConfigSchema.parse({ path: join(dir, 'v.db') }));
const table = new EventTable(db);
db.init();
let tPrep = 0, tIns = 0;
for (let i = 0; i < N; i += 5000) {
  let t = performance.now();
  const rows = events.slice(i, i + 5000).map((e, p) => table.prepare(e, p));
  if (mode === 'noterms') for (const r of rows) r.terms = '';
  tPrep += performance.now() - t; t = performance.now();
  db.transaction(() => table.insert(rows));
  tIns += performance.now() - t;
}
console.log(mode, { perEventPrepUs: (tPrep * 1000) / N, perEventInsUs: (tIns * 1000) / N });
db.close();
rmSync(dir, { recursive: true, force: true });
{
  const { TermIndexer } = await import('../../packages/store/src/sqlite/event-terms.ts');
  const ti = new TermIndexer(() => null);
  let t = performance.now(); let n = 0;
  for (const e of events) n += ti.terms(e).length;
  const termsUs = ((performance.now() - t) * 1000) / N;
  t = performance.now();
  for (const e of events) n += JSON.stringify(e).length;
  console.log({ termsUs, stringifyUs: ((performance.now() - t) * 1000) / N, avgTermChars: n / N });
}
