import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { edgeErrors } from '../errors.ts';
import { FRAME_HEADER_BYTES } from './frame.ts';
import { Spool, type SpoolOptions } from './spool.ts';
import { batchPayload, metricValue, segmentFiles, tempDir, testOptions } from './test-support.ts';

let temp: Awaited<ReturnType<typeof tempDir>>;
const open: Spool[] = [];

beforeEach(async () => {
  temp = await tempDir();
});

afterEach(async () => {
  for (const spool of open.splice(0)) await spool.close();
  await temp.remove();
});

async function openSpool(options: SpoolOptions): Promise<Spool> {
  const spool = await Spool.open(options);
  open.push(spool);
  return spool;
}

/** A spool of `maxBytes` holding three records of `recordBytes`, counting its room signals. */
async function spoolWithThreeRecords(maxBytes: number, recordBytes: number): Promise<{ spool: Spool; options: SpoolOptions; rooms: () => number }> {
  const options = testOptions(temp.dir, { maxBytes, segmentBytes: 64 * 1024 });
  const spool = await openSpool(options);
  let rooms = 0;
  spool.onRoom(() => rooms++);
  for (let i = 0; i < 3; i++) await spool.append(batchPayload(i, recordBytes));
  return { spool, options, rooms: () => rooms };
}

/** Reads and acknowledges `count` records, one at a time as a publisher would. */
async function drain(spool: Spool, count: number): Promise<Array<{ number: bigint; payload: Buffer }>> {
  const out: Array<{ number: bigint; payload: Buffer }> = [];
  for (let i = 0; i < count; i++) {
    const record = await spool.next();
    if (!record) throw new Error('spool closed');
    out.push(record);
    await spool.ack(record.number);
  }
  return out;
}

