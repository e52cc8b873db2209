import type { EcsEvent } from '@vigil/schema';
import { EventBuilder, isIpAddress, parseUint } from './event-builder.ts';
import { applyRequestLine } from './http-fields.ts';
import { isoFromParts, monthNumber } from './time.ts';

const NGINX_HEAD = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2}) \[([a-z]{1,8})\] (\d{1,10})#(\d{1,10}): (?:\*(\d{1,20}) )?/;
const APACHE_HEAD = /^\[([^\]]{1,64})\] \[(?:([^:\]\s]{1,64}):)?([a-z]{1,8}\d?)\] (?:\[pid (\d{1,10})(?::tid (\d{1,20}))?\] )?(?:(\S{1,256}\.c\(\d{1,9}\)): )?(?:\((-?\d{1,9})\)[^:[\]]{0,256}: )?(?:\[(?:client|remote) ([^\]\s]{1,128})\] )?(?:(AH\d{5}): )?/;
const APACHE_TIME = /^[A-Za-z]{3} ([A-Za-z]{3}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? (\d{4})$/;
const NGINX_PROBE = /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} \[[a-z]{1,8}\] \d{1,10}#\d{1,10}: /;
const APACHE_PROBE = /^\[[A-Za-z]{3} [A-Za-z]{3} +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d{1,9})? \d{4}\] \[[^\]\s]{1,128}\] /;
const REQUEST_IN_TEXT = /(?:^|\s)request (\S+ \S+ HTTP\/\d(?:\.\d)?)/;
const ERROR_LEVELS: ReadonlySet<string> = new Set(['error', 'crit', 'alert', 'emerg']);
// nginx appends these, in this order, after `, client: ..., server: ...`.
const NGINX_CONTEXT_KEYS = ['request', 'subrequest', 'upstream', 'host', 'referrer'] as const;
type NginxContextKey = (typeof NGINX_CONTEXT_KEYS)[number];
const NGINX_CONTEXT_MARKERS = NGINX_CONTEXT_KEYS.map((key) => `, ${key}: "`);

/** True for the start of an nginx error-log line (`2026/11/24 10:00:00 [error] 1234#1234: `). */
export function looksLikeNginxError(message: string): boolean {
  return NGINX_PROBE.test(message);
}

/** True for the start of an Apache error-log line (`[Tue Nov 24 10:00:00.123456 2026] [core:error] `). */
export function looksLikeApacheError(message: string): boolean {
  return APACHE_PROBE.test(message);
}

/**
 * One nginx error-log line to ECS: `log.level`, `process.pid`/`thread.id`, `message` (and
 * `error.message` from level `error` up), and from nginx's request context `source.ip`,
 * `destination.domain` (the server block), `http.request.*`, `url.*`.
 */
export function parseNginxError(message: string): EcsEvent | null {
  const m = NGINX_HEAD.exec(message);
  if (!m) return null;
  const timestamp = isoFromParts({ year: Number(m[1]), month: Number(m[2]), day: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]) });
  if (!timestamp) return null;
  const level = m[7]!;
  const b = errorEvent('nginx', level, timestamp);
  const process = b.process();
  process.pid = Number(m[8]);
  process.thread = { id: Number(m[9]) };
  if (m[10]) b.label('connection_id', m[10]);
  const rest = message.slice(m[0].length);
  const split = splitNginxContext(rest);
  setErrorText(b, level, split ? rest.slice(0, split.at) : rest);
  if (split) applyNginxContext(b, split.context);
  return b.build();
}

/**
 * One Apache httpd 2.2/2.4 error-log line to ECS: `log.level`, `log.logger` (the module),
 * `process.pid`/`thread.id`, `source.ip`/`port`, `event.code` (`AH00126`), `error.code` (an
 * OS errno), `message`, the request a message names, and the `, referer:` httpd appends.
 */
export function parseApacheError(message: string): EcsEvent | null {
  const m = APACHE_HEAD.exec(message);
  if (!m) return null;
  const [head, time, module, level, pid, tid, sourceFile, errno, client, code] = m;
  const timestamp = apacheTime(time!);
  if (!timestamp) return null;
  const b = errorEvent('apache', level!, timestamp);
  if (module) b.log().logger = module;
  if (pid) b.process().pid = Number(pid);
  if (tid) b.process().thread = { id: Number(tid) };
  if (sourceFile) b.label('source_file', sourceFile);
  if (errno) b.fields.error = { code: errno };
  if (client) applyApacheClient(b, client);
  if (code) b.event().code = code;
  let text = message.slice(head.length);
  const referer = text.lastIndexOf(', referer: ');
  if (referer >= 0) {
    const value = text.slice(referer + 11);
    if (value.length > 0 && !value.includes(' ')) {
      b.http().request = { referrer: value };
      text = text.slice(0, referer);
    }
  }
  setErrorText(b, level!, text);
  const request = REQUEST_IN_TEXT.exec(text);
  if (request) applyRequestLine(b, request[1]!);
  return b.build();
}

function errorEvent(server: 'nginx' | 'apache', level: string, timestamp: string): EventBuilder {
  const b = new EventBuilder(server, `${server}.error`);
  const event = b.event();
  event.category = ['web'];
  event.type = [ERROR_LEVELS.has(level) ? 'error' : 'info'];
  b.timestamp(timestamp);
  b.log().level = level;
  return b;
}

