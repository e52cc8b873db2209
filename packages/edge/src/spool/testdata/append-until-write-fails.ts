/**
 * Run by `write-failure.test.ts` in a child process under `ulimit -f`, so that a write past the
 * limit really fails (a short write, then EFBIG), the way a full disk does (ENOSPC). Appends
 * 100 KB records until one is refused, then a smaller one that still fits, and prints what
 * happened as JSON. Usage: node append-until-write-fails.ts <dir> <fsync policy>
 */
import { Metrics, silentLogger, type VigilError } from '@vigil/runtime';
import type { SpoolFsyncPolicy } from '../config.ts';
import { Spool } from '../spool.ts';

const [dir, fsync] = process.argv.slice(2) as [string, SpoolFsyncPolicy];
const spool = await Spool.open({
  dir,
  maxBytes: 64 * 1024 * 1024,
  segmentBytes: 8 * 1024 * 1024,
  fsync,
  fsyncIntervalMs: 10,
  metrics: new Metrics({ defaultMetrics: false }),
  logger: silentLogger(),
});

const appended: string[] = [];
let failure: { code: string; retryable: boolean; message: string } | undefined;
for (let i = 0; i < 100 && !failure; i++) {
  try {
    appended.push(String(await spool.append(Buffer.alloc(100_000, 0x41 + (i % 26)))));
  } catch (error) {
    const { code, retryable, message } = error as VigilError;
    failure = { code, retryable, message };
  }
}
const after = await spool.append(Buffer.alloc(20_000, 0x7a)).then(String, (error: VigilError) => error.code);
const result = { appended, failure, after, usedBytes: spool.usedBytes, pendingRecords: spool.pendingRecords };
await spool.close();
process.stdout.write(JSON.stringify(result));