describe('Spool', () => {
  it('hands just-written records on from memory and reads a backlog back from disk', async () => {
    // Room in memory for three records: a backlog of ten is read from disk (its newest three with it).
    const options = testOptions(temp.dir, { segmentBytes: 64 * 1024, writtenTailBytes: 3 * 10_000 });
    const spool = await openSpool(options);
    const fromMemory = (records: Array<{ payload: Buffer }>, payloads: Buffer[]) => records.map((record, i) => record.payload.buffer === payloads[i]!.buffer);
    const backlog = Array.from({ length: 10 }, (_, i) => batchPayload(i, 10_000));
    for (const payload of backlog) await spool.append(payload);
    const fromBacklog = await drain(spool, 10);
    expect(fromBacklog.map((record) => record.payload)).toEqual(backlog);
    expect(fromMemory(fromBacklog, backlog)).toEqual(backlog.map(() => false));

    const fresh = [batchPayload(10, 10_000), batchPayload(11, 10_000)];
    for (const payload of fresh) await spool.append(payload);
    expect(fromMemory(await drain(spool, 2), fresh)).toEqual([true, true]);
  });

  it('delivers records in order across segment rolls and deletes segments once acknowledged', async () => {
    const options = testOptions(temp.dir, { segmentBytes: 64 * 1024 });
    const spool = await openSpool(options);
    const payloads = Array.from({ length: 40 }, (_, i) => batchPayload(i, 10_000));
    const numbers = await Promise.all(payloads.map((payload) => spool.append(payload)));
    expect(numbers).toEqual(payloads.map((_, i) => BigInt(i + 1)));
    expect(spool.pendingRecords).toBe(40);
    expect(spool.usedBytes).toBe(40 * (10_000 + FRAME_HEADER_BYTES));
    const segments = await segmentFiles(options);
    expect(segments.length).toBeGreaterThanOrEqual(7);
    expect(segments[0]).toBe('spool-00000000000000000001.seg');

    const delivered = await drain(spool, 20);
    expect(delivered.map((record) => record.number)).toEqual(numbers.slice(0, 20));
    expect(delivered.map((record) => record.payload)).toEqual(payloads.slice(0, 20));
    expect((await segmentFiles(options)).length).toBeLessThan(segments.length - 2);
    expect(spool.pendingRecords).toBe(20);

    const rest = await drain(spool, 20);
    expect(rest.map((record) => record.payload)).toEqual(payloads.slice(20));
    expect(spool.usedBytes).toBe(0);
    // Only the segment still being appended to is left.
    expect(await segmentFiles(options)).toEqual([segments.at(-1)]);
    expect(await metricValue(options.metrics, 'vigil_edge_spool_acks_total')).toBe(40);
    expect(await metricValue(options.metrics, 'vigil_edge_spool_pending_records')).toBe(0);
  });

  it('delivers the unacknowledged records again after a restart and continues numbering in a fresh segment', async () => {
    const options = testOptions(temp.dir);
    const first = await Spool.open(options);
    for (let i = 0; i < 5; i++) await first.append(batchPayload(i));
    await drain(first, 2);
    await first.close();

    const again = await openSpool(options);
    expect(again.recovery).toMatchObject({ cursor: 'ok', pendingRecords: 3, corruptBytes: 0, truncatedTailBytes: 0 });
    expect(again.pendingRecords).toBe(3);
    const record = await again.next();
    expect(record?.number).toBe(3n);
    expect(record?.payload).toEqual(batchPayload(2));
    expect(await again.append(batchPayload(5))).toBe(6n);
    expect(await segmentFiles(options)).toEqual(['spool-00000000000000000001.seg', 'spool-00000000000000000006.seg']);
    const delivered = await drain(again, 4);
    expect(delivered.map((r) => r.number)).toEqual([3n, 4n, 5n, 6n]);
    expect(delivered[3]!.payload).toEqual(batchPayload(5));
    // Acknowledging the old segment deletes it.
    expect(await segmentFiles(options)).toEqual(['spool-00000000000000000006.seg']);
  });

  it('keeps numbering above acknowledged records when every segment was deleted', async () => {
    const options = testOptions(temp.dir, { segmentBytes: 64 * 1024 });
    const first = await Spool.open(options);
    for (let i = 0; i < 10; i++) await first.append(batchPayload(i, 20_000));
    await drain(first, 10);
    await first.close();
    const again = await openSpool(options);
    expect(again.pendingRecords).toBe(0);
    expect(await again.append(batchPayload(10))).toBe(11n);
  });

  it('round-trips empty and 1 MB payloads, also across a restart', async () => {
    const options = testOptions(temp.dir, { segmentBytes: 512 * 1024 });
    const big = batchPayload(7, 1_048_576 + 333);
    const spool = await Spool.open(options);
    await spool.append(Buffer.alloc(0));
    await spool.append(big);
    await spool.append(new Uint8Array(0));
    await spool.append(batchPayload(8, 100));
    await spool.close();

    const again = await openSpool(options);
    expect(again.recovery.pendingRecords).toBe(4);
    const records = await drain(again, 4);
    expect(records.map((record) => record.payload.length)).toEqual([0, big.length, 0, 100]);
    expect(records[1]!.payload.equals(big)).toBe(true);
  });

  it('lets a publisher send ahead with next(after), and next() waits for an append', async () => {
    const spool = await openSpool(testOptions(temp.dir));
    const waiting = spool.next();
    let settled = false;
    void waiting.then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(settled).toBe(false);
    await spool.append(batchPayload(1));
    await spool.append(batchPayload(2));
    expect((await waiting)?.number).toBe(1n);
    expect((await spool.next(1n))?.number).toBe(2n);
    // Until it is acknowledged, the oldest record is delivered again (a retry after a failed send).
    expect((await spool.next())?.number).toBe(1n);
    await expect(spool.ack(3n)).rejects.toThrow(RangeError);
    await spool.ack(2n);
    expect(spool.pendingRecords).toBe(0);
    const pending = spool.next();
    await spool.close();
    expect(await pending).toBeUndefined();
  });

  it('refuses appends when full, tells when there is room again, and refuses records that can never fit', async () => {
    const { spool, options, rooms } = await spoolWithThreeRecords(3 * (50_000 + FRAME_HEADER_BYTES), 50_000);
    expect(spool.isFull()).toBe(true);
    const refused = await spool.append(batchPayload(3, 50_000)).catch((error: unknown) => error);
    expect(edgeErrors.is(refused, 'VIGIL_ERR_EDGE_SPOOL_FULL')).toBe(true);
    expect(refused).toMatchObject({ status: 503, retryable: true });
    expect(await metricValue(options.metrics, 'vigil_edge_spool_rejected_total', { reason: 'full' })).toBe(1);
    expect(rooms()).toBe(0);

    await drain(spool, 1);
    expect(rooms()).toBe(1);
    expect(spool.isFull()).toBe(false);
    expect(await spool.append(batchPayload(3, 50_000))).toBe(4n);

    const tooLarge = await spool.append(Buffer.alloc(200_000)).catch((error: unknown) => error);
    expect(edgeErrors.is(tooLarge, 'VIGIL_ERR_EDGE_SPOOL_RECORD_TOO_LARGE')).toBe(true);
    expect(tooLarge).toMatchObject({ status: 413, retryable: false });
  });

  it('stays full after refusing a record larger than any it holds, until that record would fit', async () => {
    const { spool, rooms } = await spoolWithThreeRecords(4 * (20_000 + FRAME_HEADER_BYTES) + 10_000, 20_000);
    // Room for one more small record, so not full by the records it holds...
    expect(spool.isFull()).toBe(false);
    const refused = await spool.append(batchPayload(3, 40_000)).catch((error: unknown) => error);
    expect(edgeErrors.is(refused, 'VIGIL_ERR_EDGE_SPOOL_FULL')).toBe(true);
    // ...but full for the record it had to refuse: sources must wait rather than be told the bus is the problem.
    expect(spool.isFull()).toBe(true);
    await drain(spool, 1);
    expect(spool.isFull()).toBe(false);
    expect(rooms()).toBe(1);
    expect(await spool.append(batchPayload(3, 40_000))).toBe(4n);
  });

  it('refuses appends once closing, after making the queued ones durable', async () => {
    const options = testOptions(temp.dir, { fsync: 'interval', fsyncIntervalMs: 5_000 });
    const spool = await Spool.open(options);
    const queued = spool.append(batchPayload(1));
    await spool.close();
    expect(await queued).toBe(1n);
    const refused = await spool.append(batchPayload(2)).catch((error: unknown) => error);
    expect(edgeErrors.is(refused, 'VIGIL_ERR_EDGE_STOPPING')).toBe(true);
    const again = await openSpool(options);
    expect(again.pendingRecords).toBe(1);
  });
});

