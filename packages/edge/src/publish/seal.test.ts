import { randomBytes } from 'node:crypto';
import { PackedEventsWriter, ScratchBuffer, decodeEventBatch, decodeSignedBatch, eventBatchBytes, type EcsEvent } from '@vigil/schema';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_EDGE_ID, testDeps, testIdentity } from '../test-support.ts';
import { rawBatchBytes, sealEvents, type SealContext } from './seal.ts';

const MAX_BATCH_BYTES = 64 * 1024;
const cleanups: Array<() => void> = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function context(compression: 'zstd' | 'none'): SealContext {
  const { deps, cleanup } = testDeps();
  cleanups.push(cleanup);
  return { edgeId: TEST_EDGE_ID, bootId: deps.bootId, signer: deps.signer, sequence: deps.sequence, maxBatchBytes: MAX_BATCH_BYTES, now: () => 1_795_525_840_322, packed: new PackedEventsWriter(), compression, signed: new ScratchBuffer() };
}

const events = (count: number, message: (i: number) => string): EcsEvent[] => Array.from({ length: count }, (_, i) => ({ message: message(i) }));

describe('sealEvents', () => {
  it('lets zstd-framed batches hold more JSON than a bus message, as long as they compress under it', () => {
    const input = events(400, (i) => `Accepted publickey for deploy from 10.0.0.${i % 250} port 22 ssh2`.padEnd(400, '.'));
    const sealed = sealEvents(input, context('zstd'));
    expect(sealed).toHaveLength(1);
    expect(sealed[0]!.bytes.length).toBeLessThan(MAX_BATCH_BYTES);
    const batch = decodeEventBatch(eventBatchBytes(decodeSignedBatch(sealed[0]!.bytes)));
    expect(batch.events.reduce((sum, event) => sum + event.length, 0)).toBeGreaterThan(MAX_BATCH_BYTES);
    expect(testIdentity().verifier.verify(sealed[0]!.bytes)).toMatchObject({ ok: true });
  });

  it('splits a zstd-framed batch that does not compress into ones that fit, without a gap in the sequence', () => {
    const input = events(400, () => randomBytes(600).toString('base64'));
    const sealed = sealEvents(input, context('zstd'));
    expect(sealed.length).toBeGreaterThanOrEqual(4);
    for (const batch of sealed) expect(batch.bytes.length).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(sealed.map((batch) => batch.sequence)).toEqual(sealed.map((_, i) => sealed[0]!.sequence + BigInt(i)));
    expect(sealed.reduce((sum, batch) => sum + batch.count, 0)).toBe(400);
    const messages = sealed.flatMap((batch) => decodeEventBatch(eventBatchBytes(decodeSignedBatch(batch.bytes))).events.map((event) => (JSON.parse(Buffer.from(event).toString()) as EcsEvent).message));
    expect(messages).toEqual(input.map((event) => event.message));
  });

  it('closes plain batches at the bus message size', () => {
    expect(rawBatchBytes(MAX_BATCH_BYTES, 'none')).toBe(MAX_BATCH_BYTES);
    const sealed = sealEvents(events(400, (i) => `line ${i}`.padEnd(400, '.')), context('none'));
    expect(sealed.length).toBeGreaterThan(2);
    for (const batch of sealed) expect(decodeEventBatch(eventBatchBytes(decodeSignedBatch(batch.bytes))).events.reduce((sum, event) => sum + event.length, 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
  });
});
