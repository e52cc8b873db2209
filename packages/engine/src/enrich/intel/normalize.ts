import { parseIpNumber, parseNetworkNumber } from '../../net/ip-address.ts';
import type { IndicatorType } from './indicator.ts';

/**
 * Normal forms of indicator values, so a feed's `EVIL.example.` and an event's `evil.example`
 * meet under one key. Feeds are checked strictly when they load; event values only get the
 * cheap part (case, trailing dot, default port) on the hot path.
 */

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443', ws: '80', wss: '443', ftp: '21' };

/** The lookup key of a domain seen in an event: lower case, no trailing dot. Not validated. */
export function domainKey(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** A domain from a feed, normalized, or undefined when it is not a host name. `*.evil.example` is `evil.example`. */
export function normalizeDomain(raw: string): string | undefined {
  let name = domainKey(raw.trim());
  if (name.startsWith('*.')) name = name.slice(2);
  if (name.length === 0 || name.length > 253) return undefined;
  let labelLength = 0;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code === 46) {
      if (labelLength === 0) return undefined;
      labelLength = 0;
      continue;
    }
    // Letters, digits, '-', '_' (seen in real DNS names) and non-ASCII (internationalized names).
    const allowed = (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 45 || code === 95 || code > 127;
    if (!allowed || ++labelLength > 63) return undefined;
  }
  return labelLength === 0 ? undefined : name;
}

/**
 * A URL's normal form: lower-case scheme and host, no trailing dot on the host, no default
 * port, `/` for an empty path, no fragment; path and query are kept as written. Undefined
 * when the text has no `scheme://host`.
 */
export function normalizeUrl(raw: string): string | undefined {
  const text = raw.trim();
  const schemeEnd = text.indexOf('://');
  if (schemeEnd <= 0) return undefined;
  const scheme = text.slice(0, schemeEnd).toLowerCase();
  for (let i = 0; i < scheme.length; i++) {
    const code = scheme.charCodeAt(i);
    const allowed = (code >= 97 && code <= 122) || (i > 0 && ((code >= 48 && code <= 57) || code === 43 || code === 45 || code === 46));
    if (!allowed) return undefined;
  }
  const authorityStart = schemeEnd + 3;
  let authorityEnd = authorityStart;
  while (authorityEnd < text.length) {
    const code = text.charCodeAt(authorityEnd);
    if (code === 47 || code === 63 || code === 35) break;
    authorityEnd++;
  }
  const authority = text.slice(authorityStart, authorityEnd);
  const at = authority.lastIndexOf('@');
  const userinfo = authority.slice(0, at + 1);
  const hostPort = authority.slice(at + 1);
  const portColon = hostPort.startsWith('[') ? hostPort.indexOf(':', hostPort.indexOf(']')) : hostPort.lastIndexOf(':');
  let host = (portColon === -1 ? hostPort : hostPort.slice(0, portColon)).toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '') return undefined;
  let port = portColon === -1 ? '' : hostPort.slice(portColon + 1);
  if (port !== '') {
    for (let i = 0; i < port.length; i++) {
      const code = port.charCodeAt(i);
      if (code < 48 || code > 57) return undefined;
    }
    port = String(Number(port));
    if (port === DEFAULT_PORTS[scheme]) port = '';
  }
  let rest = text.slice(authorityEnd);
  const fragment = rest.indexOf('#');
  if (fragment !== -1) rest = rest.slice(0, fragment);
  if (rest === '' || rest.startsWith('?')) rest = `/${rest}`;
  return `${scheme}://${userinfo}${host}${port === '' ? '' : `:${port}`}${rest}`;
}

const HASH_TYPES: Readonly<Record<number, IndicatorType>> = { 32: 'md5', 40: 'sha1', 64: 'sha256' };

/** The hash type a hex string's length says (32 md5, 40 sha1, 64 sha256), or undefined when it is not such a hash. */
export function hashType(value: string): 'md5' | 'sha1' | 'sha256' | undefined {
  const type = HASH_TYPES[value.length];
  if (type === undefined) return undefined;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i) | 0x20;
    if (!((code >= 48 && code <= 57) || (code >= 97 && code <= 102))) return undefined;
  }
  return type as 'md5' | 'sha1' | 'sha256';
}

