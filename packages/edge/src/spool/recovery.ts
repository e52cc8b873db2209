import { open, readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@vigil/runtime';
import { edgeErrors } from '../errors.ts';
import { CURSOR_FILE, readCursor, removeCursorTemp, type AckCursor } from './cursor.ts';
import { findNextFrame, readFrames, scanBuffer } from './frame.ts';
import { parseSegmentName, syncDirectory, type Hole, type Segment } from './segment.ts';
import type { SpoolMetrics } from './spool-metrics.ts';

/** A corrupt region found at open. */
export interface SpoolCorruption {
  /** Segment file name. */
  segment: string;
  offset: number;
  bytes: number;
  /** Batches lost in it: exact when `corruptRecordsExact`, otherwise at least one. */
  records: number;
}

/** What `Spool.open()` found on disk. */
export interface SpoolRecoveryReport {
  /** Segment files kept because they hold batches not yet acknowledged. */
  segments: number;
  /** Batches found that the bus has not acknowledged; `next()` delivers them. */
  pendingRecords: number;
  /** Their bytes, framing included. */
  pendingBytes: number;
  /** Corrupt regions in segments: their batches are lost, the good records around them were recovered. */
  corruptions: SpoolCorruption[];
  corruptBytes: number;
  corruptRecords: number;
  /** True when `corruptRecords` is exact (a following segment's first number bounds it); otherwise a lower bound. */
  corruptRecordsExact: boolean;
  /**
   * Bytes of a torn last record (a write cut short by a crash) cut from the end of the newest
   * segment. Its append never resolved, so this is not a loss of acknowledged data.
   */
  truncatedTailBytes: number;
  /**
   * The ack cursor: `ok`; `missing` or `corrupt` (every record in the segments is pending:
   * redelivery, not loss); `ahead` (it points past the end of its segment: delivered records are
   * missing from disk, nothing in that segment is pending).
   */
  cursor: 'ok' | 'missing' | 'corrupt' | 'ahead';
  /** Segment files deleted because nothing in them was pending. */
  deletedSegments: number;
  /** Files in the directory that are not the spool's; left alone. */
  ignoredFiles: string[];
}

/** The spool state rebuilt from disk. */
export interface Recovered {
  /** Segments holding pending records, oldest first, all sealed. */
  segments: Segment[];
  /** Number for the next appended record: above every number used before. */
  nextNumber: bigint;
  /** The cursor read from disk, when it was usable. */
  cursor: AckCursor | undefined;
  report: SpoolRecoveryReport;
}

interface RecoveryContext {
  dir: string;
  /** False with fsync `never`: no fsync of truncations and deletions. */
  sync: boolean;
  metrics: SpoolMetrics;
  logger: Logger;
}

interface Found {
  first: bigint;
  name: string;
  path: string;
  size: number;
  startOffset: number;
  startNumber: bigint;
  records: number;
  recordBytes: number;
  holes: Hole[];
}

/**
 * Rebuilds the spool from its directory: reads the ack cursor, drops segments it says are fully
 * acknowledged, verifies every record after it, skips corrupt regions (resynchronising on the
 * next valid record) and cuts a torn tail from the newest segment.
 */
export async function recoverSpool(context: RecoveryContext): Promise<Recovered> {
  const { dir, logger } = context;
  await removeCursorTemp(dir);
  const read = await readCursor(dir);
  const cursor = read.status === 'ok' ? read.cursor : undefined;
  const report: SpoolRecoveryReport = {
    segments: 0,
    pendingRecords: 0,
    pendingBytes: 0,
    corruptions: [],
    corruptBytes: 0,
    corruptRecords: 0,
    corruptRecordsExact: true,
    truncatedTailBytes: 0,
    cursor: read.status,
    deletedSegments: 0,
    ignoredFiles: [],
  };
  const files = await listSegments(dir, report);
  if (read.status === 'corrupt') {
    const error = edgeErrors.create('VIGIL_ERR_EDGE_SPOOL_CURSOR_INVALID', { reason: read.reason });
    logger.warn({ code: error.code, dir }, error.message);
  } else if (read.status === 'missing' && files.length > 0) {
    logger.info({ dir }, 'the spool has no ack cursor: every spooled batch is delivered again');
  }

  let nextNumber = cursor ? cursor.number + 1n : 1n;
  const found: Found[] = [];
  const drop: string[] = [];
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    nextNumber = max(nextNumber, file.first + 1n);
    let startOffset = 0;
    let startNumber = file.first;
    if (cursor && file.first < cursor.segment) {
      drop.push(file.path);
      continue;
    }
    if (cursor && file.first === cursor.segment) {
      if (cursor.offset > file.size) {
        report.cursor = 'ahead';
        const error = edgeErrors.create('VIGIL_ERR_EDGE_SPOOL_CURSOR_AHEAD', { segment: file.name, offset: cursor.offset, size: file.size });
        logger.warn({ code: error.code, dir }, error.message);
      }
      startOffset = Math.min(cursor.offset, file.size);
      startNumber = max(cursor.number + 1n, file.first);
    }
    const scan = await scanSegment(file.path, startOffset, file.size);
    let size = file.size;
    if (scan.tail !== undefined) {
      if (i === files.length - 1) {
        size = await truncateTail(context, file.name, file.path, scan.tail, report);
      } else {
        scan.holes.push({ offset: scan.tail, bytes: file.size - scan.tail, records: 0 });
      }
    }
    found.push({ ...file, size, startOffset, startNumber, records: scan.records, recordBytes: scan.recordBytes, holes: scan.holes });
  }

  const segments: Segment[] = [];
  for (let i = 0; i < found.length; i++) {
    const segment = found[i]!;
    countLost(segment, files.find((file) => file.first > segment.first)?.first, report);
    for (const hole of segment.holes) reportHole(context, segment.name, hole, report);
    const end = segment.startNumber + BigInt(segment.records) + BigInt(sumRecords(segment.holes));
    nextNumber = max(nextNumber, end);
    if (segment.records === 0) {
      drop.push(segment.path);
      continue;
    }
    segments.push({
      first: segment.first,
      name: segment.name,
      path: segment.path,
      bytes: segment.size,
      visibleBytes: segment.size,
      pending: segment.records,
      pendingBytes: segment.recordBytes,
      startOffset: segment.startOffset,
      startNumber: segment.startNumber,
      holes: segment.holes,
      sealed: true,
    });
    report.pendingRecords += segment.records;
    report.pendingBytes += segment.recordBytes;
  }
  await deleteFiles(context, drop);
  report.deletedSegments = drop.length;
  report.segments = segments.length;
  return { segments, nextNumber, cursor, report };
}

