import { readFileSync } from 'node:fs';
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

/** Decodes a SignedBatch; throws on malformed bytes or missing parts. */
export function decodeSignedBatch(bytes: Uint8Array): SignedBatch {
  const object = SignedBatchType.toObject(SignedBatchType.decode(bytes), { bytes: Uint8Array, defaults: true }) as SignedBatch;
  if (object.batch.length === 0 || object.signature.length === 0 || object.certificate.length === 0) {
    throw new Error('signed batch lacks its batch, signature or certificate');
  }
  return object;
}
