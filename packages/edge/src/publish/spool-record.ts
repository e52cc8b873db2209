import type { SealedBatch } from './seal.ts';

/**
 * One spool record holds the signed batches handed over together (so a group of batches is
 * written, fsynced and acknowledged as one, and never lands in the spool out of order):
 *
 *   u32 batch count, then per batch: u32 event count | u64 sequence | u32 length | SignedBatch bytes
 */
const BATCH_HEADER_BYTES = 4 + 8 + 4;

export function encodeSpoolRecord(batches: readonly SealedBatch[]): Buffer {
  let size = 4;
  for (const batch of batches) size += BATCH_HEADER_BYTES + batch.bytes.length;
  const record = Buffer.allocUnsafe(size);
  record.writeUInt32BE(batches.length, 0);
  let offset = 4;
  for (const batch of batches) {
    record.writeUInt32BE(batch.count, offset);
    record.writeBigUInt64BE(batch.sequence, offset + 4);
    record.writeUInt32BE(batch.bytes.length, offset + 12);
    batch.bytes.copy(record, offset + BATCH_HEADER_BYTES);
    offset += BATCH_HEADER_BYTES + batch.bytes.length;
  }
  return record;
}

/** Splits a record back into its batches; throws RangeError on a record this code did not write. */
export function decodeSpoolRecord(record: Buffer): SealedBatch[] {
  if (record.length < 4) throw new RangeError(`spool record of ${record.length} bytes has no batch count`);
  const count = record.readUInt32BE(0);
  const batches: SealedBatch[] = [];
  let offset = 4;
  for (let i = 0; i < count; i++) {
    if (offset + BATCH_HEADER_BYTES > record.length) throw new RangeError(`spool record ends inside the header of batch ${i + 1} of ${count}`);
    const events = record.readUInt32BE(offset);
    const sequence = record.readBigUInt64BE(offset + 4);
    const length = record.readUInt32BE(offset + 12);
    const start = offset + BATCH_HEADER_BYTES;
    if (start + length > record.length) throw new RangeError(`spool record ends inside batch ${i + 1} of ${count}`);
    batches.push({ sequence, count: events, bytes: record.subarray(start, start + length) });
    offset = start + length;
  }
  if (offset !== record.length) throw new RangeError(`spool record has ${record.length - offset} bytes after its last batch`);
  return batches;
}
