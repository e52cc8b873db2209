import { batchStamp, stamp } from '@vigil/edge';
import type { BatchSigner } from '@vigil/provenance';
import { compressSignedBatch, type EcsEvent } from '@vigil/schema';

/**
 * One batch of events as an edge publishes it: each event stamped as the edge's sealing stamps
 * it (its deterministic `event.id`, `vigil.edge`, `vigil.batch`; the events are changed in
 * place), JSON-encoded, signed and compressed as one zstd frame.
 */
export function edgeBatch(signer: BatchSigner, bootId: string, sequence: bigint, events: readonly EcsEvent[]): Buffer {
  const batch = batchStamp({ edgeId: signer.edgeId, bootId }, sequence);
  const texts = events.map((event, position) => Buffer.from(stamp(event, batch, position)));
  return compressSignedBatch(signer.sign({ edgeId: signer.edgeId, bootId, sequence, sentAtMs: Date.now(), events: texts }));
}
