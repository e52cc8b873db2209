/**
 * The verifier side of sequence numbers. Per edge it remembers the last sequence seen; per bus
 * partition the highest offset processed. A message at an offset already processed is a
 * redelivery (the consumer restarted before committing) and is harmless; an old sequence at a
 * new offset is a replay — unless it is byte for byte a batch seen recently (an edge resending
 * from its spool after a crash), which is a resend and equally harmless; a jump within the
 * same boot means batches went missing.
 */
export type SequenceVerdict =
  | { kind: 'in-order' }
  | { kind: 'new-boot' }
  | { kind: 'gap'; missing: bigint }
  | { kind: 'replay'; lastSeen: bigint }
  | { kind: 'redelivery' }
  | { kind: 'resend' };

/** How many recent batch digests are kept per edge to recognise a resend from its spool. */
const RECENT_DIGESTS = 256;

interface EdgeSequence {
  bootId: string;
  sequence: bigint;
  /** sequence → digest of the signed batch, oldest first. */
  recent: Map<string, string>;
}

export interface SequenceTrackerSnapshot {
  edges: Record<string, { bootId: string; sequence: string; recent?: Record<string, string> }>;
  offsets: Record<string, string>;
}

export class SequenceTracker {
  readonly #edges = new Map<string, EdgeSequence>();
  readonly #offsets = new Map<string, bigint>();

  /** `digest` identifies the exact signed bytes (a hash), so a resend can be told from a replay. */
  observe(edgeId: string, bootId: string, sequence: bigint, at: { topic: string; partition: number; offset: string }, digest?: string): SequenceVerdict {
    const partitionKey = `${at.topic}/${at.partition}`;
    const offset = BigInt(at.offset);
    const processedUpTo = this.#offsets.get(partitionKey);
    if (processedUpTo !== undefined && offset <= processedUpTo) return { kind: 'redelivery' };
    this.#offsets.set(partitionKey, offset);

    const last = this.#edges.get(edgeId);
    if (last && sequence <= last.sequence) {
      if (digest !== undefined && last.recent.get(sequence.toString()) === digest) return { kind: 'resend' };
      return { kind: 'replay', lastSeen: last.sequence };
    }
    const recent = last?.recent ?? new Map<string, string>();
    if (digest !== undefined) {
      recent.set(sequence.toString(), digest);
      if (recent.size > RECENT_DIGESTS) recent.delete(recent.keys().next().value!);
    }
    this.#edges.set(edgeId, { bootId, sequence, recent });
    if (!last) return { kind: 'in-order' };
    if (last.bootId !== bootId) return { kind: 'new-boot' };
    if (sequence === last.sequence + 1n) return { kind: 'in-order' };
    return { kind: 'gap', missing: sequence - last.sequence - 1n };
  }

  snapshot(): SequenceTrackerSnapshot {
    const edges: SequenceTrackerSnapshot['edges'] = {};
    for (const [edgeId, state] of this.#edges) edges[edgeId] = { bootId: state.bootId, sequence: state.sequence.toString(), recent: Object.fromEntries(state.recent) };
    const offsets: SequenceTrackerSnapshot['offsets'] = {};
    for (const [key, offset] of this.#offsets) offsets[key] = offset.toString();
    return { edges, offsets };
  }

  restore(snapshot: SequenceTrackerSnapshot): void {
    this.#edges.clear();
    this.#offsets.clear();
    for (const [edgeId, state] of Object.entries(snapshot.edges)) {
      this.#edges.set(edgeId, { bootId: state.bootId, sequence: BigInt(state.sequence), recent: new Map(Object.entries(state.recent ?? {})) });
    }
    for (const [key, offset] of Object.entries(snapshot.offsets)) this.#offsets.set(key, BigInt(offset));
  }
}
