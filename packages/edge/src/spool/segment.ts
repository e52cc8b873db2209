import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** A corrupt region of a segment: skipped when reading, its records lost. */
export interface Hole {
  offset: number;
  bytes: number;
  /** Records lost in it (exact when the following segment's first number bounds it, otherwise at least one). */
  records: number;
}

/** One segment file and what the spool knows about it. */
export interface Segment {
  /** Number of the first record written to it (from the file name). */
  readonly first: bigint;
  readonly name: string;
  readonly path: string;
  /** Bytes written; for the segment being appended to this includes records not durable yet. */
  bytes: number;
  /** End of the records `next()` may return: those whose append resolved. */
  visibleBytes: number;
  /** Durable records in it that are not acknowledged yet. */
  pending: number;
  /** Framed bytes of those records. */
  pendingBytes: number;
  /** Where reading starts and the number of the record there (a recovered segment can start at the ack cursor). */
  readonly startOffset: number;
  readonly startNumber: bigint;
  /** Corrupt regions, sorted by offset; reading skips them. */
  readonly holes: Hole[];
  /** No more appends go to it: `visibleBytes` is final. */
  sealed: boolean;
}

const SEGMENT_NAME = /^spool-(\d{20})\.seg$/;

/** `spool-<20-digit first record number>.seg`. */
export function segmentName(first: bigint): string {
  return `spool-${first.toString().padStart(20, '0')}.seg`;
}

/** The first record number a segment file name carries, or undefined for any other file. */
export function parseSegmentName(name: string): bigint | undefined {
  const match = SEGMENT_NAME.exec(name);
  return match ? BigInt(match[1]!) : undefined;
}

/** A new, empty segment for appends starting at record `first`. */
export function newSegment(dir: string, first: bigint): Segment {
  const name = segmentName(first);
  return {
    first,
    name,
    path: join(dir, name),
    bytes: 0,
    visibleBytes: 0,
    pending: 0,
    pendingBytes: 0,
    startOffset: 0,
    startNumber: first,
    holes: [],
    sealed: false,
  };
}

/** Makes a created, renamed or deleted directory entry durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
