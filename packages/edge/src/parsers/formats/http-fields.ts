import type { EventBuilder } from './event-builder.ts';
import { parseUint } from './event-builder.ts';

const METHOD = /^[A-Z][A-Z_-]{0,31}$/;
const VERSION = /^HTTP\/(\d(?:\.\d)?)$/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]{0,15}):\/\//;
const EXTENSION = /^[A-Za-z0-9_-]{1,16}$/;

/**
 * An HTTP request line (`GET /a?b=1 HTTP/1.1`, or HTTP/0.9's `GET /`) to `http.request.method`,
 * `http.version` and `url.*`. Returns false, setting nothing, when it is not one: a TLS
 * handshake sent to a plain-HTTP port (`\x16\x03\x01`), `-`, garbage.
 */
export function applyRequestLine(b: EventBuilder, request: string): boolean {
  const first = request.indexOf(' ');
  if (first <= 0) return false;
  const method = request.slice(0, first);
  if (!METHOD.test(method)) return false;
  const last = request.lastIndexOf(' ');
  let target: string;
  let version: string | undefined;
  if (last > first) {
    const m = VERSION.exec(request.slice(last + 1));
    if (!m) return false;
    version = m[1];
    // Apache logs a request with a space in its target as it came; the target is everything between.
    target = request.slice(first + 1, last);
  } else {
    target = request.slice(first + 1);
  }
  if (target.length === 0) return false;
  const http = b.http();
  http.request = { ...http.request, method };
  if (version) http.version = version;
  applyUrl(b, target);
  return true;
}

/**
 * A URL as a request carries it to `url.original` and its parts: origin-form (`/p/a.php?q`),
 * absolute-form (`http://host:8080/p`, proxies) or authority-form (`host:443`, CONNECT).
 * Nothing is decoded, so `..%2f` stays visible to detection rules.
 */
export function applyUrl(b: EventBuilder, target: string): void {
  const url = b.url();
  url.original = target;
  let rest = target;
  const scheme = SCHEME.exec(target);
  if (scheme) {
    url.scheme = scheme[1]!.toLowerCase();
    rest = target.slice(scheme[0].length);
    let end = 0;
    while (end < rest.length) {
      const c = rest.charCodeAt(end);
      if (c === 0x2f /* / */ || c === 0x3f /* ? */ || c === 0x23 /* # */) break;
      end++;
    }
    applyAuthority(b, rest.slice(0, end));
    rest = rest.slice(end);
  } else if (target.charCodeAt(0) !== 0x2f) {
    if (target !== '*') applyAuthority(b, target);
    return;
  }
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    url.fragment = rest.slice(hash + 1);
    rest = rest.slice(0, hash);
  }
  const question = rest.indexOf('?');
  if (question >= 0) {
    url.query = rest.slice(question + 1);
    rest = rest.slice(0, question);
  }
  if (rest.length === 0) return;
  url.path = rest;
  const slash = rest.lastIndexOf('/');
  const dot = rest.lastIndexOf('.');
  if (dot > slash + 1) {
    const extension = rest.slice(dot + 1);
    if (EXTENSION.test(extension)) url.extension = extension;
  }
}

function applyAuthority(b: EventBuilder, authority: string): void {
  const at = authority.lastIndexOf('@');
  const hostPort = at >= 0 ? authority.slice(at + 1) : authority;
  const url = b.url();
  if (at >= 0) {
    const userInfo = authority.slice(0, at);
    const colon = userInfo.indexOf(':');
    url.username = colon >= 0 ? userInfo.slice(0, colon) : userInfo;
  }
  let host = hostPort;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close < 0) return;
    host = hostPort.slice(1, close);
    const port = hostPort.charCodeAt(close + 1) === 0x3a ? parseUint(hostPort.slice(close + 2)) : -1;
    if (port >= 0 && port <= 65535) url.port = port;
  } else {
    const colon = hostPort.lastIndexOf(':');
    if (colon >= 0 && hostPort.indexOf(':') === colon) {
      host = hostPort.slice(0, colon);
      const port = parseUint(hostPort.slice(colon + 1));
      if (port >= 0 && port <= 65535) url.port = port;
    }
  }
  if (host.length > 0) url.domain = host;
}

/** Sets `http.response.status_code` and `event.outcome` from it (ECS: failure from 400 up). */
export function applyStatus(b: EventBuilder, status: number): void {
  const http = b.http();
  http.response = { ...http.response, status_code: status };
  b.event().outcome = status >= 400 ? 'failure' : 'success';
}

/** Undoes the escaping web servers apply to quoted log fields: Apache's `\"` and `\\`, nginx's `\x22` and `\x5C`. */
export function unescapeQuoted(text: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  let start = 0;
  for (let i = 0; i < text.length - 1; i++) {
    if (text.charCodeAt(i) !== 0x5c) continue;
    const next = text.charCodeAt(i + 1);
    let replacement: string | undefined;
    let skip = 2;
    if (next === 0x22 || next === 0x5c) replacement = next === 0x22 ? '"' : '\\';
    else if (next === 0x78 /* x */) {
      const hex = text.slice(i + 2, i + 4);
      if (hex === '22') replacement = '"';
      else if (hex === '5C' || hex === '5c') replacement = '\\';
      skip = 4;
    }
    if (replacement === undefined) continue;
    out += text.slice(start, i) + replacement;
    i += skip - 1;
    start = i + 1;
  }
  return out + text.slice(start);
}
