import { randomBytes } from 'node:crypto';
import { PackedEventsWriter, ScratchBuffer, decodeEventBatch, decodeSignedBatch, eventBatchBytes, eventId, type EcsEvent } from '@vigil/schema';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TEST_EDGE_ID, testDeps, testIdentity } from '../test-support.ts';
import { OpenBatch } from './open-batch.ts';
import type { SealContext, SealedBatch } from './seal.ts';

const MAX_BATCH_BYTES = 64 * 1024;
const cleanups: Array<() => void> = [];

afterEach(() => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function context(compression: 'zstd' | 'none'): SealContext {
  const { deps, cleanup } = testDeps();
  cleanups.push(cleanup);
  return { edgeId: TEST_EDGE_ID, bootId: deps.bootId, signer: deps.signer, sequence: deps.sequence, maxBatchBytes: MAX_BATCH_BYTES, now: () => 1_795_525_840_322, packed: new PackedEventsWriter(), compression, signed: new ScratchBuffer() };
}

const decoded = (batch: SealedBatch): EcsEvent[] => decodeEventBatch(eventBatchBytes(decodeSignedBatch(batch.bytes))).events.map((event) => JSON.parse(Buffer.from(event).toString()) as EcsEvent);

describe('OpenBatch', () => {
  it('stamps each event as it is added, under the sequence number taken with the first', () => {
    const batch = new OpenBatch(context('zstd'));
    const first = { message: 'one' } as EcsEvent;
    expect(batch.add(first)).toBe(true);
    expect(batch.add({ message: 'two' })).toBe(true);
    const [sealed] = batch.seal();
    expect(first.event?.id).toBe(eventId(TEST_EDGE_ID, 'boot-test', sealed!.sequence, 0));
    expect(decoded(sealed!)).toEqual([
      { message: 'one', event: { id: eventId(TEST_EDGE_ID, 'boot-test', sealed!.sequence, 0) }, vigil: { edge: { id: TEST_EDGE_ID, boot_id: 'boot-test' }, batch: { sequence: Number(sealed!.sequence), position: 0 } } },
      { message: 'two', event: { id: eventId(TEST_EDGE_ID, 'boot-test', sealed!.sequence, 1) }, vigil: { edge: { id: TEST_EDGE_ID, boot_id: 'boot-test' }, batch: { sequence: Number(sealed!.sequence), position: 1 } } },
    ]);
    expect(testIdentity().verifier.verify(sealed!.bytes)).toMatchObject({ ok: true });
    expect(batch.count).toBe(0);
    expect(batch.seal()).toEqual([]);
  });

  it('refuses, without adding it, an event that would take a batch past the raw size limit', () => {
    const batch = new OpenBatch(context('none'));
    const big = (n: number): EcsEvent => ({ message: `${n}`.padEnd(30_000, '.') });
    expect(batch.add(big(1))).toBe(true);
    expect(batch.add(big(2))).toBe(true);
    expect(batch.add(big(3))).toBe(false);
    expect(batch.count).toBe(2);
    const [first] = batch.seal();
    expect(batch.add(big(3))).toBe(true);
    const [second] = batch.seal();
    expect(second!.sequence).toBe(first!.sequence + 1n);
    expect(decoded(second!)[0]!.vigil?.batch?.position).toBe(0);
  });

  it('seals a zstd batch that does not compress under the bus limit again in halves, re-stamped, without a gap', () => {
    const ctx = context('zstd');
    const batch = new OpenBatch(ctx);
    const input = Array.from({ length: 250 }, (): EcsEvent => ({ message: randomBytes(600).toString('base64') }));
    for (const event of input) expect(batch.add(event)).toBe(true);
    const sealed = batch.seal();
    expect(sealed.length).toBeGreaterThanOrEqual(3);
    expect(sealed.map((b) => b.sequence)).toEqual(sealed.map((_, i) => sealed[0]!.sequence + BigInt(i)));
    for (const b of sealed) {
      expect(b.bytes.length).toBeLessThanOrEqual(MAX_BATCH_BYTES);
      expect(decoded(b).map((event) => event.event?.id)).toEqual(decoded(b).map((_, i) => eventId(TEST_EDGE_ID, 'boot-test', b.sequence, i)));
    }
    expect(sealed.flatMap((b) => decoded(b).map((event) => event.message))).toEqual(input.map((event) => event.message));
    // The next batch continues the sequence.
    batch.add({ message: 'after' });
    expect(batch.seal()[0]!.sequence).toBe(sealed.at(-1)!.sequence + 1n);
  });

  it('keeps its events and its number when signing fails, and seals them once it works', () => {
    const ctx = context('zstd');
    const batch = new OpenBatch(ctx);
    batch.add({ message: 'kept' });
    const sign = vi.spyOn(ctx.signer, 'signPackedCompressed').mockImplementationOnce(() => {
      throw new Error('key unreadable');
    });
    expect(() => batch.seal()).toThrow('key unreadable');
    expect(batch.count).toBe(1);
    sign.mockRestore();
    const [sealed] = batch.seal();
    expect(decoded(sealed!).map((event) => event.message)).toEqual(['kept']);
    expect(decoded(sealed!)[0]!.vigil?.batch?.sequence).toBe(Number(sealed!.sequence));
  });

  it('adds nothing when no sequence number can be taken', () => {
    const ctx = context('zstd');
    const batch = new OpenBatch(ctx);
    vi.spyOn(ctx.sequence, 'next').mockImplementationOnce(() => {
      throw new Error('sequence file unwritable');
    });
    expect(() => batch.add({ message: 'a' })).toThrow('sequence file unwritable');
    expect(batch.count).toBe(0);
    expect(batch.add({ message: 'a' })).toBe(true);
    expect(batch.seal()).toHaveLength(1);
  });
});
