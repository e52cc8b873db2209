import type { BatchSigner, SequenceCounter } from '@vigil/provenance';
import { PackedEventsWriter, ScratchBuffer, eventIdAt, eventIdPrefix, type EcsEvent } from '@vigil/schema';

/** What sealing needs: the edge's identity, its sequence and the batch size limit. */
export interface SealContext {
  edgeId: string;
  bootId: string;
  signer: BatchSigner;
  sequence: SequenceCounter;
  maxBatchBytes: number;
  now: () => number;
  /** Where a batch's events are JSON-encoded before signing; reused batch after batch. */
  packed: PackedEventsWriter;
  /** `zstd`: the batch is compressed as one zstd frame inside the signed batch, and signed as such. */
  compression: 'zstd' | 'none';
  /** Where a batch is encoded before it is compressed; reused batch after batch. */
  signed: ScratchBuffer;
}

/** A signed batch ready for the bus. */
export interface SealedBatch {
  sequence: bigint;
  /** The `SignedBatch` bytes to publish. */
  bytes: Buffer;
  /** Events in the batch. */
  count: number;
}

/**
 * JSON bytes a batch may hold before it is closed. Uncompressed, that is the bus message limit;
 * zstd-framed, four times as much (ECS JSON shrinks about eightfold), and a batch that does not
 * compress enough is split after the fact (see `sealEvents`).
 */
export function rawBatchBytes(maxBatchBytes: number, compression: 'zstd' | 'none'): number {
  return compression === 'zstd' ? maxBatchBytes * ZSTD_RAW_FACTOR : maxBatchBytes;
}

const ZSTD_RAW_FACTOR = 4;

/**
 * Numbers, stamps, encodes and signs a closed batch. Each event gets its deterministic
 * `event.id` and its `vigil.edge`/`vigil.batch` provenance; when the JSON-encoded events would
 * pass the raw limit, the rest go into a following batch with the next sequence number. A
 * zstd-framed batch still larger than `maxBatchBytes` (content that hardly compresses) gives its
 * sequence number back and is sealed again as two halves, so every batch fits a bus message and
 * the sequence has no gap.
 */
export function sealEvents(events: readonly EcsEvent[], context: SealContext): SealedBatch[] {
  const sealed: SealedBatch[] = [];
  let first = 0;
  while (first < events.length) first = sealFrom(events, first, events.length, context, sealed);
  context.packed.clear();
  return sealed;
}

/** Seals one batch from `events[first]`, as many as fit before `end`; returns the index after its last event. */
function sealFrom(events: readonly EcsEvent[], first: number, end: number, context: SealContext, sealed: SealedBatch[]): number {
  const { packed } = context;
  const rawLimit = rawBatchBytes(context.maxBatchBytes, context.compression);
  packed.clear();
  const sequence = context.sequence.next();
  const batch = batchStamp(context, sequence);
  let last = first;
  for (; last < end; last++) {
    packed.add(stamp(events[last]!, batch, packed.count));
    if (packed.count > 1 && packed.size > rawLimit) {
      packed.removeLast();
      break;
    }
  }
  const bytes = encode(context, sequence);
  if (context.compression === 'zstd' && bytes.length > context.maxBatchBytes && last - first > 1) {
    context.sequence.giveBack(sequence);
    return sealFrom(events, first, first + Math.ceil((last - first) / 2), context, sealed);
  }
  sealed.push({ sequence, bytes, count: last - first });
  return last;
}

/** What every event of one batch gets: the id prefix and the edge's provenance. */
export interface BatchStamp {
  idPrefix: string;
  edge: { id: string; boot_id: string };
  sequence: number;
}

export function batchStamp(context: Pick<SealContext, 'edgeId' | 'bootId'>, sequence: bigint): BatchStamp {
  return { idPrefix: eventIdPrefix(context.edgeId, context.bootId, sequence), edge: { id: context.edgeId, boot_id: context.bootId }, sequence: Number(sequence) };
}

/** Sets the event's id and provenance for its place in the batch; returns its JSON. */
export function stamp(event: EcsEvent, batch: BatchStamp, position: number): string {
  const ecs = (event.event ??= {});
  ecs.id = eventIdAt(batch.idPrefix, position);
  const vigil = (event.vigil ??= {});
  vigil.edge = batch.edge;
  vigil.batch = { sequence: batch.sequence, position };
  return JSON.stringify(event);
}

/** Signs the packed events as batch `sequence` and frames them as configured: the bytes to publish. */
export function encode(context: SealContext, sequence: bigint): Buffer {
  const header = { edgeId: context.edgeId, bootId: context.bootId, sequence, sentAtMs: context.now() };
  if (context.compression === 'none') return context.signer.signPacked(header, context.packed);
  return context.signer.signPackedCompressed(header, context.packed, context.signed);
}