const HASH_NAMES = { hash: 'an MD5, SHA-1 or SHA-256 hash', md5: 'an MD5 hash', sha1: 'a SHA-1 hash', sha256: 'a SHA-256 hash' } as const;

/** What a feed may name as a type: one of ours, or a family the value decides (`ip`, `hash`). */
export type RequestedType = IndicatorType | 'ip' | 'hash';

const TYPE_ALIASES: Readonly<Record<string, RequestedType>> = {
  ip: 'ip', 'ip-addr': 'ip', address: 'ip', ipv4: 'ipv4', 'ipv4-addr': 'ipv4', ipv6: 'ipv6', 'ipv6-addr': 'ipv6',
  cidr: 'cidr', network: 'cidr', subnet: 'cidr', 'ip-range': 'cidr',
  domain: 'domain', 'domain-name': 'domain', hostname: 'domain', fqdn: 'domain', host: 'domain',
  url: 'url', uri: 'url', link: 'url',
  hash: 'hash', md5: 'md5', sha1: 'sha1', 'sha-1': 'sha1', sha256: 'sha256', 'sha-256': 'sha256',
};

/** Reads a type name written in a feed (`IPv4`, `domain-name`, `SHA-256`…); undefined when unknown. */
export function requestedType(name: string): RequestedType | undefined {
  const key = name.trim().toLowerCase();
  return Object.hasOwn(TYPE_ALIASES, key) ? TYPE_ALIASES[key] : undefined;
}

/** A checked indicator value, or why it was refused. */
export type ParsedValue = { ok: true; type: IndicatorType; value: string } | { ok: false; reason: string };

/**
 * Checks and normalizes a feed value. Without a type the value decides (IP, CIDR, URL, a
 * 32/40/64-hex hash, else a domain). An IP type given a network (`ipv4` and `10.0.0.0/8`)
 * becomes a `cidr` of that family.
 */
export function parseIndicatorValue(requested: RequestedType | undefined, raw: string): ParsedValue {
  const text = raw.trim();
  if (text === '') return { ok: false, reason: 'empty value' };
  const bad = (what: string): ParsedValue => ({ ok: false, reason: `'${text}' is not ${what}` });
  const want = requested ?? inferFamily(text);
  switch (want) {
    case 'ip':
    case 'ipv4':
    case 'ipv6':
    case 'cidr': {
      const network = text.includes('/') ? parseNetworkNumber(text) : undefined;
      const address = network ? network.address : parseIpNumber(text);
      if (address === undefined) return bad(want === 'cidr' ? 'a CIDR network' : 'an IP address');
      const family = typeof address === 'number' ? 'ipv4' : 'ipv6';
      if ((want === 'ipv4' || want === 'ipv6') && want !== family) return bad(`an ${want} address`);
      if (network) return { ok: true, type: 'cidr', value: text.toLowerCase() };
      return want === 'cidr' ? bad('a CIDR network') : { ok: true, type: family, value: text.toLowerCase() };
    }
    case 'domain': {
      const name = normalizeDomain(text);
      return name === undefined ? bad('a domain name') : { ok: true, type: 'domain', value: name };
    }
    case 'url': {
      const url = normalizeUrl(text.includes('://') ? text : `http://${text}`);
      return url === undefined ? bad('a URL') : { ok: true, type: 'url', value: url };
    }
    case 'hash':
    case 'md5':
    case 'sha1':
    case 'sha256': {
      const type = hashType(text);
      if (type === undefined || (want !== 'hash' && want !== type)) return bad(HASH_NAMES[want]);
      return { ok: true, type, value: text.toLowerCase() };
    }
    default:
      return { ok: false, reason: `cannot tell what kind of indicator '${text}' is` };
  }
}

function inferFamily(text: string): RequestedType | undefined {
  if (text.includes('://')) return 'url';
  if (parseIpNumber(text) !== undefined || parseNetworkNumber(text) !== undefined) return 'ip';
  if (hashType(text) !== undefined) return 'hash';
  const name = normalizeDomain(text);
  // A domain needs a dot and a top-level label with a letter, so `1.2.3.999` is not taken for one.
  if (name !== undefined && name.includes('.') && /[^0-9]/.test(name.slice(name.lastIndexOf('.') + 1))) return 'domain';
  if (text.includes('/') && !text.startsWith('/')) return 'url';
  return undefined;
}
