/**
 * Spool benchmark (not a test): appends 500 KB records with each fsync policy, then reopens the
 * spool (verifying every record) and drains it. Each policy runs in its own process.
 *
 *   node packages/edge/src/spool/spool.bench.ts [always|interval|never] [--mb 200] [--in-flight 32] [--dir /path]
 *
 * `--dir` picks the disk to measure (default: the OS temp directory). With fsync `interval` an
 * append waits for the next periodic fsync, so its rate is bounded by in-flight / fsyncIntervalMs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Metrics, silentLogger } from '@vigil/runtime';
import { SPOOL_FSYNC_POLICIES, type SpoolFsyncPolicy } from './config.ts';
import { Spool } from './spool.ts';

const PAYLOAD_BYTES = 500 * 1024;

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { mb: { type: 'string', default: '200' }, 'in-flight': { type: 'string', default: '32' }, dir: { type: 'string' } },
});
const inFlight = Number(values['in-flight']);
const policy = positionals[0] as SpoolFsyncPolicy | undefined;

if (policy === undefined) {
  console.log(`spool benchmark: ${PAYLOAD_BYTES / 1024} KB records, ${values.mb} MB per policy, ${inFlight} appends in flight`);
  console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}, node ${process.version}, dir ${values.dir ?? tmpdir()}`);
  for (const each of SPOOL_FSYNC_POLICIES) {
    const args = [import.meta.filename, each, '--mb', values.mb, '--in-flight', String(inFlight)];
    if (values.dir) args.push('--dir', values.dir);
    process.stdout.write(execFileSync(process.execPath, args, { encoding: 'utf8' }));
  }
} else {
  await runPolicy(policy, Number(values.mb), values.dir ?? tmpdir());
}

async function runPolicy(fsync: SpoolFsyncPolicy, megabytes: number, parent: string): Promise<void> {
  const dir = await mkdtemp(join(parent, 'vigil-spool-bench-'));
  const options = {
    dir,
    maxBytes: 4 * 1024 * 1024 * 1024,
    segmentBytes: 64 * 1024 * 1024,
    fsync,
    fsyncIntervalMs: 100,
    metrics: new Metrics({ defaultMetrics: false }),
    logger: silentLogger(),
  };
  const count = Math.max(1, Math.round((megabytes * 1024 * 1024) / PAYLOAD_BYTES));
  const payloads = Array.from({ length: inFlight }, (_, i) => Buffer.alloc(PAYLOAD_BYTES, 0x61 + (i % 26)));
  const baselineRss = process.memoryUsage().rss;
  let peakRss = baselineRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
  try {
    const spool = await Spool.open(options);
    let started = performance.now();
    let issued = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async (_, lane) => {
        while (issued < count) {
          issued++;
          await spool.append(payloads[lane]!);
        }
      }),
    );
    const appendSeconds = (performance.now() - started) / 1000;
    await spool.close();

    started = performance.now();
    const reopened = await Spool.open(options);
    const openSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    for (let i = 0; i < count; i++) await reopened.ack((await reopened.next())!.number);
    const drainSeconds = (performance.now() - started) / 1000;
    await reopened.close();

    const mb = (count * PAYLOAD_BYTES) / (1024 * 1024);
    console.log(
      [
        `fsync ${fsync.padEnd(8)}`,
        `append ${rate(count / appendSeconds)} records/s ${rate(mb / appendSeconds)} MB/s`,
        `open+verify ${rate(mb / openSeconds)} MB/s`,
        `drain ${rate(count / drainSeconds)} records/s ${rate(mb / drainSeconds)} MB/s`,
        `RSS ${Math.round(baselineRss / (1024 * 1024))} MB before, ${Math.round(peakRss / (1024 * 1024))} MB peak`,
      ].join(' | '),
    );
  } finally {
    clearInterval(sampler);
    await rm(dir, { recursive: true, force: true });
  }
}

function rate(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(1);
}
