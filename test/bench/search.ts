/**
 * Search benchmark: a SQLite store holding `--events` events (1,000,000), searched the way
 * `GET /api/v1/events` searches it (`store.searchEvents`, a page of 50, newest first) with
 * analysts' queries: a field query plus a time range each.
 * - The events are the realistic mix of `lines.ts` as the edge's own code normalizes them,
 *   stamped as an edge stamps them (`event.id`, `vigil.edge`, `vigil.batch`) and as the indexer
 *   stores them (`event.ingested`, `vigil.signature`), their `@timestamp`s spread evenly over the
 *   7 days up to the start of the run, written with `writeEvents` in batches of `--batch`.
 * - The queries' values are taken from the generated events (an address, a user seen in the
 *   last day), so each finds what it looks for; each query's total is printed.
 * - One warm-up round over the queries, then `--rounds` rounds; latency is the wall-clock time
 *   of each `searchEvents` call. Reported: p50/p95/p99 over all calls and per query.
 * Prints one JSON line at the end.
 *
 * With `--store opensearch`, the same on the OpenSearch store at `--url` (default
 * VIGIL_OPENSEARCH_URL), in indices of its own that are deleted afterwards.
 *
 *   node test/bench/search.ts [--events 1000000] [--rounds 30] [--batch 5000] [--size 50] [--store sqlite|opensearch] [--url URL]
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { batchStamp, normalizeSyslog, ParserRegistry, stamp, type BatchStamp } from '@vigil/edge';
import type { EcsEvent } from '@vigil/schema';
import { createOpenSearchStore, createSqliteStore, type StorableEvent, type Store } from '@vigil/store';
import { generateMix } from './lines.ts';
import { describeMachine, median, percentile } from './machine.ts';
import { SEARCH_TARGET_P95_MS, type SearchFigures, type SearchQueryFigures } from './search-report.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '30' },
    batch: { type: 'string', default: '5000' },
    size: { type: 'string', default: '50' },
    store: { type: 'string', default: 'sqlite' },
    url: { type: 'string', default: process.env.VIGIL_OPENSEARCH_URL },
  },
});
if (values.store !== 'sqlite' && values.store !== 'opensearch') throw new Error('--store takes sqlite or opensearch');
if (values.store === 'opensearch' && !values.url) throw new Error('--store opensearch needs --url or VIGIL_OPENSEARCH_URL');
const STORE_KIND: 'sqlite' | 'opensearch' = values.store;
const EVENTS = Number(values.events);
const ROUNDS = Number(values.rounds);
const BATCH = Number(values.batch);
const PAGE_SIZE = Number(values.size);
const MIX_SEED = 11;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const SPAN_MS = 7 * DAY_MS;
/** Events per signed batch an edge sends, and how many edges the events came from. */
const EDGE_BATCH = 2_000;
const EDGES = 4;

/** One analyst query: the query text and how far back it looks from the end of the data. */
interface SearchCase {
  name: string;
  query: string;
  windowMs: number;
}

/** Values the queries look for, taken from the generated events. */
interface Picks {
  /** An IPv4 source address of an event about 12 hours before the end. */
  sourceIp?: string;
  /** A user name of the rarer kind (letters then digits, `vjones74`) of an event about 6 hours before the end. */
  rareUser?: string;
}

