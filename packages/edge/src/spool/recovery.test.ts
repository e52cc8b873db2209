import { appendFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CURSOR_FILE, writeCursor } from './cursor.ts';
import { FRAME_HEADER_BYTES, frameHeader } from './frame.ts';
import { Spool, type SpoolOptions } from './spool.ts';
import { batchPayload, loggedCodes, metricValue, segmentFiles, tempDir, testOptions } from './test-support.ts';

let temp: Awaited<ReturnType<typeof tempDir>>;
const open: Spool[] = [];

beforeEach(async () => {
  temp = await tempDir();
});

afterEach(async () => {
  for (const spool of open.splice(0)) await spool.close();
  await temp.remove();
});

const PAYLOAD = 10_000;
const FRAME = PAYLOAD + FRAME_HEADER_BYTES;

async function openSpool(options: SpoolOptions): Promise<Spool> {
  const spool = await Spool.open(options);
  open.push(spool);
  return spool;
}

/** Writes `count` records (10 per segment), acknowledges the first `acked`, and closes. */
async function fill(options: SpoolOptions, count: number, acked = 0): Promise<void> {
  const spool = await Spool.open(options);
  for (let i = 1; i <= count; i++) await spool.append(batchPayload(i, PAYLOAD));
  for (let i = 0; i < acked; i++) await spool.ack((await spool.next())!.number);
  await spool.close();
}

async function drainAll(spool: Spool): Promise<Array<{ number: bigint; payload: Buffer }>> {
  const out: Array<{ number: bigint; payload: Buffer }> = [];
  while (spool.pendingRecords > 0) {
    const record = (await spool.next())!;
    out.push(record);
    await spool.ack(record.number);
  }
  return out;
}

/** Changes one byte of a segment file, as a failing disk would. */
async function flipByte(path: string, offset: number): Promise<void> {
  const bytes = await readFile(path);
  bytes[offset] = bytes[offset]! ^ 0x5a;
  await writeFile(path, bytes);
}

function tenPerSegment(overrides: Partial<SpoolOptions> = {}): SpoolOptions {
  return testOptions(temp.dir, { segmentBytes: 10 * FRAME, ...overrides });
}

