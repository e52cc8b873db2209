/**
 * Edge ingest benchmark: a real edge as a child process (`edge-process.ts`: `vigil edge`'s
 * assembly, spool on with its default fsync policy, the embedded bus in a temp dir or Kafka from
 * `VIGIL_KAFKA_BROKERS`), driven from this process over TCP syslog (octet counted, several
 * connections) or HTTP (NDJSON batches of 100 with an ingest key). After a warm-up, N events of
 * the `lines.ts` mix are sent per round and a round ends when the bus holds all of them
 * (counted from the bus). Reports the median over the rounds of events per wall-clock second
 * and events per CPU-second of the edge process (utime + stime of all its threads, from
 * /proc: "per core"), and its resident memory. Prints one JSON line at the end.
 *
 *   node test/bench/edge-ingest.ts embedded|kafka tcp|http [--events N] [--warmup N] [--rounds 3]
 *        [--connections 4] [--concurrency 64] [--cpu-prof DIR]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BusCounter, startEdgeProcess, type BusKind, type EdgeProcess } from './edge-harness.ts';
import { generateMix } from './lines.ts';
import { httpBodies, sendHttpBodies, sendTcpStreams, tcpStreams } from './load.ts';
import { describeMachine, median } from './machine.ts';
import { ProcSampler, mib, sampleProcess, sampleThreads, threadDelta } from './proc.ts';

/** Defaults shared with `rsyslog.ts`, which must send the same lines. */
export const TCP_EVENTS = 400_000;
export const TCP_WARMUP = 100_000;
export const TCP_CONNECTIONS = 4;
export const MIX_SEED = 1;
const HTTP_EVENTS = 300_000;
const HTTP_WARMUP = 50_000;
const HTTP_BATCH = 100;
const WAIT_MS = 600_000;

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      events: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: String(TCP_CONNECTIONS) },
      concurrency: { type: 'string', default: '64' },
      'cpu-prof': { type: 'string' },
    },
  });
  const bus = positionals[0] as BusKind;
  const input = positionals[1] as 'tcp' | 'http';
  if (!['embedded', 'kafka'].includes(bus) || !['tcp', 'http'].includes(input)) throw new Error('usage: edge-ingest.ts embedded|kafka tcp|http [--events N] [--warmup N]');
  const events = Number(values.events ?? (input === 'tcp' ? TCP_EVENTS : HTTP_EVENTS));
  const warmup = Number(values.warmup ?? (input === 'tcp' ? TCP_WARMUP : HTTP_WARMUP));
  const connections = Number(values.connections);
  const concurrency = Number(values.concurrency);
  const roundCount = Number(values.rounds);
  const brokers = process.env.VIGIL_KAFKA_BROKERS;

  // The payloads are built before the edge starts, so building them costs the edge nothing.
  const { tcp, http } = buildPayloads(input, warmup, events, connections);
  const ingestKey = `vgl_${randomBytes(8).toString('hex')}_${randomBytes(24).toString('base64url')}`;
  let retries = 0;
  const send = async (edge: EdgeProcess, phase: 'warmup' | 'measured') => {
    if (tcp) return sendTcpStreams(edge.syslogTcp, tcp[phase]);
    retries += (await sendHttpBodies(edge.http, ingestKey, http![phase], concurrency)).retries;
  };

  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-edge-'));
  const profileDir = values['cpu-prof'] ? resolve(values['cpu-prof']) : undefined;
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  const edge = await startEdgeProcess({ bus, brokers, dataDir, ingestKey, nodeFlags: profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [] });
  let counter: BusCounter | undefined;
  try {
    counter = await BusCounter.open(bus, { edgeId: edge.edgeId, dataDir, brokers });
    await send(edge, 'warmup');
    await counter.waitFor(warmup, WAIT_MS);

    const rounds: Round[] = [];
    const sampler = new ProcSampler(edge.pid, 250);
    const threadsBefore = sampleThreads(edge.pid);
    const harnessCpuBefore = process.cpuUsage();
    const roundsStartedAt = Date.now();
    for (let round = 1; round <= roundCount; round++) {
      const before = sampleProcess(edge.pid);
      const startedAt = Date.now();
      await send(edge, 'measured');
      const sendSeconds = (Date.now() - startedAt) / 1000;
      await counter.waitFor(warmup + round * events, WAIT_MS);
      const after = sampleProcess(edge.pid);
      const wallSeconds = (counter.lastAppendMs - startedAt) / 1000;
      const cpuSeconds = after.cpuSeconds - before.cpuSeconds;
      rounds.push({ eventsPerSecond: Math.round(events / wallSeconds), eventsPerCpuSecond: Math.round(events / cpuSeconds), wallSeconds: round2(wallSeconds), sendSeconds: round2(sendSeconds), edgeCpuSeconds: round2(cpuSeconds) });
    }
    const last = sampleProcess(edge.pid);
    const harnessCpu = process.cpuUsage(harnessCpuBefore);
    const harnessCores = (harnessCpu.user + harnessCpu.system) / 1000 / (Date.now() - roundsStartedAt);
    const threadSeconds = threadDelta(threadsBefore, sampleThreads(edge.pid));
    sampler.stop();
    if (counter.count !== warmup + roundCount * events) throw new Error(`the bus holds ${counter.count} events, ${warmup + roundCount * events} were sent`);
    const cpuRate = median(rounds.map((r) => r.eventsPerCpuSecond));
    const wallRate = median(rounds.map((r) => r.eventsPerSecond));
    const result = {
      case: `edge ingest ${input} → ${bus}`,
      bus,
      input,
      events,
      warmup,
      rounds: roundCount,
      ...(input === 'tcp' ? { connections } : { batch: HTTP_BATCH, concurrency, retries }),
      eventsPerSecond: Math.round(wallRate),
      eventsPerCpuSecond: Math.round(cpuRate),
      edgeCores: round2(wallRate / cpuRate),
      /** Cores this process (load generator and bus counter) used during the rounds, next to the edge. */
      harnessCores: round2(harnessCores),
      rssPeakMb: mib(Math.max(last.peakRssBytes, sampler.maxRssBytes)),
      rssEndMb: mib(last.rssBytes),
      threadSeconds,
      perRound: rounds,
    };
    console.log(`machine: ${describeMachine()}`);
    console.log(
      `${result.case}: ${result.eventsPerSecond} events/s wall, ${result.eventsPerCpuSecond} events per edge CPU-second (${result.edgeCores} cores busy), RSS peak ${result.rssPeakMb} MB`,
    );
    console.log(JSON.stringify(result));
  } catch (error) {
    console.error(edge.output());
    throw error;
  } finally {
    await counter?.close();
    await edge.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type Payloads<T> = Record<'warmup' | 'measured', T[]>;

/**
 * The bytes to send, warm-up and measured, as buffers outside the JavaScript heap. The mix they
 * are made from (half a million lines and their objects) is left behind for the collector: kept,
 * every full collection of this process marked it again (several a second, set off by the
 * counter's decompressed batches), and this process used 0.37 cores next to the edge instead of 0.2.
 */
function buildPayloads(input: 'tcp' | 'http', warmup: number, events: number, connections: number): { tcp?: Payloads<Buffer>; http?: Payloads<Buffer> } {
  const mix = generateMix(warmup + events, MIX_SEED);
  if (input === 'tcp') {
    const lines = mix.map((entry) => entry.line);
    return { tcp: { warmup: tcpStreams(lines.slice(0, warmup), connections), measured: tcpStreams(lines.slice(warmup), connections) } };
  }
  const bodies = (lines: typeof mix) => httpBodies(lines, HTTP_BATCH).map((body) => Buffer.from(body));
  return { http: { warmup: bodies(mix.slice(0, warmup)), measured: bodies(mix.slice(warmup)) } };
}

interface Round {
  eventsPerSecond: number;
  eventsPerCpuSecond: number;
  wallSeconds: number;
  sendSeconds: number;
  edgeCpuSeconds: number;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

if (import.meta.main) await main();
