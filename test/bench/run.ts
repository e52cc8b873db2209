/**
 * Runs Vigil's benchmarks, each case in its own process, prints the figures with the machine,
 * and writes docs/benchmarks.md. Distributed cases need the local stack
 * (deploy/local/stack.sh start; eval "$(deploy/local/stack.sh env)").
 *
 *   node test/bench/run.ts            all cases whose prerequisites are present
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../e2e/harness.ts';
import { describeMachine } from './machine.ts';

interface Case {
  title: string;
  script: string;
  args: string[];
  needs?: string[];
}

const BACKGROUND_RATE = '2000';
const SAMPLES = '40';
const CASES: Case[] = [
  { title: 'End-to-end latency, all-in-one (embedded bus, SQLite)', script: 'latency.ts', args: ['embedded', BACKGROUND_RATE, SAMPLES] },
  {
    title: 'End-to-end latency, distributed (Kafka, OpenSearch, separate roles)',
    script: 'latency.ts',
    args: ['distributed', BACKGROUND_RATE, SAMPLES],
    needs: ['VIGIL_KAFKA_BROKERS', 'VIGIL_OPENSEARCH_URL'],
  },
];

const machine = describeMachine();
console.log(`machine: ${machine}`);
const rows: string[] = [];
for (const benchmark of CASES) {
  const missing = (benchmark.needs ?? []).filter((name) => !process.env[name]);
  if (missing.length > 0) {
    console.log(`skipped ${benchmark.title}: ${missing.join(', ')} not set`);
    rows.push(`| ${benchmark.title} | not run (${missing.join(', ')} not set) | | | |`);
    continue;
  }
  const output = execFileSync(process.execPath, [join(REPO_ROOT, 'test/bench', benchmark.script), ...benchmark.args], { encoding: 'utf8', cwd: REPO_ROOT });
  const result = JSON.parse(output.trim().split('\n').pop()!) as { backgroundEventsPerSecond: number; p50Ms: number; p99Ms: number; samples: number };
  console.log(`${benchmark.title}: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms at ${result.backgroundEventsPerSecond} events/s background (${result.samples} samples)`);
  rows.push(`| ${benchmark.title} | ${result.backgroundEventsPerSecond} events/s | ${result.samples} | ${result.p50Ms} ms | ${result.p99Ms} ms |`);
}

const document = [
  '# Benchmarks',
  '',
  '<!-- Written by `node test/bench/run.ts`; each case runs in its own process. -->',
  '',
  `Machine: ${machine}. Run on ${new Date().toISOString().slice(0, 10)}.`,
  '',
  '## End-to-end latency: edge receipt → alert visible through the API',
  '',
  'Each sample sends nine failed SSH logins from a fresh source over TCP syslog, then the tenth, and',
  'polls `GET /api/v1/alerts` every 10 ms until the brute-force alert for that source is there. The',
  'time runs from sending the tenth line to seeing the alert. A steady load of HTTP events (batches of 100) runs',
  'in the background at the stated rate. Everything (Kafka, OpenSearch, the roles and the load',
  'generator) shares the one machine.',
  '',
  '| case | background rate | samples | p50 | p99 |',
  '|---|---|---|---|---|',
  ...rows,
  '',
];
writeFileSync(join(REPO_ROOT, 'docs/benchmarks.md'), document.join('\n'));
console.log('wrote docs/benchmarks.md');