async function listSegments(dir: string, report: SpoolRecoveryReport): Promise<Array<{ first: bigint; name: string; path: string; size: number }>> {
  const files: Array<{ first: bigint; name: string; path: string; size: number }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const first = entry.isFile() ? parseSegmentName(entry.name) : undefined;
    if (first === undefined) {
      if (entry.name !== CURSOR_FILE) report.ignoredFiles.push(entry.name);
      continue;
    }
    const path = join(dir, entry.name);
    files.push({ first, name: entry.name, path, size: (await stat(path)).size });
  }
  return files.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
}

/** Valid records from `from`, the corrupt regions between them, and where trailing garbage starts. */
async function scanSegment(path: string, from: number, size: number): Promise<{ records: number; recordBytes: number; holes: Hole[]; tail: number | undefined }> {
  const file = await open(path, 'r');
  const scratch = scanBuffer();
  const holes: Hole[] = [];
  let records = 0;
  let recordBytes = 0;
  try {
    let pos = from;
    while (pos < size) {
      const block = await readFrames(file, pos, size, scratch);
      records += block.frames.length;
      recordBytes += block.next - pos;
      pos = block.next;
      if (!block.bad) continue;
      const next = await findNextFrame(file, pos + 1, size);
      if (next === undefined) return { records, recordBytes, holes, tail: pos };
      holes.push({ offset: pos, bytes: next - pos, records: 0 });
      pos = next;
    }
  } finally {
    await file.close();
  }
  return { records, recordBytes, holes, tail: undefined };
}

/**
 * Sets how many records each hole lost. A following segment's first number bounds the total;
 * the newest segment has none, so each of its holes counts as one lost record (a lower bound).
 */
function countLost(segment: Found, nextFirst: bigint | undefined, report: SpoolRecoveryReport): void {
  if (segment.holes.length === 0) return;
  const total = nextFirst === undefined ? -1n : nextFirst - segment.startNumber - BigInt(segment.records);
  if (total < 0n) {
    report.corruptRecordsExact = false;
    for (const hole of segment.holes) hole.records = 1;
    return;
  }
  let remaining = total;
  segment.holes.forEach((hole, i) => {
    const records = i === segment.holes.length - 1 ? remaining : remaining > 0n ? 1n : 0n;
    hole.records = Number(records);
    remaining -= records;
  });
}

function reportHole(context: RecoveryContext, segment: string, hole: Hole, report: SpoolRecoveryReport): void {
  report.corruptions.push({ segment, offset: hole.offset, bytes: hole.bytes, records: hole.records });
  report.corruptBytes += hole.bytes;
  report.corruptRecords += hole.records;
  context.metrics.corruptBytes.inc(hole.bytes);
  context.metrics.corruptRecords.inc(hole.records);
  const error = edgeErrors.create('VIGIL_ERR_EDGE_SPOOL_CORRUPT', { segment, offset: hole.offset, bytes: hole.bytes, records: hole.records });
  context.logger.error({ code: error.code, dir: context.dir, segment, offset: hole.offset, bytes: hole.bytes, records: hole.records }, error.message);
}

/** Cuts a torn tail off the newest segment; returns the new size. */
async function truncateTail(context: RecoveryContext, name: string, path: string, tail: number, report: SpoolRecoveryReport): Promise<number> {
  const file = await open(path, 'r+');
  try {
    const bytes = (await file.stat()).size - tail;
    await file.truncate(tail);
    if (context.sync) await file.datasync();
    report.truncatedTailBytes += bytes;
    context.metrics.truncatedBytes.inc(bytes);
    const error = edgeErrors.create('VIGIL_ERR_EDGE_SPOOL_TORN_TAIL', { segment: name, bytes });
    context.logger.warn({ code: error.code, dir: context.dir, segment: name, offset: tail, bytes }, error.message);
  } finally {
    await file.close();
  }
  return tail;
}

async function deleteFiles(context: RecoveryContext, paths: readonly string[]): Promise<void> {
  for (const path of paths) await unlink(path);
  if (paths.length > 0 && context.sync) {
    await syncDirectory(context.dir);
    context.metrics.fsyncs.inc({ target: 'directory' });
  }
}

function sumRecords(holes: readonly Hole[]): number {
  return holes.reduce((sum, hole) => sum + hole.records, 0);
}

function max(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
