import type { BatchSigner, SequenceCounter } from '@vigil/provenance';
import { eventIdAt, eventIdPrefix, type EcsEvent } from '@vigil/schema';

/** What sealing needs: the edge's identity, its sequence and the batch size limit. */
export interface SealContext {
  edgeId: string;
  bootId: string;
  signer: BatchSigner;
  sequence: SequenceCounter;
  maxBatchBytes: number;
  now: () => number;
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
  let sequence = context.sequence.next();
  let batch = batchStamp(context, sequence);
  let encoded: Buffer[] = [];
  let bytes = 0;
  for (const event of events) {
    let json = stamp(event, batch, encoded.length);
    if (encoded.length > 0 && bytes + json.length > context.maxBatchBytes) {
      sealed.push(sign(context, sequence, encoded));
      sequence = context.sequence.next();
      batch = batchStamp(context, sequence);
      encoded = [];
      bytes = 0;
      json = stamp(event, batch, 0);
    }
    encoded.push(json);
    bytes += json.length;
  }
  sealed.push(sign(context, sequence, encoded));
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

function stamp(event: EcsEvent, batch: BatchStamp, position: number): Buffer {
  const ecs = (event.event ??= {});
  ecs.id = eventIdAt(batch.idPrefix, position);
  const vigil = (event.vigil ??= {});
  vigil.edge = batch.edge;
  vigil.batch = { sequence: batch.sequence, position };
  return Buffer.from(JSON.stringify(event));
}

function sign(context: SealContext, sequence: bigint, events: Buffer[]): SealedBatch {
  const signed = context.signer.sign({ edgeId: context.edgeId, bootId: context.bootId, sequence, sentAtMs: context.now(), events });
  return { sequence, bytes: Buffer.from(signed.buffer, signed.byteOffset, signed.byteLength), count: events.length };
}