/** The mix normalized, stamped and stored: time spent generating and writing, and the picks. */
async function load(store: Store, nowMs: number): Promise<{ loadSeconds: number; prepareSeconds: number; picks: Picks }> {
  const startMs = nowMs - SPAN_MS;
  const parsers = new ParserRegistry();
  const picks: Picks = {};
  let prepareMs = 0;
  let loadMs = 0;
  let started = performance.now();
  const lines = generateMix(EVENTS, MIX_SEED);
  prepareMs += performance.now() - started;
  const edges = Array.from({ length: EDGES }, (_, index) => ({ id: `bench-edge-${index + 1}`, bootId: `bench-boot-${index + 1}`, sequence: 0n }));
  let stampOfBatch: BatchStamp | undefined;
  let position = 0;
  for (let first = 0; first < EVENTS; first += BATCH) {
    started = performance.now();
    const events: StorableEvent[] = [];
    for (let i = first; i < Math.min(EVENTS, first + BATCH); i++) {
      const tsMs = startMs + Math.floor((i * SPAN_MS) / EVENTS);
      const timestamp = new Date(tsMs).toISOString();
      // The edge normalizes a line when it receives it: as if this one arrived at its own time.
      const event = normalizeSyslog(lines[i]!.line, timestamp, 'syslog_tcp', parsers, tsMs).event;
      event['@timestamp'] = timestamp;
      if (stampOfBatch === undefined || position === EDGE_BATCH) {
        const edge = edges[Math.floor(i / EDGE_BATCH) % EDGES]!;
        edge.sequence++;
        stampOfBatch = batchStamp({ edgeId: edge.id, bootId: edge.bootId }, edge.sequence);
        position = 0;
      }
      stamp(event, stampOfBatch, position++);
      // As the indexer stores a verified batch (`decodeVerifiedEvents`): core receipt time and signature status.
      event.event!.ingested = new Date(tsMs + 40).toISOString();
      event.vigil = { ...event.vigil, signature: { status: 'verified', key_id: `${stampOfBatch.edge.id}-key` } };
      pick(picks, event, nowMs - tsMs);
      events.push(event as StorableEvent);
    }
    const written = performance.now();
    prepareMs += written - started;
    const result = await store.writeEvents(events);
    loadMs += performance.now() - written;
    if (result.created !== events.length) throw new Error(`batch at ${first}: ${result.created} of ${events.length} events created`);
    if ((first / BATCH) % 20 === 19) console.log(`  ${(first + BATCH).toLocaleString('en-US')} events stored, ${(loadMs / 1000).toFixed(1)} s writing`);
  }
  return { loadSeconds: loadMs / 1000, prepareSeconds: prepareMs / 1000, picks };
}

function pick(picks: Picks, event: EcsEvent, ageMs: number): void {
  const ip = event.source?.ip;
  if (picks.sourceIp === undefined && ageMs <= 12 * HOUR_MS && typeof ip === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(ip)) picks.sourceIp = ip;
  const user = event.user?.name;
  if (picks.rareUser === undefined && ageMs <= 6 * HOUR_MS && typeof user === 'string' && /^[a-z]+\d+$/.test(user)) picks.rareUser = user;
}

function cases(picks: Picks): SearchCase[] {
  if (picks.sourceIp === undefined || picks.rareUser === undefined) throw new Error('the generated events hold no source address or user to search for');
  return [
    { name: 'one address (pivot)', query: `source.ip:"${picks.sourceIp}"`, windowMs: DAY_MS },
    { name: 'failed SSH logins', query: 'event.outcome:failure AND process.name:sshd', windowMs: HOUR_MS },
    { name: 'root activity', query: 'user.name:root', windowMs: SPAN_MS },
    { name: 'web 404s', query: 'http.response.status_code:404', windowMs: DAY_MS },
    { name: 'rare user', query: `user.name:${picks.rareUser}`, windowMs: DAY_MS },
    { name: 'common value (all web events)', query: 'event.category:web', windowMs: SPAN_MS },
    { name: 'free text and a field', query: 'password AND process.name:sshd', windowMs: DAY_MS },
  ];
}

