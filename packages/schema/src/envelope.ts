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

/** The decoded form of `vigil.v1.SignedBatch`: the batch is in `batch` or, compressed, in `zstdBatch` (the other is empty). */
export interface SignedBatch {
  batch: Uint8Array;
  signature: Uint8Array;
  algorithm: string;
  certificate: Uint8Array;
  zstdBatch: Uint8Array;
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

/** Encodes a SignedBatch (protobufjs; the edge's own path is `encodeSignedEventBatch`): its batch plain or compressed. */
export function encodeSignedBatch(signed: Omit<SignedBatch, 'batch' | 'zstdBatch'> & Partial<Pick<SignedBatch, 'batch' | 'zstdBatch'>>): Uint8Array {
  return SignedBatchType.encode(SignedBatchType.fromObject(signed)).finish();
}

/** The most bytes a compressed SignedBatch or batch may expand to; more is refused (a decompression bomb). */
export const MAX_SIGNED_BATCH_BYTES = 128 * 1024 * 1024;

/** True when `bytes` is one zstd frame (magic 28 B5 2F FD). */
export function isZstdFrame(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x28 && bytes[1] === 0xb5 && bytes[2] === 0x2f && bytes[3] === 0xfd;
}

/** The first byte of a SignedBatch that starts with its `zstd_batch` (field 5, length-delimited), as edges write it. */
const ZSTD_BATCH_TAG = (5 << 3) | 2;

/**
 * True when `bytes` hold zstd-compressed content already, so compressing them again only costs:
 * a zstd frame, or a SignedBatch whose first field is a zstd-compressed batch (what edges publish).
 */
export function isPrecompressed(bytes: Uint8Array): boolean {
  if (isZstdFrame(bytes)) return true;
  if (bytes[0] !== ZSTD_BATCH_TAG) return false;
  let at = 1;
  while (at < bytes.length && at < 6 && bytes[at]! & 0x80) at++;
  return isZstdFrame(bytes.subarray(at + 1, at + 5));
}

/**
 * Decodes a SignedBatch, as published on `vigil.events`: the protobuf bytes (the batch inside
 * them plain or zstd-compressed), or, as earlier edges sent them, those bytes compressed as
 * one zstd frame (a protobuf SignedBatch never starts with the zstd magic). A compressed batch
 * is left compressed: `eventBatchBytes` opens it once its signature is checked. Throws on
 * malformed bytes, missing parts, or more than MAX_SIGNED_BATCH_BYTES.
 */
export function decodeSignedBatch(bytes: Uint8Array): SignedBatch {
  const raw = isZstdFrame(bytes) ? decompressFrame(bytes) : bytes;
  const object = SignedBatchType.toObject(SignedBatchType.decode(raw), { bytes: Uint8Array, defaults: true }) as SignedBatch;
  if ((object.batch.length === 0) === (object.zstdBatch.length === 0)) throw new Error('signed batch must hold its batch either plain or compressed, not both or neither');
  if (object.signature.length === 0 || object.certificate.length === 0) throw new Error('signed batch lacks its signature or certificate');
  if (object.zstdBatch.length > 0 && !isZstdFrame(object.zstdBatch)) throw new Error('signed batch\'s compressed batch is not a zstd frame');
  return object;
}

/** The bytes a SignedBatch's signature is over: its batch as it holds it, plain or compressed. */
export function signedBytes(signed: SignedBatch): Uint8Array {
  return signed.zstdBatch.length > 0 ? signed.zstdBatch : signed.batch;
}

/** A SignedBatch's encoded EventBatch, decompressed when it holds it compressed. Throws past MAX_SIGNED_BATCH_BYTES. */
export function eventBatchBytes(signed: SignedBatch): Uint8Array {
  return signed.zstdBatch.length > 0 ? decompressFrame(signed.zstdBatch) : signed.batch;
}

/**
 * Decompresses one zstd frame. When the frame header states its content size (edges' frames
 * do), the output is made in one piece of that size rather than joined from 16-KiB chunks.
 */
function decompressFrame(bytes: Uint8Array): Buffer {
  const size = frameContentSize(bytes);
  const chunkSize = size !== undefined && size >= 64 && size <= MAX_SIGNED_BATCH_BYTES ? size : undefined;
  return zstdDecompressSync(bytes, { maxOutputLength: MAX_SIGNED_BATCH_BYTES, ...(chunkSize !== undefined && { chunkSize }) });
}

/** The content size a zstd frame header states (RFC 8878, 3.1.1.1), if it states one. */
export function frameContentSize(frame: Uint8Array): number | undefined {
  if (!isZstdFrame(frame) || frame.length < 6) return undefined;
  const descriptor = frame[4]!;
  const sizeFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
  const at = 5 + (singleSegment ? 0 : 1) + dictionaryBytes;
  const sizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][sizeFlag]!;
  if (sizeBytes === 0 || frame.length < at + sizeBytes) return undefined;
  const view = new DataView(frame.buffer, frame.byteOffset + at, sizeBytes);
  if (sizeBytes === 1) return view.getUint8(0);
  if (sizeBytes === 2) return view.getUint16(0, true) + 256;
  if (sizeBytes === 4) return view.getUint32(0, true);
  const size = view.getBigUint64(0, true);
  return size <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(size) : undefined;
}
