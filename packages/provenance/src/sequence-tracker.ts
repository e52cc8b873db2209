/**
 * The verifier side of sequence numbers. Per edge it remembers the last sequence seen; per bus
 * partition the highest offset processed. A message at an offset already processed is a
 * redelivery (the consumer restarted before committing) and is harmless; an old sequence at a
 * new offset is a replay; a jump within the same boot means batches went missing.
 */
export type SequenceVerdict =
  | { kind: 'in-order' }
  | { kind: 'new-boot' }
  | { kind: 'gap'; missing: bigint }
  | { kind: 'replay'; lastSeen: bigint }
  | { kind: 'redelivery' };

interface EdgeSequence {
  bootId: string;
  sequence: bigint;
}

export interface SequenceTrackerSnapshot {
  edges: Record<string, { bootId: string; sequence: string }>;
  offsets: Record<string, string>;
}

export class SequenceTracker {
  readonly #edges = new Map<string, EdgeSequence>();
  readonly #offsets = new Map<string, bigint>();

  observe(edgeId: string, bootId: string, sequence: bigint, at: { topic: string; partition: number; offset: string }): SequenceVerdict {
    const partitionKey = `${at.topic}/${at.partition}`;
    const offset = BigInt(at.offset);
    const processedUpTo = this.#offsets.get(partitionKey);
    if (processedUpTo !== undefined && offset <= processedUpTo) return { kind: 'redelivery' };
    this.#offsets.set(partitionKey, offset);

    const last = this.#edges.get(edgeId);
    if (last && sequence <= last.sequence) return { kind: 'replay', lastSeen: last.sequence };
    this.#edges.set(edgeId, { bootId, sequence });
    if (!last) return { kind: 'in-order' };
    if (last.bootId !== bootId) return { kind: 'new-boot' };
    if (sequence === last.sequence + 1n) return { kind: 'in-order' };
    return { kind: 'gap', missing: sequence - last.sequence - 1n };
  }

  snapshot(): SequenceTrackerSnapshot {
    const edges: SequenceTrackerSnapshot['edges'] = {};
    for (const [edgeId, state] of this.#edges) edges[edgeId] = { bootId: state.bootId, sequence: state.sequence.toString() };
    const offsets: SequenceTrackerSnapshot['offsets'] = {};
    for (const [key, offset] of this.#offsets) offsets[key] = offset.toString();
    return { edges, offsets };
  }

  restore(snapshot: SequenceTrackerSnapshot): void {
    this.#edges.clear();
    this.#offsets.clear();
    for (const [edgeId, state] of Object.entries(snapshot.edges)) this.#edges.set(edgeId, { bootId: state.bootId, sequence: BigInt(state.sequence) });
    for (const [key, offset] of Object.entries(snapshot.offsets)) this.#offsets.set(key, BigInt(offset));
  }
}
