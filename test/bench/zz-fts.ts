import { createHash } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeSyslog, ParserRegistry } from '@vigil/edge';
import { TermIndexer } from '../../packages/store/src/sqlite/event-terms.ts';
import { generateMix } from './lines.ts';
const N = 200000;
const parsers = new ParserRegistry();
const events = generateMix(N, 11).map((entry) => normalizeSyslog(entry.line, '2026-11-25T10:00:00.000Z', 'syslog_tcp', parsers, Date.now()).event);
const ti = new TermIndexer(() => null);
const terms = events.map((e) => ti.terms(e));
const short = terms.map((t) => t.split(' ').map((tok) => createHash('md5').update(tok).digest('hex').slice(0, 12)).join(' '));
const msgs = events.map((e) => [typeof e.message === 'string' ? e.message : '', typeof e.event?.original === 'string' ? e.event.original : '']);
function run(name: string, ddl: string, insert: string, args: (i: number) => (string | number)[]) {
  const dir = mkdtempSync(join(tmpdir(), 'zz-'));
  const db = new DatabaseSync(join(dir, 'f.db'));
  db.exec('PRAGMA journal_mode = WAL'); db.exec(ddl);
  const st = db.prepare(insert);
  const t = performance.now();
  for (let i = 0; i < N; i += 5000) { db.exec('BEGIN'); for (let j = i; j < i + 5000; j++) st.run(...args(j)); db.exec('COMMIT'); }
  const us = ((performance.now() - t) * 1000) / N;
  db.close();
  console.log(name, us.toFixed(1), 'us/event', Math.round(statSync(join(dir, 'f.db')).size / 2 ** 20), 'MB');
  rmSync(dir, { recursive: true, force: true });
}
const U = `tokenize = 'unicode61 remove_diacritics 2'`;
const M = `CREATE VIRTUAL TABLE f USING fts5(message, original, terms, content='', contentless_delete=1, ${U})`;
const ins = 'INSERT INTO f (rowid, message, original, terms) VALUES (?, ?, ?, ?)';
const a = (i: number) => [i + 1, msgs[i]![0]!, msgs[i]![1]!, terms[i]!];
run('merged', M, ins, a);
run('merged cache 64MB', `PRAGMA cache_size = -65536; ${M}`, ins, a);
run('merged automerge 8', `${M}; INSERT INTO f (f, rank) VALUES ('automerge', 8)`, ins, a);
run('merged automerge 16 cache', `PRAGMA cache_size = -65536; ${M}; INSERT INTO f (f, rank) VALUES ('automerge', 16)`, ins, a);
run('merged synchronous normal', `PRAGMA synchronous = NORMAL; ${M}`, ins, a);
