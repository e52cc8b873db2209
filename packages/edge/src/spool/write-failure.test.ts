import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES } from './frame.ts';
import { Spool } from './spool.ts';
import { tempDir, testOptions } from './test-support.ts';

const run = promisify(execFile);
const SCRIPT = join(import.meta.dirname, 'testdata', 'append-until-write-fails.ts');
// 1000 KiB: room for ten 100 KB records and one of 20 KB, not for an eleventh 100 KB one.
const FILE_SIZE_LIMIT_KIB = 1000;

let temp: Awaited<ReturnType<typeof tempDir>>;

beforeEach(async () => {
  temp = await tempDir();
});

afterEach(async () => {
  await temp.remove();
});

describe('Spool write failures', () => {
  for (const fsync of ['always', 'interval'] as const) {
    it(`rejects an append whose write fails, cuts it off and keeps going (fsync ${fsync})`, async () => {
      const options = testOptions(temp.dir, { segmentBytes: 8 * 1024 * 1024 });
      // A real write error from the kernel: the child may not grow a file past the limit.
      const { stdout } = await run('bash', ['-c', `ulimit -f ${FILE_SIZE_LIMIT_KIB} && exec "$0" "$1" "$2" "$3"`, process.execPath, SCRIPT, options.dir, fsync]);
      const result = JSON.parse(stdout) as { appended: string[]; failure: { code: string; retryable: boolean; message: string }; after: string; usedBytes: number; pendingRecords: number };
      expect(result.appended).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
      expect(result.failure).toMatchObject({ code: 'VIGIL_ERR_EDGE_SPOOL_WRITE_FAILED', retryable: true });
      expect(result.failure.message).toMatch(/EFBIG|too large/i);
      expect(result.after).toBe('11');
      expect(result.usedBytes).toBe(10 * (100_000 + FRAME_HEADER_BYTES) + 20_000 + FRAME_HEADER_BYTES);
      expect(result.pendingRecords).toBe(11);

      const spool = await Spool.open(options);
      try {
        expect(spool.recovery).toMatchObject({ pendingRecords: 11, corruptBytes: 0, truncatedTailBytes: 0 });
        const payloads: Buffer[] = [];
        for (let i = 0; i < 11; i++) {
          const record = (await spool.next())!;
          payloads.push(record.payload);
          await spool.ack(record.number);
        }
        expect(payloads.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => Buffer.alloc(100_000, 0x41 + i)));
        expect(payloads[10]).toEqual(Buffer.alloc(20_000, 0x7a));
      } finally {
        await spool.close();
      }
    });
  }
});
