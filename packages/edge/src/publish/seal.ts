import type { BatchSigner, SequenceCounter } from '@vigil/provenance';
import { eventId, type EcsEvent } from '@vigil/schema';

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
  let encoded: Buffer[] = [];
  let bytes = 0;
  for (const event of events) {
    let json = stamp(event, context, sequence, encoded.length);
    if (encoded.length > 0 && bytes + json.length > context.maxBatchBytes) {
      sealed.push(sign(context, sequence, encoded));
      sequence = context.sequence.next();
      encoded = [];
      bytes = 0;
      json = stamp(event, context, sequence, 0);
    }
    encoded.push(json);
    bytes += json.length;
  }
  sealed.push(sign(context, sequence, encoded));
  return sealed;
}

function stamp(event: EcsEvent, context: SealContext, sequence: bigint, position: number): Buffer {
  const ecs = (event.event ??= {});
  ecs.id = eventId(context.edgeId, context.bootId, sequence, position);
  const vigil = (event.vigil ??= {});
  vigil.edge = { id: context.edgeId, boot_id: context.bootId };
  vigil.batch = { sequence: Number(sequence), position };
  return Buffer.from(JSON.stringify(event));
}

function sign(context: SealContext, sequence: bigint, events: Buffer[]): SealedBatch {
  const signed = context.signer.sign({ edgeId: context.edgeId, bootId: context.bootId, sequence, sentAtMs: context.now(), events });
  return { sequence, bytes: Buffer.from(signed.buffer, signed.byteOffset, signed.byteLength), count: events.length };
}
