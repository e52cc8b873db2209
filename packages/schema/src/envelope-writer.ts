import { constants, zstdCompressSync } from 'node:zlib';
import type { EventBatch } from './envelope.ts';

/**
 * The edge's hot path to the wire: events JSON-encoded once into a reused buffer, then an
 * `EventBatch` and the `SignedBatch` around it written by hand into one new buffer, signed in
 * place. protobufjs would copy every event three times (a Buffer per event, the EventBatch, the
 * SignedBatch); at tens of thousands of events a second those short-lived buffers are what keeps
 * the garbage collector busy. The bytes are the same protobufjs writes (fields in number order,
 * proto3 defaults left out; a compressed batch's `zstd_batch` first, so that it is told from its
 * first bytes), and `decodeSignedBatch`/`decodeEventBatch` read them.
 */

const INITIAL_BYTES = 1024 * 1024;
const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

/** JSON events packed end to end: event i is `bytes[ends[i - 1] ?? 0, ends[i])`. */
export interface PackedEvents {
  readonly bytes: Uint8Array;
  readonly ends: readonly number[];
}

/** Collects JSON-encoded events into one buffer that grows as needed and is reused batch after batch. */
export class PackedEventsWriter implements PackedEvents {
  #bytes: Buffer;
  #ends: number[] = [];
  #size = 0;

  /** `initialBytes`: the buffer's first size (a batch of known size needs no more). */
  constructor(initialBytes = INITIAL_BYTES) {
    this.#bytes = Buffer.allocUnsafe(Math.max(1, initialBytes));
  }

  get bytes(): Buffer {
    return this.#bytes;
  }

  get ends(): readonly number[] {
    return this.#ends;
  }

  /** Events held. */
  get count(): number {
    return this.#ends.length;
  }

  /** Bytes held. */
  get size(): number {
    return this.#size;
  }

  /** Adds one event's JSON (UTF-8 encoded); returns its length in bytes. */
  add(json: string): number {
    // UTF-16 code units take at most three UTF-8 bytes each.
    const room = json.length * 3;
    if (this.#size + room > this.#bytes.length) this.#grow(this.#size + room);
    const written = this.#bytes.write(json, this.#size, 'utf8');
    this.#size += written;
    this.#ends.push(this.#size);
    return written;
  }

  /** Adds one event already encoded. */
  addBytes(event: Uint8Array): void {
    if (this.#size + event.length > this.#bytes.length) this.#grow(this.#size + event.length);
    this.#bytes.set(event, this.#size);
    this.#size += event.length;
    this.#ends.push(this.#size);
  }

  /** Takes the last event back out. */
  removeLast(): void {
    this.#ends.pop();
    this.#size = this.#ends.at(-1) ?? 0;
  }

  /** Empties the writer, keeping its buffer. */
  clear(): void {
    this.#ends = [];
    this.#size = 0;
  }

  #grow(needed: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(needed, this.#bytes.length * 2));
    this.#bytes.copy(bigger, 0, 0, this.#size);
    this.#bytes = bigger;
  }
}

/**
 * One buffer lent out again and again: `take(size)` returns its first `size` bytes, valid until
 * the next `take`. For bytes that are used at once and dropped (a signed batch about to be
 * compressed): at a dozen multi-megabyte batches a second, fresh buffers would be most of what
 * the process allocates, and the freed ones stay resident until a full collection finds them.
 */
export class ScratchBuffer {
  #bytes = Buffer.allocUnsafe(0);