function windowName(ms: number): string {
  return ms === HOUR_MS ? '1 h' : ms === DAY_MS ? '24 h' : `${ms / DAY_MS} days`;
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** Bytes of the database file and its write-ahead log. */
function storeBytes(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

/** The OpenSearch indices of this run, for their size and their deletion. */
async function openSearchIndices(url: string, prefix: string, method: 'GET' | 'DELETE' | 'POST', path: string): Promise<unknown> {
  const response = await fetch(`${url.replace(/\/$/, '')}/${prefix}-*${path}`, { method });
  if (!response.ok) throw new Error(`OpenSearch ${method} ${prefix}-*${path}: HTTP ${response.status}`);
  return response.json();
}

console.log(`machine: ${describeMachine()}`);
const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-search-'));
const indexPrefix = `vigil-bench-search-${Date.now()}`;
const store = STORE_KIND === 'sqlite' ? await createSqliteStore({ path: join(dir, 'vigil.db') }) : await createOpenSearchStore({ url: values.url!, indexPrefix });
try {
  await store.init();
  const nowMs = Date.now();
  console.log(`storing ${EVENTS.toLocaleString('en-US')} events in batches of ${BATCH.toLocaleString('en-US')} (${STORE_KIND})...`);
  const { loadSeconds, prepareSeconds, picks } = await load(store, nowMs);
  if (STORE_KIND === 'opensearch') await openSearchIndices(values.url!, indexPrefix, 'POST', '/_refresh');
  const stored = await store.countEvents();
  const storeMb =
    STORE_KIND === 'sqlite'
      ? Math.round(storeBytes(dir) / 2 ** 20)
      : Math.round(((await openSearchIndices(values.url!, indexPrefix, 'GET', '/_stats/store')) as { _all: { total: { store: { size_in_bytes: number } } } })._all.total.store.size_in_bytes / 2 ** 20);
  console.log(`load: ${stored.toLocaleString('en-US')} events written in ${loadSeconds.toFixed(1)} s (${Math.round(EVENTS / loadSeconds).toLocaleString('en-US')} events/s; generating and normalizing them took ${prepareSeconds.toFixed(1)} s more); store ${storeMb} MB`);
  const searches = cases(picks);
  const to = new Date(nowMs).toISOString();
  const run = async (search: SearchCase) => {
    const started = performance.now();
    const result = await store.searchEvents({ query: search.query, from: new Date(nowMs - search.windowMs).toISOString(), to, size: PAGE_SIZE });
    return { ms: performance.now() - started, total: result.total, returned: result.events.length };
  };
  const answers: { ms: number; total: number; returned: number }[] = [];
  for (const search of searches) {
    const answer = await run(search);
    answers.push(answer);
    console.log(`  warm-up ${search.name}: ${search.query} over ${windowName(search.windowMs)}: total ${answer.total.toLocaleString('en-US')}, ${Math.round(answer.ms)} ms`);
  }
  const latencies = searches.map((): number[] => []);
  for (let roundIndex = 0; roundIndex < ROUNDS; roundIndex++) {
    for (const [index, search] of searches.entries()) {
      const answer = await run(search);
      if (answer.total !== answers[index]!.total) throw new Error(`${search.query}: total ${answer.total}, was ${answers[index]!.total}`);
      latencies[index]!.push(answer.ms);
    }
  }
  const all = latencies.flat();
  const overall = { p50Ms: round(median(all)), p95Ms: round(percentile(all, 95)), p99Ms: round(percentile(all, 99)), maxMs: round(Math.max(...all)), searches: all.length };
  const figures: SearchQueryFigures[] = searches.map((search, index) => {
    const times = latencies[index]!;
    return {
      name: search.name,
      query: search.query,
      window: windowName(search.windowMs),
      total: answers[index]!.total,
      returned: answers[index]!.returned,
      p50Ms: round(median(times)),
      p95Ms: round(percentile(times, 95)),
      p99Ms: round(percentile(times, 99)),
      maxMs: round(Math.max(...times)),
    };
  });
  for (const entry of figures) {
    console.log(`${entry.name}: ${entry.query} over ${entry.window}: total ${entry.total.toLocaleString('en-US')}, p50 ${entry.p50Ms} ms, p95 ${entry.p95Ms} ms, p99 ${entry.p99Ms} ms`);
  }
  const met = overall.p95Ms < SEARCH_TARGET_P95_MS;
  console.log(`all ${overall.searches} searches: p50 ${overall.p50Ms} ms, p95 ${overall.p95Ms} ms, p99 ${overall.p99Ms} ms; target p95 < ${SEARCH_TARGET_P95_MS} ms ${met ? 'met' : 'missed'}`);
  const result: SearchFigures = { case: 'search', store: STORE_KIND, events: stored, batch: BATCH, pageSize: PAGE_SIZE, rounds: ROUNDS, loadSeconds: round(loadSeconds), storeMb, targetP95Ms: SEARCH_TARGET_P95_MS, met, overall, queries: figures };
  console.log(JSON.stringify(result));
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  if (STORE_KIND === 'opensearch') await openSearchIndices(values.url!, indexPrefix, 'DELETE', '').catch((error: unknown) => console.error(`could not delete the benchmark's indices ${indexPrefix}-*: ${String(error)}`));
}
