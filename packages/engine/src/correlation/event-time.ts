import type { EcsEvent } from '@vigil/schema';

/**
 * The time detection puts an event at. Vigil's choice:
 *
 *   time = @timestamp (what the source says), but never later than event.created (when the
 *   edge received it) nor event.ingested (when the core received it), and never earlier than
 *   event.created − maxEventDelayMs.
 *
 * The source's own clock orders events that arrive together, so a burst spooled at an edge
 * keeps its real spacing. The bounds stop a source (or a skewed edge) from pushing events into
 * the future, where they would hold correlation windows open or expire other groups' state,
 * and from back-dating them far enough to slip outside every window. Missing or unparsable
 * times fall back to the next one in the list; with none at all the caller's fallback (the
 * latest time the engine has seen) is used.
 */
export function eventTimeMs(event: EcsEvent, maxEventDelayMs: number): number | undefined {
  return eventTimeOf(event['@timestamp'], event.event?.created, event.event?.ingested, maxEventDelayMs);
}

/** `eventTimeMs` from the three times as read (anything but a string counts as missing). */
export function eventTimeOf(timestamp: unknown, createdAt: unknown, ingestedAt: unknown, maxEventDelayMs: number): number | undefined {
  const source = parse(timestamp);
  const created = parse(createdAt);
  const ingested = parse(ingestedAt);
  let time = source ?? created ?? ingested;
  if (time === undefined) return undefined;
  if (created !== undefined) time = Math.max(Math.min(time, created), created - maxEventDelayMs);
  if (ingested !== undefined) time = Math.min(time, ingested);
  return time;
}

function parse(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
