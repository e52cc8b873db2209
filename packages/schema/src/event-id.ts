import { createHash } from 'node:crypto';

/**
 * The deterministic `event.id`: the same edge, boot, batch sequence and position always give
 * the same id, so a replayed or redelivered batch overwrites instead of duplicating.
 * 20 characters: 96 bits of SHA-256 over edge, boot and sequence (base64url, shared by the
 * batch, so it is hashed once per batch) and the position in base 36.
 */
export function eventId(edgeId: string, bootId: string, sequence: bigint, position: number): string {
  return eventIdAt(eventIdPrefix(edgeId, bootId, sequence), position);
}

/** The 16-character part of the ids that every event of one batch shares. */
export function eventIdPrefix(edgeId: string, bootId: string, sequence: bigint): string {
  return createHash('sha256').update(`${edgeId}\n${bootId}\n${sequence}`).digest('base64url').slice(0, 16);
}

/** The id of the event at `position` (0 to 36^4 - 1) of the batch with this prefix. */
export function eventIdAt(prefix: string, position: number): string {
  if (!Number.isInteger(position) || position < 0 || position >= 1_679_616) throw new RangeError(`event position ${position} is out of range`);
  return prefix + position.toString(36).padStart(4, '0');
}
