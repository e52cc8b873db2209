import type { Outcome } from './edge-report.ts';

/** One analyst query's figures, as `search.ts` prints them. */
export interface SearchQueryFigures {
  name: string;
  query: string;
  /** The time range, up to the newest event: `1 h`, `24 h`, `7 days`. */
  window: string;
  total: number;
  /** Events on the first page. */
  returned: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** What `search.ts` prints as its last line. */
export interface SearchFigures {
  case: 'search';
  store: 'sqlite' | 'opensearch';
  events: number;
  batch: number;
  pageSize: number;
  rounds: number;
  loadSeconds: number;
  storeMb: number;
  targetP95Ms: number;
  met: boolean;
  overall: { p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number; searches: number };
  queries: SearchQueryFigures[];
}

/** The target: p95 of searches over 1,000,000 stored events. */
export const SEARCH_TARGET_P95_MS = 500;

export const SEARCH_HEADING = '## Search:';

const number = (value: number) => value.toLocaleString('en-US');

/**
 * The "Search" section of docs/benchmarks.md: the SQLite store, then OpenSearch when it was run;
 * `notes` (hand-written analysis, markdown) goes after the figures.
 */
export function renderSearchSection(outcome: Outcome<SearchFigures>, notes?: string, openSearch?: Outcome<SearchFigures>): string[] {
  const heading = `${SEARCH_HEADING} 1,000,000 events in SQLite and OpenSearch`;
  if (!outcome.ok) return [heading, '', `Not run: ${outcome.reason}.`, ''];
  const { result, loadAverage, memoryNs } = outcome;
  const { overall } = result;
  const verdict = result.met ? `met (p95 ${number(overall.p95Ms)} ms)` : `**missed** (p95 ${number(overall.p95Ms)} ms)`;
  return [
    heading,
    '',
    `\`store.searchEvents\` (what \`GET /api/v1/events\` runs), a page of ${result.pageSize} newest first, on a SQLite store holding`,
    `${number(result.events)} events: the edge benchmark's realistic mix (\`lines.ts\`) as the edge's own code normalizes it, stamped with`,
    "event ids and provenance as an edge and the indexer stamp them, `@timestamp`s spread evenly over the 7 days up to the run.",
    'Each query is a field query and a time range ending at the run, the way an analyst searches; its values are taken from',
    `the generated events. One warm-up round, then ${result.rounds} rounds over the queries in one process; a latency is the whole call`,
    `(the total counted, the page read and parsed). Load average ${loadAverage.toFixed(2)} and memory probe ${memoryNs} ns per load before the case.`,
    '',
    `**Target: p95 under ${number(result.targetP95Ms)} ms over all searches: ${verdict}.**`,
    '',
    '| query | range | total | p50 | p95 | p99 |',
    '|---|---|---|---|---|---|',
    ...result.queries.map((entry) => `| ${entry.name}: \`${entry.query.replaceAll('|', '\\|')}\` | ${entry.window} | ${number(entry.total)} | ${entry.p50Ms} ms | ${entry.p95Ms} ms | ${entry.p99Ms} ms |`),
    `| **all ${number(overall.searches)} searches** | | | **${overall.p50Ms} ms** | **${overall.p95Ms} ms** | **${overall.p99Ms} ms** |`,
    '',
    `Loading: ${number(result.events)} events written with \`writeEvents\` in batches of ${number(result.batch)} in ${result.loadSeconds} s`,
    `(${number(Math.round(result.events / result.loadSeconds))} events/s); the store takes ${number(result.storeMb)} MB on disk.`,
    '',
    ...openSearchLines(openSearch),
    ...(notes ? [notes.trim(), ''] : []),
    'Run it again with `node test/bench/run.ts --only search` (or `node test/bench/search.ts` for the figures alone).',
    '',
  ];
}

/** The same searches on the OpenSearch store, next to the SQLite figures. */
function openSearchLines(outcome: Outcome<SearchFigures> | undefined): string[] {
  if (outcome === undefined) return ['OpenSearch: not run (set VIGIL_OPENSEARCH_URL to a node for the benchmark).', ''];
  if (!outcome.ok) return [`OpenSearch: not run: ${outcome.reason}.`, ''];
  const { result, loadAverage } = outcome;
  const { overall } = result;
  const verdict = result.met ? `met (p95 ${number(overall.p95Ms)} ms)` : `**missed** (p95 ${number(overall.p95Ms)} ms)`;
  return [
    `**OpenSearch** (the distributed store: one OpenSearch 2.19 node, \`deploy/local/stack.sh\`, on the same machine; load average ${loadAverage.toFixed(2)} before the case), the same searches on the same events: ${verdict}.`,
    '',
    '| query | range | total | p50 | p95 | p99 |',
    '|---|---|---|---|---|---|',
    ...result.queries.map((entry) => `| ${entry.name} | ${entry.window} | ${number(entry.total)} | ${entry.p50Ms} ms | ${entry.p95Ms} ms | ${entry.p99Ms} ms |`),
    `| **all ${number(overall.searches)} searches** | | | **${overall.p50Ms} ms** | **${overall.p95Ms} ms** | **${overall.p99Ms} ms** |`,
    '',
    `Loading: ${number(result.events)} events in ${result.loadSeconds} s (${number(Math.round(result.events / result.loadSeconds))} events/s, bulk requests of ${number(result.batch)}); the indices take ${number(result.storeMb)} MB.`,
    '',
  ];
}
