import { createHash } from 'node:crypto';

/**
 * The deterministic `event.id`: the same edge, boot, batch sequence and position always give
 * the same id, so a replayed or redelivered batch overwrites instead of duplicating.
 * 120 bits of SHA-256, base64url: 20 characters.
 */
export function eventId(edgeId: string, bootId: string, sequence: bigint, position: number): string {
  return createHash('sha256').update(`${edgeId}\n${bootId}\n${sequence}\n${position}`).digest('base64url').slice(0, 20);
}
