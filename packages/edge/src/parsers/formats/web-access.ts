import type { EcsEvent } from '@vigil/schema';
import { EventBuilder, isIpAddress, parseUint } from './event-builder.ts';
import { applyRequestLine, applyStatus, unescapeQuoted } from './http-fields.ts';
import { formatOffset, parseClfTime } from './time.ts';

/** Which web server wrote an access line: decides `event.module` and `event.dataset`. */
export type WebServer = 'nginx' | 'apache';

// NCSA common/combined, optionally after Apache's vhost_combined `%v:%p`. Quoted fields are
// runs of non-quote characters or backslash escapes, so a line is matched in one linear pass.
const ACCESS =
  /^(?:(\S+) )?(\S+) (\S+) (\S+) \[([^\]]{1,64})\] "((?:[^"\\]|\\.)*)" (\d{3}|-) (\d{1,18}|-)(?: "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)")?(?: "((?:[^"\\]|\\.)*)")?/s;
const PROBE = /^\S+ (?:\S+ )?\S+ \S+ \[\d{1,2}\/[A-Za-z]{3}\/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4}\] "/;
const FORWARDED_FOR = /^[0-9A-Fa-f.:]+(?:, ?[0-9A-Fa-f.:]+)*$/;

/** True when a message has the shape of a common/combined access line (for content probing). */
export function looksLikeAccessLine(message: string): boolean {
  return PROBE.test(message);
}

/**
 * One nginx or Apache access line in the common or combined format (also Apache's
 * `vhost_combined` and nginx's extra `"$http_x_forwarded_for"`) to ECS: `source.*`,
 * `user.name`, `@timestamp`, `http.*`, `url.*`, `user_agent.original`, `event.outcome`
 * from the status. Null when the line does not have that shape.
 */
export function parseAccessLine(message: string, server: WebServer): EcsEvent | null {
  const m = ACCESS.exec(message);
  if (!m) return null;
  const [, vhost, client, , user, time, request, status, bytes, referrer, agent, forwarded] = m;
  const when = parseClfTime(time!);
  if (!when) return null;
  const b = new EventBuilder(server, `${server}.access`);
  const event = b.event();
  event.category = ['web'];
  event.type = ['access'];
  b.timestamp(when.timestamp);
  if (when.offsetMinutes !== undefined) event.timezone = formatOffset(when.offsetMinutes);
  if (client !== '-') b.address(b.source(), client!);
  if (user !== '-') {
    b.user().name = user!;
    b.relatedUser(user!);
  }
  if (vhost) applyVirtualHost(b, vhost);
  const requestText = unescapeQuoted(request!);
  if (!applyRequestLine(b, requestText) && requestText !== '-' && requestText.length > 0) b.label('request', requestText);
  if (status !== '-') applyStatus(b, Number(status));
  const http = b.http();
  // CLF writes `-` for a response without a body.
  const size = bytes === '-' ? 0 : parseUint(bytes!);
  if (size >= 0) http.response = { ...http.response, body: { bytes: size } };
  if (referrer !== undefined && referrer !== '-' && referrer.length > 0) http.request = { ...http.request, referrer: unescapeQuoted(referrer) };
  if (agent !== undefined && agent !== '-' && agent.length > 0) b.fields.user_agent = { original: unescapeQuoted(agent) };
  if (forwarded !== undefined && FORWARDED_FOR.test(forwarded)) b.label('forwarded_for', forwarded);
  return b.build();
}

function applyVirtualHost(b: EventBuilder, vhost: string): void {
  const colon = vhost.lastIndexOf(':');
  const port = colon > 0 ? parseUint(vhost.slice(colon + 1)) : -1;
  const host = port >= 0 && port <= 65535 ? vhost.slice(0, colon) : vhost;
  const destination = b.destination();
  // The vhost is the name the server answered as, not a peer address: no related.* entry.
  destination.address = host;
  if (isIpAddress(host)) destination.ip = host;
  else destination.domain = host;
  if (port >= 0 && port <= 65535) destination.port = port;
}