function setErrorText(b: EventBuilder, level: string, text: string): void {
  if (text.length === 0) return;
  b.message(text);
  if (ERROR_LEVELS.has(level)) {
    const error = (b.fields.error ??= {});
    error.message = text;
  }
}

function apacheTime(text: string): string | null {
  const m = APACHE_TIME.exec(text);
  if (!m) return null;
  const month = monthNumber(m[1]!);
  if (month === undefined) return null;
  return isoFromParts({ year: Number(m[7]), month, day: Number(m[2]), hour: Number(m[3]), minute: Number(m[4]), second: Number(m[5]), fraction: m[6] });
}

/** `[client 203.0.113.9:51234]` (2.4), `[client 2001:db8::1:51234]`, or `[client 127.0.0.1]` (2.2). */
function applyApacheClient(b: EventBuilder, client: string): void {
  const colon = client.lastIndexOf(':');
  if (colon > 0) {
    const host = client.slice(0, colon);
    const port = parseUint(client.slice(colon + 1));
    if (isIpAddress(host) && port >= 0 && port <= 65535) {
      b.ip(b.source(), host);
      b.source().port = port;
      return;
    }
  }
  if (!b.ip(b.source(), client)) b.address(b.source(), client);
}

interface NginxContext {
  client: string;
  server: string;
  values: Partial<Record<NginxContextKey, string>>;
}

/**
 * Finds where nginx's `, client: ...` context starts. The error text before it can hold
 * request data (a decoded path in `open() "..."`), and the referrer after it can too, so the
 * first `, client: ` from which the whole rest reads as a context wins.
 */
function splitNginxContext(rest: string): { at: number; context: NginxContext } | null {
  let at = rest.indexOf(', client: ');
  // Each try may read to the end of the line: a bound keeps a crafted line linear.
  for (let tries = 0; at >= 0 && tries < 8; tries++) {
    const context = readNginxContext(rest, at + 10);
    if (context) return { at, context };
    at = rest.indexOf(', client: ', at + 10);
  }
  return null;
}

function readNginxContext(text: string, start: number): NginxContext | null {
  let end = text.indexOf(', ', start);
  if (end < 0) end = text.length;
  const client = text.slice(start, end);
  if (!isIpAddress(client) && !client.startsWith('unix:')) return null;
  if (!text.startsWith(', server: ', end)) return null;
  let pos = end + 10;
  end = text.indexOf(', ', pos);
  if (end < 0) end = text.length;
  const server = text.slice(pos, end);
  if (server.includes(' ')) return null;
  pos = end;
  const values: NginxContext['values'] = {};
  let keyIndex = 0;
  while (pos < text.length) {
    let key: NginxContextKey | undefined;
    for (; keyIndex < NGINX_CONTEXT_KEYS.length; keyIndex++) {
      if (text.startsWith(NGINX_CONTEXT_MARKERS[keyIndex]!, pos)) {
        key = NGINX_CONTEXT_KEYS[keyIndex]!;
        break;
      }
    }
    if (!key) return null;
    const valueStart = pos + key.length + 5;
    const valueEnd = quotedEnd(text, valueStart, keyIndex + 1);
    if (valueEnd < 0) return null;
    values[key] = text.slice(valueStart, valueEnd);
    pos = valueEnd + 1;
    keyIndex++;
  }
  return { client, server, values };
}

/** The closing quote of a context value: one followed by the end or by a later context key. */
function quotedEnd(text: string, from: number, nextKey: number): number {
  let quote = text.indexOf('"', from);
  while (quote >= 0) {
    if (quote === text.length - 1) return quote;
    // Every marker starts with `, `: most quotes inside a value are ruled out by one comparison.
    if (text.charCodeAt(quote + 1) === 0x2c) for (let k = nextKey; k < NGINX_CONTEXT_MARKERS.length; k++) if (text.startsWith(NGINX_CONTEXT_MARKERS[k]!, quote + 1)) return quote;
    quote = text.indexOf('"', quote + 1);
  }
  return -1;
}

function applyNginxContext(b: EventBuilder, context: NginxContext): void {
  if (!b.ip(b.source(), context.client)) b.source().address = context.client;
  if (context.server.length > 0) applyServerName(b, context.server);
  const { request, subrequest, upstream, host, referrer } = context.values;
  if (request && !applyRequestLine(b, request)) b.label('request', request);
  if (subrequest) b.label('subrequest', subrequest);
  if (upstream) b.label('upstream', upstream);
  if (host) {
    const url = b.url();
    const colon = host.lastIndexOf(':');
    const port = colon > 0 && host.indexOf(':') === colon ? parseUint(host.slice(colon + 1)) : -1;
    url.domain ??= port >= 0 ? host.slice(0, colon) : host;
    if (port >= 0 && port <= 65535) url.port ??= port;
  }
  if (referrer) b.http().request = { ...b.http().request, referrer };
}

/** The `server:` of nginx's context: a server_name, or the `listen` address (`0.0.0.0:443`) when the block has none. */
function applyServerName(b: EventBuilder, server: string): void {
  const destination = b.destination();
  const colon = server.lastIndexOf(':');
  const port = colon > 0 ? parseUint(server.slice(colon + 1)) : -1;
  const host = port >= 0 && port <= 65535 && !isIpAddress(server) ? server.slice(0, colon).replace(/^\[(.*)\]$/, '$1') : server;
  if (host !== server) destination.port = port;
  destination.address = host;
  if (isIpAddress(host)) destination.ip = host;
  else destination.domain = host;
}
