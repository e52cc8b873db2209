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
  const source = parse(event['@timestamp']);
  const created = parse(event.event?.created);
  const ingested = parse(event.event?.ingested);
  let time = source ?? created ?? ingested;
  if (time === undefined) return undefined;
  if (created !== undefined) time = Math.max(Math.min(time, created), created - maxEventDelayMs);
  if (ingested !== undefined) time = Math.min(time, ingested);
  return time;
}

function parse(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
