import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEmbeddedBus, createKafkaBus, type Bus, type BusConsumer } from '@vigil/bus';
import { TOPICS, decodeEventBatch, decodeSignedBatch, eventBatchBytes } from '@vigil/schema';
import { REPO_ROOT } from '../e2e/harness.ts';

/**
 * The edge benchmarks' plumbing: the edge as a child process (`edge-process.ts`, so its CPU
 * is its own), and a counter that reads `vigil.events` from the bus itself.
 */

export type BusKind = 'embedded' | 'kafka';

export interface EdgeAddress {
  host: string;
  port: number;
}

/** A running edge child process. */
export interface EdgeProcess {
  pid: number;
  edgeId: string;
  syslogTcp: EdgeAddress;
  http: EdgeAddress;
  /** The last 64 KiB the process printed. */
  output(): string;
  /** SIGTERM (graceful stop: flush, spool, bus), SIGKILL after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface EdgeOptions {
  bus: BusKind;
  /** Comma-separated brokers, for `kafka`. */
  brokers?: string;
  /** Data directory of the edge (identity, spool, sequence, embedded bus). */
  dataDir: string;
  /** The one ingest key the edge accepts (name `bench`, no rate limit). */
  ingestKey: string;
  /** Extra node flags for the child, e.g. `--cpu-prof`. */
  nodeFlags?: string[];
}

const READY_MARKER = 'BENCH_EDGE_READY ';
const OUTPUT_KEEP = 64 * 1024;
// Variables a developer's shell may hold that would override the generated configuration.
const BLANKED_ENV = ['VIGIL_BUS', 'VIGIL_KAFKA_BROKERS', 'VIGIL_DATA_DIR', 'VIGIL_EDGE_ID', 'VIGIL_SYSLOG_HOST', 'VIGIL_SYSLOG_PORT', 'VIGIL_INGEST_HOST', 'VIGIL_INGEST_PORT', 'VIGIL_LOG_LEVEL'];

/** The stripped-source cache bin/vigil and the Dockerfile load Vigil's modules from. */
const STRIPPED_SOURCE_CACHE = join(REPO_ROOT, 'packages/cli/src/stripped-source-cache.js');
/** The V8 flags, module loading and malloc settings bin/vigil and the Dockerfile run Vigil with (keep the three equal). */
export const VIGIL_NODE_FLAGS = ['--max-semi-space-size=16', '--no-allocation-site-pretenuring', '--heap-growing-percent=60', `--import=${STRIPPED_SOURCE_CACHE}`];
/** Extra flags for experiments, e.g. VIGIL_BENCH_NODE_FLAGS='--heap-growing-percent=20' (later flags win). */
const EXTRA_NODE_FLAGS = (process.env.VIGIL_BENCH_NODE_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
export const VIGIL_NODE_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '65536' };

/**
 * Starts the edge with `vigil edge`'s defaults except: listeners on loopback with free ports,
 * and no HTTP rate limit for the bench key (its default, 10,000 events/s per key, would be the
 * figure measured otherwise; a deployment raises it per key the same way).
 */
