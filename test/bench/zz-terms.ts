import { normalizeSyslog, ParserRegistry } from '@vigil/edge';
import { TermIndexer } from '../../packages/store/src/sqlite/event-terms.ts';
import { generateMix } from './lines.ts';
const N = 100000;
const parsers = new ParserRegistry();
const events = generateMix(N, 11).map((entry) => normalizeSyslog(entry.line, '2026-11-25T10:00:00.000Z', 'syslog_tcp', parsers, Date.now()).event);
const ti = new TermIndexer(() => null);
for (let r = 0; r < 3; r++) {
  const t = performance.now(); let n = 0;
  for (const e of events) n += ti.terms(e).length;
  console.log(((performance.now() - t) * 1000) / N, n / N);
}
