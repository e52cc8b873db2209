import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

/**
 * The on-disk record format of spool segments:
 * `magic (4 bytes) | payload length (u32 LE) | crc32 of length+payload (u32 LE) | payload`.
 */

/** Bytes in front of every payload. */
export const FRAME_HEADER_BYTES = 12;
// 0xF8 never occurs in UTF-8, so JSON text inside a payload cannot fake the start of a record.
export const FRAME_MAGIC = Buffer.from([0xf8, 0x56, 0x53, 0x52]);
/** The largest payload a record may carry; a longer length field marks a corrupt record. */
export const MAX_RECORD_BYTES = 128 * 1024 * 1024;

const READ_CHUNK_BYTES = 1024 * 1024;
const EMPTY = Buffer.alloc(0);

/** Bytes a payload takes on disk, header included. */
export function frameBytes(payloadBytes: number): number {
  return FRAME_HEADER_BYTES + payloadBytes;
}

/** The header to write in front of `payload`. */
export function frameHeader(payload: Uint8Array): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  FRAME_MAGIC.copy(header, 0);
  header.writeUInt32LE(payload.byteLength, 4);
  header.writeUInt32LE(crc32(payload, crc32(header.subarray(4, 8))), 8);
  return header;
}

/** A valid record found in a segment. */
export interface Frame {
  /** File offset of its header. */
  offset: number;
  /** File offset just after its payload. */
  end: number;
  /** The payload (empty when the caller only counts records). */
  payload: Buffer;
}

/** What one read of consecutive records found. */
export interface FrameBlock {
  frames: Frame[];
  /** Offset after the last valid record read; where the next read starts. */
  next: number;
  /** True when the bytes at `next` are not a valid record. */
  bad: boolean;
}

/** A buffer for `readFrames` to reuse when only counting records (verifying a segment at open). */
export function scanBuffer(): Buffer {
  return Buffer.allocUnsafe(READ_CHUNK_BYTES);
}

/**
 * Reads consecutive valid records from `offset` (about a megabyte at a time, or one whole record
 * when it is larger), stopping at `end`, at the first invalid record, or at the end of the chunk.
 * With a `scratch` buffer (from `scanBuffer()`) the chunk is read into it and payloads are not kept.
 */
export async function readFrames(file: FileHandle, offset: number, end: number, scratch?: Buffer): Promise<FrameBlock> {
  const frames: Frame[] = [];
  if (offset >= end) return { frames, next: offset, bad: false };
  let buffer = await readAt(file, offset, Math.min(end - offset, READ_CHUNK_BYTES), scratch);
  let pos = 0;
  while (pos < buffer.length) {
    if (buffer.length - pos < FRAME_HEADER_BYTES) {
      if (offset + buffer.length < end && pos > 0) break;
      return { frames, next: offset + pos, bad: true };
    }
    const length = payloadLength(buffer, pos);
    const frameEnd = pos + FRAME_HEADER_BYTES + (length ?? 0);
    if (length === undefined || offset + frameEnd > end) return { frames, next: offset + pos, bad: true };
    if (frameEnd > buffer.length) {
      if (pos > 0) break;
      buffer = await readAt(file, offset, frameEnd);
      if (buffer.length < frameEnd) return { frames, next: offset, bad: true };
    }
    if (!crcMatches(buffer, pos, length)) return { frames, next: offset + pos, bad: true };
    frames.push({ offset: offset + pos, end: offset + frameEnd, payload: scratch ? EMPTY : buffer.subarray(pos + FRAME_HEADER_BYTES, frameEnd) });
    pos = frameEnd;
  }
  return { frames, next: offset + pos, bad: false };
}

/**
 * Resynchronises after a corrupt record: the offset of the first valid record (magic, length
 * and crc all right) at or after `from` and ending by `end`, or undefined when there is none.
 */
export async function findNextFrame(file: FileHandle, from: number, end: number): Promise<number | undefined> {
  let pos = from;
  while (end - pos >= FRAME_HEADER_BYTES) {
    const buffer = await readAt(file, pos, Math.min(end - pos, READ_CHUNK_BYTES));
    for (let i = buffer.indexOf(FRAME_MAGIC); i !== -1; i = buffer.indexOf(FRAME_MAGIC, i + 1)) {
      if (await isFrameAt(file, pos + i, end)) return pos + i;
    }
    if (buffer.length < FRAME_MAGIC.length || pos + buffer.length >= end) return undefined;
    // Step back so a magic split across two chunks is still found.
    pos += buffer.length - (FRAME_MAGIC.length - 1);
  }
  return undefined;
}

async function isFrameAt(file: FileHandle, offset: number, end: number): Promise<boolean> {
  const header = await readAt(file, offset, FRAME_HEADER_BYTES);
  if (header.length < FRAME_HEADER_BYTES) return false;
  const length = payloadLength(header, 0);
  if (length === undefined || offset + FRAME_HEADER_BYTES + length > end) return false;
  const frame = await readAt(file, offset, FRAME_HEADER_BYTES + length);
  return frame.length === FRAME_HEADER_BYTES + length && crcMatches(frame, 0, length);
}

/** The payload length of the header at `pos`, or undefined when magic or length are impossible. */
function payloadLength(buffer: Buffer, pos: number): number | undefined {
  if (buffer.compare(FRAME_MAGIC, 0, FRAME_MAGIC.length, pos, pos + FRAME_MAGIC.length) !== 0) return undefined;
  const length = buffer.readUInt32LE(pos + 4);
  return length > MAX_RECORD_BYTES ? undefined : length;
}

function crcMatches(buffer: Buffer, pos: number, length: number): boolean {
  const stored = buffer.readUInt32LE(pos + 8);
  const lengthBytes = buffer.subarray(pos + 4, pos + 8);
  const payload = buffer.subarray(pos + FRAME_HEADER_BYTES, pos + FRAME_HEADER_BYTES + length);
  return crc32(payload, crc32(lengthBytes)) === stored;
}

/** Reads up to `length` bytes at `position` (into `scratch` when it is large enough); shorter only at the end of the file. */
export async function readAt(file: FileHandle, position: number, length: number, scratch?: Buffer): Promise<Buffer> {
  const buffer = scratch && scratch.length >= length ? scratch.subarray(0, length) : Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await file.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}