export async function startEdgeProcess(options: EdgeOptions): Promise<EdgeProcess> {
  const edgeId = `bench-${Date.now().toString(36)}-${process.pid}`;
  const config = {
    dataDir: options.dataDir,
    edgeId,
    edge: {
      syslog: { udp: { host: '127.0.0.1', port: 0 }, tcp: { host: '127.0.0.1', port: 0 } },
      http: { host: '127.0.0.1', port: 0, rateLimit: { perKey: { bench: { eventsPerSecond: 0, burstEvents: 1 } } } },
    },
    bus: options.bus === 'kafka' ? { kind: 'kafka', kafka: { brokers: brokerList(options.brokers) } } : { kind: 'embedded' },
  };
  // Filled before the edge starts, as the image is when it is built: the edge's first start then finds every module stripped.
  execFileSync(process.execPath, [STRIPPED_SOURCE_CACHE, join(REPO_ROOT, 'packages'), join(REPO_ROOT, 'test/bench')], { stdio: 'ignore' });
  const configPath = join(options.dataDir, 'edge-config.json');
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  const env: NodeJS.ProcessEnv = { ...process.env, ...VIGIL_NODE_ENV, VIGIL_CONFIG: configPath, VIGIL_BENCH_INGEST_KEY: options.ingestKey };
  for (const name of BLANKED_ENV) env[name] = '';
  const child = spawn(process.execPath, [...VIGIL_NODE_FLAGS, ...EXTRA_NODE_FLAGS, ...(options.nodeFlags ?? []), join(REPO_ROOT, 'test/bench/edge-process.ts')], { cwd: options.dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_KEEP);
  };
  child.stderr!.on('data', keep);
  const ready = new Promise<{ syslogTcp: EdgeAddress; http: EdgeAddress }>((resolve, reject) => {
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      keep(chunk);
      pending += chunk.toString('utf8');
      const at = pending.indexOf(READY_MARKER);
      const end = at >= 0 ? pending.indexOf('\n', at) : -1;
      if (end >= 0) resolve(JSON.parse(pending.slice(at + READY_MARKER.length, end)) as { syslogTcp: EdgeAddress; http: EdgeAddress });
      else if (at < 0) pending = pending.slice(-READY_MARKER.length);
    });
    child.once('exit', (code) => reject(new Error(`the edge exited (${code}) before it was ready:\n${output}`)));
  });
  const timeout = setTimeout(() => child.kill('SIGKILL'), 180_000);
  let addresses: { syslogTcp: EdgeAddress; http: EdgeAddress };
  try {
    addresses = await ready;
  } finally {
    clearTimeout(timeout);
  }
  return {
    pid: child.pid!,
    edgeId,
    syslogTcp: addresses.syslogTcp,
    http: addresses.http,
    output: () => output,
    stop: (timeoutMs = 60_000) => stopChild(child, timeoutMs),
  };
}

async function stopChild(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await exited;
  clearTimeout(timer);
}

function brokerList(brokers: string | undefined): string[] {
  const list = (brokers ?? '').split(',').map((broker) => broker.trim()).filter(Boolean);
  if (list.length === 0) throw new Error('the Kafka cases need VIGIL_KAFKA_BROKERS (deploy/local/stack.sh start kafka; eval "$(deploy/local/stack.sh env)")');
  return list;
}

/**
 * Counts the events one edge published, as the bus holds them: reads `vigil.events` in a group
 * of its own, keeps the messages keyed by the edge's id (an edge keys its batches by its id) and
 * counts the events inside each signed batch.
 */
export class BusCounter {
  #count = 0;
  #lastAppendMs = 0;
  readonly #bus: Bus;
  readonly #consumer: BusConsumer;
  readonly #waiters = new Set<() => void>();

  private constructor(bus: Bus, edgeId: string) {
    this.#bus = bus;
    this.#consumer = bus.createConsumer({ groupId: `bench-count-${edgeId}`, topics: [TOPICS.events], fromBeginning: true, maxBatchSize: 1_000 });
  }

  /** Opens the edge's bus (its embedded log under `dataDir`, or Kafka) and starts counting. */
  static async open(kind: BusKind, edge: { edgeId: string; dataDir: string; brokers?: string }): Promise<BusCounter> {
    const bus =
      kind === 'kafka'
        ? await createKafkaBus({ brokers: brokerList(edge.brokers), clientId: 'vigil-bench-counter', logLevel: 'error' })
        : await createEmbeddedBus({ directory: join(edge.dataDir, 'bus'), pollIntervalMs: 20 });
    const counter = new BusCounter(bus, edge.edgeId);
    const key = Buffer.from(edge.edgeId);
    await counter.#consumer.run(async (batch) => {
      for (const message of batch.messages) {
        if (!message.key?.equals(key)) continue;
        counter.#count += decodeEventBatch(eventBatchBytes(decodeSignedBatch(message.value))).events.length;
        counter.#lastAppendMs = Math.max(counter.#lastAppendMs, message.timestamp);
      }
      for (const wake of counter.#waiters) wake();
    });
    return counter;
  }

  /** Events of the edge on the bus so far. */
  get count(): number {
    return this.#count;
  }

  /** Bus time (Unix ms) of the newest counted message. */
  get lastAppendMs(): number {
    return this.#lastAppendMs;
  }

  /** Resolves once the bus holds at least `total` events of the edge; rejects after `timeoutMs`. */
  async waitFor(total: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#count < total) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the bus holds ${this.#count} of ${total} events after ${Math.round(timeoutMs / 1000)} s`);
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 1_000));
        this.#waiters.add(done);
      });
    }
  }

  async close(): Promise<void> {
    await this.#consumer.stop();
    await this.#bus.close();
  }
}