describe('Spool recovery', () => {
  it('skips a corrupt record in the middle of a segment, recovers the records around it and reports the loss', async () => {
    const options = tenPerSegment();
    await fill(options, 15);
    const [older] = await segmentFiles(options);
    await flipByte(join(options.dir, older!), 4 * FRAME + FRAME_HEADER_BYTES + 5_000);

    const spool = await openSpool(options);
    expect(spool.recovery).toMatchObject({
      corruptions: [{ segment: older, offset: 4 * FRAME, bytes: FRAME, records: 1 }],
      corruptBytes: FRAME,
      corruptRecords: 1,
      corruptRecordsExact: true,
      truncatedTailBytes: 0,
      pendingRecords: 14,
    });
    expect(await metricValue(options.metrics, 'vigil_edge_spool_corrupt_bytes_total')).toBe(FRAME);
    expect(await metricValue(options.metrics, 'vigil_edge_spool_corrupt_records_total')).toBe(1);
    expect(loggedCodes(options, 'error')).toEqual(['VIGIL_ERR_EDGE_SPOOL_CORRUPT']);

    const records = await drainAll(spool);
    expect(records.map((record) => Number(record.number))).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    for (const record of records) expect(record.payload).toEqual(batchPayload(Number(record.number), PAYLOAD));
  });

  it('resynchronises after a damaged length field in the newest segment (loss counted as at least one record)', async () => {
    const options = tenPerSegment();
    await fill(options, 15);
    const newest = (await segmentFiles(options)).at(-1)!;
    await flipByte(join(options.dir, newest), FRAME + 7);

    const spool = await openSpool(options);
    expect(spool.recovery).toMatchObject({ corruptBytes: FRAME, corruptRecords: 1, corruptRecordsExact: false, pendingRecords: 14 });
    const records = await drainAll(spool);
    expect(records.map((record) => record.payload)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15].map((i) => batchPayload(i, PAYLOAD)));
    // New records are numbered above everything ever written.
    expect(await spool.append(batchPayload(16, PAYLOAD))).toBeGreaterThan(15n);
  });

  it('does not report damage to records that were already acknowledged', async () => {
    const options = tenPerSegment();
    await fill(options, 5, 3);
    await flipByte(join(options.dir, (await segmentFiles(options))[0]!), FRAME + 100);
    const spool = await openSpool(options);
    expect(spool.recovery).toMatchObject({ corruptions: [], pendingRecords: 2, cursor: 'ok' });
    expect((await drainAll(spool)).map((record) => record.number)).toEqual([4n, 5n]);
  });

  it('cuts a torn last record and reports it apart from corruption', async () => {
    const options = tenPerSegment({ fsync: 'always' });
    await fill(options, 3);
    const path = join(options.dir, (await segmentFiles(options))[0]!);
    const next = batchPayload(4, PAYLOAD);
    await appendFile(path, Buffer.concat([frameHeader(next), next]).subarray(0, 700));

    const spool = await openSpool(options);
    expect(spool.recovery).toMatchObject({ truncatedTailBytes: 700, corruptBytes: 0, corruptions: [], pendingRecords: 3 });
    expect(await metricValue(options.metrics, 'vigil_edge_spool_truncated_bytes_total')).toBe(700);
    expect(loggedCodes(options, 'warn')).toEqual(['VIGIL_ERR_EDGE_SPOOL_TORN_TAIL']);
    expect(loggedCodes(options, 'error')).toEqual([]);
    expect((await stat(path)).size).toBe(3 * FRAME);
    expect(await spool.append(next)).toBe(4n);
    await spool.close();

    const again = await openSpool(options);
    expect(again.recovery).toMatchObject({ truncatedTailBytes: 0, corruptBytes: 0, pendingRecords: 4 });
    expect((await drainAll(again)).map((record) => record.payload)).toEqual([1, 2, 3, 4].map((i) => batchPayload(i, PAYLOAD)));
  });

  it('leaves files that are not segments alone and drops a newest segment holding only garbage', async () => {
    const options = tenPerSegment();
    await fill(options, 3);
    await writeFile(join(options.dir, 'notes.txt'), 'moved the spool to the new disk on Tuesday\n');
    await writeFile(join(options.dir, 'spool-7.seg'), 'not a segment name');
    await mkdir(join(options.dir, 'lost+found'));
    const garbage = join(options.dir, 'spool-00000000000000000100.seg');
    await writeFile(garbage, 'Mar  3 14:22:01 bastion kernel: EXT4-fs error\n'.repeat(100));

    const spool = await openSpool(options);
    expect([...spool.recovery.ignoredFiles].sort()).toEqual(['lost+found', 'notes.txt', 'spool-7.seg']);
    expect(spool.recovery).toMatchObject({ pendingRecords: 3, deletedSegments: 1, corruptBytes: 0 });
    expect(spool.recovery.truncatedTailBytes).toBeGreaterThan(0);
    expect((await readdir(options.dir)).sort()).toEqual(['lost+found', 'notes.txt', 'spool-00000000000000000001.seg', 'spool-7.seg']);
    expect(await spool.append(batchPayload(4, PAYLOAD))).toBeGreaterThan(100n);
    expect((await drainAll(spool)).map((record) => record.payload)).toEqual([1, 2, 3, 4].map((i) => batchPayload(i, PAYLOAD)));
  });

  it('delivers everything again when the cursor is missing or unreadable', async () => {
    const options = tenPerSegment();
    await fill(options, 5, 3);
    await rm(join(options.dir, CURSOR_FILE));
    const missing = await Spool.open(options);
    expect(missing.recovery).toMatchObject({ cursor: 'missing', pendingRecords: 5 });
    expect((await missing.next())?.number).toBe(1n);
    await missing.close();

    await writeFile(join(options.dir, CURSOR_FILE), 'VSC1 half-written');
    const corrupt = testOptions(temp.dir, { segmentBytes: 10 * FRAME });
    const spool = await openSpool(corrupt);
    expect(spool.recovery).toMatchObject({ cursor: 'corrupt', pendingRecords: 5 });
    expect(loggedCodes(corrupt, 'warn')).toEqual(['VIGIL_ERR_EDGE_SPOOL_CURSOR_INVALID']);
    expect((await drainAll(spool)).map((record) => record.number)).toEqual([1n, 2n, 3n, 4n, 5n]);
  });

  it('treats a cursor past the end of its segment as nothing pending and numbers above it', async () => {
    const options = tenPerSegment();
    await fill(options, 3, 1);
    await writeCursor(options.dir, { segment: 1n, offset: 50 * FRAME, number: 50n });
    const spool = await openSpool(options);
    expect(spool.recovery).toMatchObject({ cursor: 'ahead', pendingRecords: 0, deletedSegments: 1 });
    expect(loggedCodes(options, 'warn')).toEqual(['VIGIL_ERR_EDGE_SPOOL_CURSOR_AHEAD']);
    expect(await segmentFiles(options)).toEqual([]);
    expect(await spool.append(batchPayload(51, PAYLOAD))).toBe(51n);
    expect((await spool.next())?.payload).toEqual(batchPayload(51, PAYLOAD));
  });

  it('skips a record damaged on disk after it was written, while running', async () => {
    // Read back from disk (a backlog), not handed on from memory.
    const options = { ...tenPerSegment(), writtenTailBytes: 0 };
    const spool = await openSpool(options);
    for (let i = 1; i <= 5; i++) await spool.append(batchPayload(i, PAYLOAD));
    await flipByte(join(options.dir, (await segmentFiles(options))[0]!), FRAME + 42);

    const records = [];
    for (let i = 0; i < 4; i++) {
      const record = (await spool.next())!;
      records.push(record.payload);
      await spool.ack(record.number);
    }
    expect(records).toEqual([1, 3, 4, 5].map((i) => batchPayload(i, PAYLOAD)));
    expect(spool.pendingRecords).toBe(0);
    expect(spool.usedBytes).toBe(0);
    expect(await metricValue(options.metrics, 'vigil_edge_spool_corrupt_records_total')).toBe(1);
    expect(loggedCodes(options, 'error')).toEqual(['VIGIL_ERR_EDGE_SPOOL_CORRUPT']);
  });

  it('fails to open with a message naming the directory when it cannot be used', async () => {
    const file = join(temp.dir, 'a-file');
    await writeFile(file, '');
    const options = testOptions(temp.dir, { dir: join(file, 'spool') });
    await expect(Spool.open(options)).rejects.toMatchObject({ code: 'VIGIL_ERR_EDGE_SPOOL_OPEN_FAILED', message: expect.stringContaining(file) });
  });
});
