import type { EventBuilder } from './event-builder.ts';
import { actionType } from './field-setters.ts';

/**
 * Categorizes a record that describes traffic between two addresses (a firewall or proxy
 * log): `event.category: network`, `event.type: connection` plus `allowed`/`denied` when the
 * action says so. Leaves events alone that already have a category or name no peer address.
 */
export function finishNetwork(b: EventBuilder): void {
  const fields = b.fields;
  const event = b.event();
  if (event.category) return;
  if (!fields.source?.ip && !fields.destination?.ip) return;
  const verdict = event.action ? actionType(event.action) : undefined;
  if (!verdict && !fields.network?.transport && fields.destination?.port === undefined) return;
  event.category = ['network'];
  event.type = verdict ? ['connection', verdict] : ['connection'];
}
