import type { EcsEvent } from '@vigil/schema';

/**
 * The event an alert shows, from its text. The text passed the rules' scan; were it still not
 * JSON (the scan checks structure, not every escape), the alert is written without the event's
 * fields rather than not at all.
 */
export function parsedOrEmpty(text: string): EcsEvent {
  try {
    const event = JSON.parse(text) as unknown;
    return event !== null && typeof event === 'object' && !Array.isArray(event) ? (event as EcsEvent) : {};
  } catch {
    return {};
  }
}