  take(size: number): Buffer {
    if (size > this.#bytes.length) this.#bytes = Buffer.allocUnsafe(Math.max(size, this.#bytes.length * 2));
    return this.#bytes.subarray(0, size);
  }
}

/** What a `SignedBatch` is made of, the signature aside: it is made over the encoded batch. */
export interface SignedBatchParts {
  header: Omit<EventBatch, 'events'>;
  events: PackedEvents;
  algorithm: string;
  certificate: Uint8Array;
  /** Length of every signature `sign` returns. */
  signatureBytes: number;
  /** Signs the encoded `EventBatch`, or its zstd frame (a view into the output; do not keep it). */
  sign(batch: Buffer): Uint8Array;
}

/**
 * Encodes the batch, signs it and wraps both in a `SignedBatch`: one buffer, written once; a new
 * one, or `into`'s (then valid only until `into` is next used).
 */
export function encodeSignedEventBatch(parts: SignedBatchParts, into?: ScratchBuffer): Buffer {
  const batchBytes = eventBatchSize(parts.header, parts.events);
  const total = 1 + varintBytes(batchBytes) + batchBytes + signatureTrailerSize(parts);
  const out = into ? into.take(total) : Buffer.allocUnsafe(total);
  const batchStart = writeVarint(out, writeTag(out, 0, 1, WIRE_BYTES), batchBytes);
  const batchEnd = writeEventBatch(out, batchStart, parts.header, parts.events);
  return finishSignedBatch(out, batchEnd, total, parts, out.subarray(batchStart, batchEnd));
}

/**
 * The same with the batch compressed as one zstd frame (level 1: ECS JSON still shrinks about
 * eightfold) in `zstd_batch`, written first, and the signature made over the frame: the engine
 * checks it over an eighth of the bytes and opens only what is authentic. `scratch` holds the plain
 * batch while it is compressed; the result is a new buffer.
 */
export function encodeCompressedSignedEventBatch(parts: SignedBatchParts, scratch: ScratchBuffer): Buffer {
  const plain = scratch.take(eventBatchSize(parts.header, parts.events));
  writeEventBatch(plain, 0, parts.header, parts.events);
  const frame = zstdCompressSync(plain, { params: { [constants.ZSTD_c_compressionLevel]: 1 } });
  const total = bytesField(frame.length) + signatureTrailerSize(parts);
  const out = Buffer.allocUnsafe(total);
  return finishSignedBatch(out, writeBytesField(out, 0, 5, frame), total, parts, frame);
}

/** Bytes of an encoded `EventBatch`. */
function eventBatchSize(header: SignedBatchParts['header'], events: PackedEvents): number {
  if (header.sentAtMs < 0 || !Number.isSafeInteger(header.sentAtMs)) throw new RangeError(`sentAtMs ${header.sentAtMs} is not a Unix time in ms`);
  let size = bytesField(Buffer.byteLength(header.edgeId)) + bytesField(Buffer.byteLength(header.bootId)) + varintField(header.sequence) + varintField(header.sentAtMs);
  let start = 0;
  for (const end of events.ends) {
    size += 1 + varintBytes(end - start) + (end - start);
    start = end;
  }
  return size;
}

/** Writes an `EventBatch` at `at`; returns where it ends. */
function writeEventBatch(out: Buffer, at: number, header: SignedBatchParts['header'], events: PackedEvents): number {
  at = writeBytesField(out, at, 1, Buffer.from(header.edgeId));
  at = writeBytesField(out, at, 2, Buffer.from(header.bootId));
  at = writeVarintField(out, at, 3, header.sequence);
  at = writeVarintField(out, at, 4, header.sentAtMs);
  let start = 0;
  for (const end of events.ends) {
    at = writeTag(out, at, 5, WIRE_BYTES);
    at = writeVarint(out, at, end - start);
    out.set(events.bytes.subarray(start, end), at);
    at += end - start;
    start = end;
  }
  return at;
}

/** Bytes of a SignedBatch's signature, algorithm and certificate. */
function signatureTrailerSize({ algorithm, certificate, signatureBytes }: SignedBatchParts): number {
  return bytesField(signatureBytes) + bytesField(Buffer.byteLength(algorithm)) + bytesField(certificate.length);
}

/** Signs `signed` and writes the signature, algorithm and certificate from `at`, which must end at `total`. */
function finishSignedBatch(out: Buffer, at: number, total: number, parts: SignedBatchParts, signed: Buffer): Buffer {
  const signature = parts.sign(signed);
  if (signature.length !== parts.signatureBytes) throw new RangeError(`signature of ${signature.length} bytes, expected ${parts.signatureBytes}`);
  at = writeBytesField(out, at, 2, signature);
  at = writeBytesField(out, at, 3, Buffer.from(parts.algorithm));
  at = writeBytesField(out, at, 4, parts.certificate);
  if (at !== total) throw new Error(`signed batch encoded to ${at} bytes, ${total} planned`);
  return out;
}

/** Bytes of a length-delimited field (left out when empty, as proto3 does). */
function bytesField(length: number): number {
  return length === 0 ? 0 : 1 + varintBytes(length) + length;
}

function varintField(value: number | bigint): number {
  return value === 0 || value === 0n ? 0 : 1 + varintBytes(value);
}

function varintBytes(value: number | bigint): number {
  let bytes = 1;
  if (typeof value === 'bigint') {
    for (let rest = value >> 7n; rest > 0n; rest >>= 7n) bytes++;
    return bytes;
  }
  for (let rest = Math.floor(value / 0x80); rest > 0; rest = Math.floor(rest / 0x80)) bytes++;
  return bytes;
}

function writeTag(out: Buffer, at: number, field: number, wireType: number): number {
  out[at] = (field << 3) | wireType;
  return at + 1;
}

function writeVarint(out: Buffer, at: number, value: number | bigint): number {
  if (typeof value === 'bigint') {
    let rest = value;
    while (rest >= 0x80n) {
      out[at++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    out[at++] = Number(rest);
    return at;
  }
  let rest = value;
  while (rest >= 0x80) {
    out[at++] = (rest % 0x80) | 0x80;
    rest = Math.floor(rest / 0x80);
  }
  out[at++] = rest;
  return at;
}

function writeBytesField(out: Buffer, at: number, field: number, bytes: Uint8Array): number {
  if (bytes.length === 0) return at;
  at = writeVarint(out, writeTag(out, at, field, WIRE_BYTES), bytes.length);
  out.set(bytes, at);
  return at + bytes.length;
}

function writeVarintField(out: Buffer, at: number, field: number, value: number | bigint): number {
  if (value === 0 || value === 0n) return at;
  return writeVarint(out, writeTag(out, at, field, WIRE_VARINT), value);
}
