import type { BatchSigner, SequenceCounter } from '@vigil/provenance';
import { PackedEventsWriter, compressSignedBatch, eventIdAt, eventIdPrefix, type EcsEvent } from '@vigil/schema';

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
  /** `zstd`: the signed batch is published as one zstd frame. */
  compression: 'zstd' | 'none';
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
 * Numbers, stamps, encodes and signs a closed batch. Each event gets its deterministic
 * `event.id` and its `vigil.edge`/`vigil.batch` provenance; when the JSON-encoded events would
 * pass `maxBatchBytes`, the rest go into a following batch with the next sequence number.
 */
export function sealEvents(events: readonly EcsEvent[], context: SealContext): SealedBatch[] {
  const sealed: SealedBatch[] = [];
  const packed = context.packed;
  packed.clear();
  let sequence = context.sequence.next();
  let batch = batchStamp(context, sequence);
  for (const event of events) {
    packed.add(stamp(event, batch, packed.count));
    if (packed.count > 1 && packed.size > context.maxBatchBytes) {
      packed.removeLast();
      sealed.push(sign(context, sequence));
      sequence = context.sequence.next();
      batch = batchStamp(context, sequence);
      packed.clear();
      packed.add(stamp(event, batch, 0));
    }
  }
  sealed.push(sign(context, sequence));
  packed.clear();
  return sealed;
}

/** What every event of one batch gets: the id prefix and the edge's provenance. */
interface BatchStamp {
  idPrefix: string;
  edge: { id: string; boot_id: string };
  sequence: number;
}

function batchStamp(context: SealContext, sequence: bigint): BatchStamp {
  return { idPrefix: eventIdPrefix(context.edgeId, context.bootId, sequence), edge: { id: context.edgeId, boot_id: context.bootId }, sequence: Number(sequence) };
}

function stamp(event: EcsEvent, batch: BatchStamp, position: number): string {
  const ecs = (event.event ??= {});
  ecs.id = eventIdAt(batch.idPrefix, position);
  const vigil = (event.vigil ??= {});
  vigil.edge = batch.edge;
  vigil.batch = { sequence: batch.sequence, position };
  return JSON.stringify(event);
}

function sign(context: SealContext, sequence: bigint): SealedBatch {
  const header = { edgeId: context.edgeId, bootId: context.bootId, sequence, sentAtMs: context.now() };
  const signed = context.signer.signPacked(header, context.packed);
  return { sequence, bytes: context.compression === 'zstd' ? compressSignedBatch(signed) : signed, count: context.packed.count };
}
