import type { VerifiedBatch } from '@vigil/provenance';
import type { StorableEvent } from '@vigil/store';

export interface DecodedEvents {
  events: StorableEvent[];
  /** Positions in the batch whose bytes were not a JSON object with an id. */
  badPositions: number[];
}

/**
 * Turns a verified batch into events ready to store, stamping core receipt time and the
 * signature status. The edge already validated each event against the ECS schema and the
 * signature proves the bytes are the edge's, so only the JSON shape is checked here.
 */
export function decodeVerifiedEvents(verified: VerifiedBatch, ingestedAt: string): DecodedEvents {
  const events: StorableEvent[] = [];
  const badPositions: number[] = [];
  const decoder = new TextDecoder();
  verified.batch.events.forEach((bytes, position) => {
    let event: StorableEvent;
    try {
      event = JSON.parse(decoder.decode(bytes)) as StorableEvent;
    } catch {
      badPositions.push(position);
      return;
    }
    if (!event || typeof event !== 'object' || typeof event.event?.id !== 'string' || typeof event['@timestamp'] !== 'string') {
      badPositions.push(position);
      return;
    }
    event.event.ingested = ingestedAt;
    event.vigil = { ...event.vigil, signature: { status: 'verified', key_id: verified.keyId } };
    events.push(event);
  });
  return { events, badPositions };
}
