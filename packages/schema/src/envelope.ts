import { readFileSync } from 'node:fs';
import { zstdDecompressSync } from 'node:zlib';
import protobuf from 'protobufjs';

/** The decoded form of `vigil.v1.EventBatch`. */
export interface EventBatch {
  edgeId: string;
  bootId: string;
  sequence: bigint;
  sentAtMs: number;
  /** JSON-encoded ECS events. */
  events: Uint8Array[];
}

/** The decoded form of `vigil.v1.SignedBatch`. */
export interface SignedBatch {
  batch: Uint8Array;
  signature: Uint8Array;
  algorithm: string;
  certificate: Uint8Array;
}

const root = protobuf.parse(readFileSync(new URL('./envelope.proto', import.meta.url), 'utf8'), { keepCase: false }).root;
const EventBatchType = root.lookupType('vigil.v1.EventBatch');
const SignedBatchType = root.lookupType('vigil.v1.SignedBatch');

export function encodeEventBatch(batch: EventBatch): Uint8Array {
  return EventBatchType.encode(
    EventBatchType.fromObject({ ...batch, sequence: batch.sequence.toString(), sentAtMs: batch.sentAtMs }),
  ).finish();
}

/** Decodes an EventBatch; throws on malformed bytes. */
export function decodeEventBatch(bytes: Uint8Array): EventBatch {
  const message = EventBatchType.decode(bytes);
  const object = EventBatchType.toObject(message, { longs: String, bytes: Uint8Array, defaults: true, arrays: true }) as {
    edgeId: string;
    bootId: string;
    sequence: string;
    sentAtMs: string;
    events: Uint8Array[];
  };
  return {
    edgeId: object.edgeId,
    bootId: object.bootId,
    sequence: BigInt(object.sequence),
    sentAtMs: Number(object.sentAtMs),
    events: object.events,
  };
}

export function encodeSignedBatch(signed: SignedBatch): Uint8Array {
  return SignedBatchType.encode(SignedBatchType.fromObject(signed)).finish();
}

/** The most bytes a compressed SignedBatch may expand to; more is refused (a decompression bomb). */
export const MAX_SIGNED_BATCH_BYTES = 128 * 1024 * 1024;

/** True when `bytes` is one zstd frame (magic 28 B5 2F FD): a SignedBatch as edges publish it. */
export function isZstdFrame(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd;
}

/**
 * Decodes a SignedBatch, as published on `vigil.events`: the protobuf bytes, or those bytes
 * compressed as one zstd frame (what edges send; a protobuf SignedBatch never starts with the
 * zstd magic). Throws on malformed bytes, missing parts, or more than MAX_SIGNED_BATCH_BYTES.
 */
export function decodeSignedBatch(bytes: Uint8Array): SignedBatch {
  const raw = isZstdFrame(bytes) ? zstdDecompressSync(bytes, { maxOutputLength: MAX_SIGNED_BATCH_BYTES }) : bytes;
  const object = SignedBatchType.toObject(SignedBatchType.decode(raw), { bytes: Uint8Array, defaults: true }) as SignedBatch;
  if (object.batch.length === 0 || object.signature.length === 0 || object.certificate.length === 0) {
    throw new Error('signed batch lacks its batch, signature or certificate');
  }
  return object;
}
