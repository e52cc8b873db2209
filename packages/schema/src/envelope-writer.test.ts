import { describe, expect, it } from 'vitest';
import { MAX_SIGNED_BATCH_BYTES, decodeEventBatch, decodeSignedBatch, encodeEventBatch, encodeSignedBatch, frameContentSize, isZstdFrame } from './envelope.ts';
import { PackedEventsWriter, ScratchBuffer, compressSignedBatch, encodeSignedEventBatch } from './envelope-writer.ts';

const signature = Buffer.alloc(256, 7);
const certificate = Buffer.alloc(900, 3);

function pack(events: string[]): PackedEventsWriter {
  const packed = new PackedEventsWriter();
  for (const event of events) packed.add(event);
  return packed;
}

describe('encodeSignedEventBatch', () => {
  it('writes the bytes protobufjs writes, and signs exactly the encoded EventBatch', () => {
    const events = ['{"message":"a"}', '{"message":"ünïcödé ✓ 🔐"}', '{}', 'x'.repeat(70_000)];
    const header = { edgeId: 'edge-1', bootId: 'boot-9', sequence: 2n ** 40n + 5n, sentAtMs: 1_795_525_840_322 };
    let signed: Buffer | undefined;
    const bytes = encodeSignedEventBatch({
      header,
      events: pack(events),
      algorithm: 'rsa-sha256',
      certificate,
      signatureBytes: signature.length,
      sign: (batch) => {
        signed = Buffer.from(batch);
        return signature;
      },
    });
    const batch = encodeEventBatch({ ...header, events: events.map((event) => Buffer.from(event)) });
    expect(signed).toEqual(Buffer.from(batch));
    expect(bytes).toEqual(Buffer.from(encodeSignedBatch({ batch, signature, algorithm: 'rsa-sha256', certificate })));
    const decoded = decodeEventBatch(decodeSignedBatch(bytes).batch);
    expect(decoded.sequence).toBe(header.sequence);
    expect(decoded.sentAtMs).toBe(header.sentAtMs);
    expect(decoded.events.map((event) => Buffer.from(event).toString())).toEqual(events);
  });

  it('writes the same bytes into a reused scratch buffer, growing it for a larger batch', () => {
    const scratch = new ScratchBuffer();
    const parts = (events: string[]) => ({ header: { edgeId: 'e', bootId: 'b', sequence: 3n, sentAtMs: 5 }, events: pack(events), algorithm: 'rsa-sha256', certificate, signatureBytes: 256, sign: () => signature });
    for (const events of [['{"a":1}'], ['{"b":2}', 'y'.repeat(50_000)], ['{}']]) {
      const fresh = encodeSignedEventBatch(parts(events));
      const reused = encodeSignedEventBatch(parts(events), scratch);
      expect(Buffer.from(reused)).toEqual(fresh);
    }
    const first = encodeSignedEventBatch(parts(['z'.repeat(60_000)]), scratch);
    const second = encodeSignedEventBatch(parts(['{}']), scratch);
    expect(second.buffer).toBe(first.buffer);
  });

  it('refuses a signature of another length than announced', () => {
    const parts = { header: { edgeId: 'e', bootId: 'b', sequence: 1n, sentAtMs: 1 }, events: pack(['{}']), algorithm: 'rsa-sha256', certificate, signatureBytes: 256 };
    expect(() => encodeSignedEventBatch({ ...parts, sign: () => Buffer.alloc(255) })).toThrow(/255 bytes, expected 256/);
  });
});

describe('PackedEventsWriter', () => {
  it('grows past its first buffer, takes the last event back and is reused after clear', () => {
    const packed = new PackedEventsWriter();
    const big = 'é'.repeat(400_000);
    for (let i = 0; i < 3; i++) packed.add(big);
    expect(packed.size).toBe(3 * 800_000);
    packed.removeLast();
    expect(packed.ends).toEqual([800_000, 1_600_000]);
    expect(packed.size).toBe(1_600_000);
    packed.clear();
    packed.addBytes(Buffer.from('{"a":1}'));
    expect(packed.bytes.subarray(0, packed.size).toString()).toBe('{"a":1}');
  });
});

describe('compressed signed batches', () => {
  it('are one zstd frame that decodeSignedBatch reads like the plain bytes', () => {
    const batch = encodeEventBatch({ edgeId: 'edge-1', bootId: 'b', sequence: 3n, sentAtMs: 5, events: Array.from({ length: 200 }, (_, i) => Buffer.from(`{"message":"line ${i} of a repetitive log"}`)) });
    const plain = Buffer.from(encodeSignedBatch({ batch, signature, algorithm: 'rsa-sha256', certificate }));
    const compressed = compressSignedBatch(plain);
    expect(isZstdFrame(compressed)).toBe(true);
    expect(isZstdFrame(plain)).toBe(false);
    expect(compressed.length).toBeLessThan(plain.length / 4);
    expect(decodeSignedBatch(compressed)).toEqual(decodeSignedBatch(plain));
    // The frame states its size, so the batch is decompressed in one piece.
    expect(frameContentSize(compressed)).toBe(plain.length);
    expect(frameContentSize(plain)).toBeUndefined();
  });

  it('refuse to expand past MAX_SIGNED_BATCH_BYTES (a decompression bomb)', () => {
    const bomb = compressSignedBatch(Buffer.alloc(MAX_SIGNED_BATCH_BYTES + 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(() => decodeSignedBatch(bomb)).toThrow();
  });
});
