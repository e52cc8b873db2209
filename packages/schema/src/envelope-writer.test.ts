import { describe, expect, it } from 'vitest';
import { constants, zstdCompressSync } from 'node:zlib';
import { MAX_SIGNED_BATCH_BYTES, decodeEventBatch, decodeSignedBatch, encodeEventBatch, encodeSignedBatch, eventBatchBytes, frameContentSize, isPrecompressed, isZstdFrame, signedBytes } from './envelope.ts';
import { PackedEventsWriter, ScratchBuffer, encodeCompressedSignedEventBatch, encodeSignedEventBatch } from './envelope-writer.ts';

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

/** A SignedBatch compressed whole as one zstd frame, as edges published it before batches were signed compressed. */
const wholeFrame = (bytes: Uint8Array) => zstdCompressSync(bytes, { params: { [constants.ZSTD_c_compressionLevel]: 1 } });

describe('batches signed compressed', () => {
  const events = Array.from({ length: 200 }, (_, i) => `{"message":"line ${i} of a repetitive log"}`);
  const header = { edgeId: 'edge-1', bootId: 'b', sequence: 3n, sentAtMs: 5 };
  const encode = (sign: (batch: Buffer) => Uint8Array) => encodeCompressedSignedEventBatch({ header, events: pack(events), algorithm: 'rsa-sha256', certificate, signatureBytes: signature.length, sign }, new ScratchBuffer());

  it('hold the batch as one zstd frame, signed as such, written first', () => {
    let signed: Buffer | undefined;
    const bytes = encode((frame) => {
      signed = Buffer.from(frame);
      return signature;
    });
    const decoded = decodeSignedBatch(bytes);
    expect(decoded.batch.length).toBe(0);
    expect(isZstdFrame(decoded.zstdBatch)).toBe(true);
    expect(Buffer.from(signedBytes(decoded))).toEqual(signed);
    const plain = encodeEventBatch({ ...header, events: events.map((event) => Buffer.from(event)) });
    expect(Buffer.from(eventBatchBytes(decoded))).toEqual(Buffer.from(plain));
    expect(decoded.zstdBatch.length).toBeLessThan(plain.length / 4);
    // The frame states its size, so the batch is decompressed in one piece.
    expect(frameContentSize(decoded.zstdBatch)).toBe(plain.length);
    expect(isPrecompressed(bytes)).toBe(true);
    expect(decodeSignedBatch(bytes)).toEqual(decodeSignedBatch(encodeSignedBatch({ zstdBatch: signed!, signature, algorithm: 'rsa-sha256', certificate })));
  });

  it('are told apart from plain signed batches and other messages by their first bytes', () => {
    const plain = encodeSignedEventBatch({ header, events: pack(events), algorithm: 'rsa-sha256', certificate, signatureBytes: signature.length, sign: () => signature });
    expect(isPrecompressed(plain)).toBe(false);
    expect(isPrecompressed(wholeFrame(plain))).toBe(true);
    expect(isPrecompressed(Buffer.from('*{"not":"a batch"}'))).toBe(false);
    expect(isPrecompressed(Buffer.alloc(0))).toBe(false);
  });

  it('are refused when they hold their batch twice, or not as a zstd frame', () => {
    const frame = signedBytes(decodeSignedBatch(encode(() => signature)));
    const plain = encodeEventBatch({ ...header, events: [Buffer.from('{}')] });
    expect(() => decodeSignedBatch(encodeSignedBatch({ batch: plain, zstdBatch: frame, signature, algorithm: 'rsa-sha256', certificate }))).toThrow(/not both or neither/);
    expect(() => decodeSignedBatch(encodeSignedBatch({ batch: new Uint8Array(0), signature, algorithm: 'rsa-sha256', certificate }))).toThrow(/not both or neither/);
    expect(() => decodeSignedBatch(encodeSignedBatch({ batch: new Uint8Array(0), zstdBatch: plain, signature, algorithm: 'rsa-sha256', certificate }))).toThrow(/not a zstd frame/);
  });

  it('refuse to expand past MAX_SIGNED_BATCH_BYTES (a decompression bomb)', () => {
    const bomb = wholeFrame(Buffer.alloc(MAX_SIGNED_BATCH_BYTES + 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const decoded = decodeSignedBatch(encodeSignedBatch({ batch: new Uint8Array(0), zstdBatch: bomb, signature, algorithm: 'rsa-sha256', certificate }));
    expect(() => eventBatchBytes(decoded)).toThrow();
  });
});

describe('signed batches compressed whole (as earlier edges sent them)', () => {
  it('are one zstd frame that decodeSignedBatch reads like the plain bytes', () => {
    const batch = encodeEventBatch({ edgeId: 'edge-1', bootId: 'b', sequence: 3n, sentAtMs: 5, events: Array.from({ length: 200 }, (_, i) => Buffer.from(`{"message":"line ${i} of a repetitive log"}`)) });
    const plain = Buffer.from(encodeSignedBatch({ batch, signature, algorithm: 'rsa-sha256', certificate }));
    const compressed = wholeFrame(plain);
    expect(isZstdFrame(compressed)).toBe(true);
    expect(isZstdFrame(plain)).toBe(false);
    expect(decodeSignedBatch(compressed)).toEqual(decodeSignedBatch(plain));
    expect(frameContentSize(compressed)).toBe(plain.length);
    expect(frameContentSize(plain)).toBeUndefined();
  });

  it('refuse to expand past MAX_SIGNED_BATCH_BYTES (a decompression bomb)', () => {
    const bomb = wholeFrame(Buffer.alloc(MAX_SIGNED_BATCH_BYTES + 1024));
    expect(() => decodeSignedBatch(bomb)).toThrow();
  });
});