describe('Spool fsync policies', () => {
  it('always: an append resolves after an fsync, and concurrent appends share fsyncs', async () => {
    const options = testOptions(temp.dir, { fsync: 'always' });
    const spool = await openSpool(options);
    await spool.append(batchPayload(0));
    expect(await metricValue(options.metrics, 'vigil_edge_spool_fsyncs_total', { target: 'segment' })).toBe(1);
    // A new segment's directory entry is made durable too.
    expect(await metricValue(options.metrics, 'vigil_edge_spool_fsyncs_total', { target: 'directory' })).toBe(1);

    const numbers = await Promise.all(Array.from({ length: 50 }, (_, i) => spool.append(batchPayload(i + 1))));
    expect(numbers).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i + 2)));
    const fsyncs = await metricValue(options.metrics, 'vigil_edge_spool_fsyncs_total', { target: 'segment' });
    expect(fsyncs).toBeGreaterThan(1);
    expect(fsyncs).toBeLessThan(51);
    const histogram = await options.metrics.registry.getSingleMetricAsString('vigil_edge_spool_fsync_duration_seconds');
    expect(histogram).toContain(`vigil_edge_spool_fsync_duration_seconds_count ${fsyncs}`);
  });

  it('interval: written at once, resolved only at the next periodic fsync', async () => {
    const options = testOptions(temp.dir, { fsync: 'interval', fsyncIntervalMs: 300 });
    const spool = await openSpool(options);
    const fsyncsAtResolve: number[] = [];
    const appends = [0, 1, 2].map((i) =>
      spool.append(batchPayload(i)).then(async (number) => {
        fsyncsAtResolve.push(await metricValue(options.metrics, 'vigil_edge_spool_fsyncs_total', { target: 'segment' }));
        return number;
      }),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(fsyncsAtResolve).toEqual([]);
    expect(await metricValue(options.metrics, 'vigil_edge_spool_fsyncs_total', { target: 'segment' })).toBe(0);
    // Written already, not readable yet: next() only returns durable records.
    expect((await segmentFiles(options)).length).toBe(1);
    expect(spool.pendingRecords).toBe(0);

    expect(await Promise.all(appends)).toEqual([1n, 2n, 3n]);
    expect(fsyncsAtResolve).toEqual([1, 1, 1]);
    expect(spool.pendingRecords).toBe(3);
  });

  it('never: an append resolves once written, without any fsync', async () => {
    const options = testOptions(temp.dir, { fsync: 'never' });
    const spool = await openSpool(options);
    for (let i = 0; i < 5; i++) await spool.append(batchPayload(i));
    expect((await spool.next())?.payload).toEqual(batchPayload(0));
    expect(await metricValue(options.metrics, 'vigil_edge_spool_fsyncs_total')).toBe(0);
  });
});
