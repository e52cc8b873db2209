/**
 * Memory soak: the TCP → bus case at a steady rate for a long time. Samples the edge child's
 * resident memory every 5 s and reports the RSS at the start (first sample under load), the
 * highest, the last, and the slope of a least-squares line through the second half of the run
 * (MB per minute). Verdict: `ok` when the highest RSS is under 250 MB and the slope is under
 * 0.5 MB/min (a fitted slope of that size over minutes of 5-second samples is within the noise
 * of a garbage-collected heap; a leak shows as a steady climb). Every event sent must reach the
 * bus. Prints one JSON line at the end.
 *
 *   node test/bench/soak.ts embedded|kafka [--rate 10000] [--duration 600] [--connections 4]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BusCounter, startEdgeProcess, type BusKind } from './edge-harness.ts';
import { MIX_SEED, TCP_CONNECTIONS } from './edge-ingest.ts';
import { generateMix } from './lines.ts';
import { PacedTcpSender } from './load.ts';
import { describeMachine } from './machine.ts';
import { ProcSampler, mib } from './proc.ts';

export const RSS_LIMIT_MB = 250;
export const SLOPE_LIMIT_MB_PER_MINUTE = 0.5;
const SAMPLE_MS = 5_000;
// The sender cycles through this many distinct lines.
const CYCLE_LINES = 200_000;

/** Slope of the least-squares line through (x, y) points. */
export function slope(points: readonly { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const meanX = points.reduce((sum, p) => sum + p.x, 0) / n;
  const meanY = points.reduce((sum, p) => sum + p.y, 0) / n;
  let numerator = 0;
  let denominator = 0;
  for (const p of points) {
    numerator += (p.x - meanX) * (p.y - meanY);
    denominator += (p.x - meanX) ** 2;
  }
  return denominator === 0 ? Number.NaN : numerator / denominator;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { rate: { type: 'string', default: '10000' }, duration: { type: 'string', default: '600' }, connections: { type: 'string', default: String(TCP_CONNECTIONS) } },
  });
  const bus = (positionals[0] ?? 'embedded') as BusKind;
  if (!['embedded', 'kafka'].includes(bus)) throw new Error('usage: soak.ts embedded|kafka [--rate N] [--duration SECONDS]');
  const rate = Number(values.rate);
  const durationSeconds = Number(values.duration);
  const brokers = process.env.VIGIL_KAFKA_BROKERS;
  const lines = generateMix(CYCLE_LINES, MIX_SEED).map((entry) => entry.line);

  const dataDir = mkdtempSync(join(tmpdir(), 'vigil-bench-soak-'));
  const edge = await startEdgeProcess({ bus, brokers, dataDir, ingestKey: 'unused' });
  let counter: BusCounter | undefined;
  try {
    counter = await BusCounter.open(bus, { edgeId: edge.edgeId, dataDir, brokers });
    const sampler = new ProcSampler(edge.pid, SAMPLE_MS);
    const idleRss = sampler.samples[0]!.rssBytes;
    const sender = new PacedTcpSender(lines, rate);
    await sender.start(edge.syslogTcp, Number(values.connections));
    const startedMs = performance.now();
    await new Promise((resolve) => setTimeout(resolve, durationSeconds * 1000));
    await sender.stop();
    const sentSeconds = (performance.now() - startedMs) / 1000;
    const samples = sampler.stop().filter((sample) => sample.atMs > startedMs && sample.atMs <= startedMs + sentSeconds * 1000 + SAMPLE_MS / 2);
    await counter.waitFor(sender.sent, 600_000);
    if (counter.count !== sender.sent) throw new Error(`the bus holds ${counter.count} events, ${sender.sent} were sent`);

    const points = samples.map((sample) => ({ x: (sample.atMs - startedMs) / 60_000, y: sample.rssBytes / 2 ** 20 }));
    const secondHalf = points.filter((point) => point.x >= sentSeconds / 120);
    const rssStartMb = mib(samples[0]!.rssBytes);
    const rssMaxMb = mib(Math.max(...samples.map((sample) => sample.rssBytes)));
    const rssEndMb = mib(samples.at(-1)!.rssBytes);
    const slopeMbPerMinute = Math.round(slope(secondHalf) * 100) / 100;
    const ok = rssMaxMb < RSS_LIMIT_MB && slopeMbPerMinute < SLOPE_LIMIT_MB_PER_MINUTE;
    const result = {
      case: `memory soak tcp → ${bus}`,
      bus,
      targetRate: rate,
      achievedRate: Math.round(sender.sent / sentSeconds),
      durationSeconds: Math.round(sentSeconds),
      events: sender.sent,
      rssIdleMb: mib(idleRss),
      rssStartMb,
      rssMaxMb,
      rssEndMb,
      slopeMbPerMinute,
      verdict: ok ? 'ok' : `not ok: ${[rssMaxMb >= RSS_LIMIT_MB && `RSS reached ${rssMaxMb} MB (limit ${RSS_LIMIT_MB})`, slopeMbPerMinute >= SLOPE_LIMIT_MB_PER_MINUTE && `RSS grows ${slopeMbPerMinute} MB/min`].filter(Boolean).join('; ')}`,
      samples: points.map((point) => [Math.round(point.x * 600) / 10, Math.round(point.y)]),
    };
    console.log(`machine: ${describeMachine()}`);
    console.log(
      `${result.case} at ${result.achievedRate} events/s for ${result.durationSeconds} s: RSS start ${rssStartMb} MB, max ${rssMaxMb} MB, end ${rssEndMb} MB, second-half slope ${slopeMbPerMinute} MB/min: ${result.verdict}`,
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

if (import.meta.main) await main();
