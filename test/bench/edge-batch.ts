import { batchStamp, stamp } from '@vigil/edge';
import type { BatchSigner } from '@vigil/provenance';
import { PackedEventsWriter, ScratchBuffer, type EcsEvent } from '@vigil/schema';

/**
 * One batch of events as an edge publishes it: each event stamped as the edge's sealing stamps
 * it (its deterministic `event.id`, `vigil.edge`, `vigil.batch`; the events are changed in
 * place), JSON-encoded, compressed as one zstd frame and signed.
 */
export function edgeBatch(signer: BatchSigner, bootId: string, sequence: bigint, events: readonly EcsEvent[]): Buffer {
  const batch = batchStamp({ edgeId: signer.edgeId, bootId }, sequence);
  const packed = new PackedEventsWriter();
  events.forEach((event, position) => packed.add(stamp(event, batch, position)));
  return signer.signPackedCompressed({ edgeId: signer.edgeId, bootId, sequence, sentAtMs: Date.now() }, packed, new ScratchBuffer());
}
