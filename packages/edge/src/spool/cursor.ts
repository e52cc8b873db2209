import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * The ack cursor: where the last acknowledged record ends. It is physical (segment and byte
 * offset) so a corrupt region that shifts record numbering can never make it skip a record.
 * Layout: `magic "VSC1" | segment u64 | offset u64 | number u64 | crc32 of the 28 bytes before` (LE).
 */
export interface AckCursor {
  /** First record number (the name) of the segment holding the last acknowledged record. */
  segment: bigint;
  /** Offset just after that record in its segment. */
  offset: number;
  /** Its record number. */
  number: bigint;
}

/** What reading the cursor file found. */
export type CursorRead = { status: 'ok'; cursor: AckCursor } | { status: 'missing' } | { status: 'corrupt'; reason: string };

export const CURSOR_FILE = 'spool.cursor';
export const CURSOR_TEMP_FILE = 'spool.cursor.tmp';
const MAGIC = Buffer.from('VSC1', 'latin1');
const CURSOR_BYTES = 32;

/** Reads the cursor file of `dir`. */
export async function readCursor(dir: string): Promise<CursorRead> {
  let bytes: Buffer;
  try {
    bytes = await readFile(join(dir, CURSOR_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'corrupt', reason: (error as Error).message };
  }
  if (bytes.length !== CURSOR_BYTES) return { status: 'corrupt', reason: `${bytes.length} bytes instead of ${CURSOR_BYTES}` };
  if (!bytes.subarray(0, 4).equals(MAGIC)) return { status: 'corrupt', reason: 'bad magic' };
  if (crc32(bytes.subarray(0, 28)) !== bytes.readUInt32LE(28)) return { status: 'corrupt', reason: 'checksum mismatch' };
  const offset = bytes.readBigUInt64LE(12);
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) return { status: 'corrupt', reason: 'offset out of range' };
  return { status: 'ok', cursor: { segment: bytes.readBigUInt64LE(4), offset: Number(offset), number: bytes.readBigUInt64LE(20) } };
}

/**
 * Replaces the cursor file atomically (temp file + rename). It is not fsynced: after a power loss
 * it may be older (records are delivered again) or unreadable (everything is delivered again),
 * never ahead of what was acknowledged.
 */
export async function writeCursor(dir: string, cursor: AckCursor): Promise<void> {
  const bytes = Buffer.alloc(CURSOR_BYTES);
  MAGIC.copy(bytes, 0);
  bytes.writeBigUInt64LE(cursor.segment, 4);
  bytes.writeBigUInt64LE(BigInt(cursor.offset), 12);
  bytes.writeBigUInt64LE(cursor.number, 20);
  bytes.writeUInt32LE(crc32(bytes.subarray(0, 28)), 28);
  const temp = join(dir, CURSOR_TEMP_FILE);
  await writeFile(temp, bytes, { mode: 0o600 });
  await rename(temp, join(dir, CURSOR_FILE));
}

/** Removes a temp file left by a crash between writing and renaming. */
export async function removeCursorTemp(dir: string): Promise<void> {
  await rm(join(dir, CURSOR_TEMP_FILE), { force: true });
}
