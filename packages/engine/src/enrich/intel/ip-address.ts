/**
 * IP addresses as numbers, for prefix lookups without regexes or string canonicalisation:
 * an IPv4 address is a `number` (0 … 2³²−1), an IPv6 address a `bigint` (0 … 2¹²⁸−1), so
 * `typeof` tells the family apart without allocating a wrapper object per lookup.
 */

/** A parsed address: `number` for IPv4, `bigint` for IPv6. */
export type IpNumber = number | bigint;

/** A network: its address with the host bits cleared, and its prefix length. */
export interface IpNetwork {
  readonly address: IpNumber;
  readonly prefix: number;
}

/** `IPV4_MASKS[p]` keeps the top `p` bits of an IPv4 address. */
export const IPV4_MASKS: readonly number[] = Array.from({ length: 33 }, (_, p) => (p === 0 ? 0 : (0xffffffff << (32 - p)) >>> 0));
/** `IPV6_MASKS[p]` keeps the top `p` bits of an IPv6 address. */
export const IPV6_MASKS: readonly bigint[] = Array.from({ length: 129 }, (_, p) => ((1n << BigInt(p)) - 1n) << BigInt(128 - p));

const IPV4_MAPPED_PREFIX = 0xffffn << 32n;

/** Parses dotted-quad IPv4 (`198.51.100.7`); leading zeros are refused as ambiguous (octal). */
export function parseIpv4(text: string, start = 0, end = text.length): number | undefined {
  let value = 0;
  let octets = 0;
  let i = start;
  while (octets < 4) {
    const first = i;
    let octet = 0;
    while (i < end) {
      const code = text.charCodeAt(i);
      if (code < 48 || code > 57) break;
      octet = octet * 10 + (code - 48);
      i++;
    }
    const digits = i - first;
    if (digits === 0 || digits > 3 || octet > 255 || (digits > 1 && text.charCodeAt(first) === 48)) return undefined;
    value = value * 256 + octet;
    octets++;
    if (octets < 4) {
      if (i >= end || text.charCodeAt(i) !== 46) return undefined;
      i++;
    }
  }
  return i === end ? value : undefined;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/** Parses IPv6 (`2001:db8::1`, `::ffff:192.0.2.1`); a zone (`%eth0`) is ignored. */
export function parseIpv6(text: string): bigint | undefined {
  const zone = text.indexOf('%');
  const end = zone === -1 ? text.length : zone;
  const head: number[] = [];
  const tail: number[] = [];
  let groups = head;
  let compressed = false;
  let i = 0;
  if (text.startsWith('::')) {
    compressed = true;
    groups = tail;
    i = 2;
  }
  while (i < end) {
    const first = i;
    let group = 0;
    while (i < end && i - first < 5) {
      const digit = hexDigit(text.charCodeAt(i));
      if (digit === -1) break;
      group = group * 16 + digit;
      i++;
    }
    if (i < end && text.charCodeAt(i) === 46) {
      // An embedded IPv4 address takes the last 32 bits.
      const v4 = parseIpv4(text, first, end);
      if (v4 === undefined) return undefined;
      groups.push(v4 >>> 16, v4 & 0xffff);
      break;
    }
    if (i === first || i - first > 4) return undefined;
    groups.push(group);
    if (i === end) break;
    if (text.charCodeAt(i) !== 58) return undefined;
    i++;
    if (text.charCodeAt(i) === 58) {
      if (compressed) return undefined;
      compressed = true;
      groups = tail;
      i++;
    } else if (i === end) {
      return undefined;
    }
  }
  const count = head.length + tail.length;
  if (compressed ? count > 7 : count !== 8) return undefined;
  let value = 0n;
  for (const group of head) value = (value << 16n) | BigInt(group);
  value <<= BigInt(16 * (8 - head.length));
  let low = 0n;
  for (const group of tail) low = (low << 16n) | BigInt(group);
  return value | low;
}

/** Parses an IPv4 or IPv6 address; an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) comes back as IPv4. */
export function parseIp(text: string): IpNumber | undefined {
  if (text.includes(':')) {
    const v6 = parseIpv6(text);
    if (v6 !== undefined && v6 >> 32n === 0xffffn) return Number(v6 - IPV4_MAPPED_PREFIX);
    return v6;
  }
  return parseIpv4(text);
}

/** Parses `10.0.0.0/8` or `2001:db8::/32`; host bits are cleared, not refused (`10.1.2.3/8` is 10.0.0.0/8). */
export function parseCidr(text: string): IpNetwork | undefined {
  const slash = text.indexOf('/');
  if (slash === -1) return undefined;
  const lengthText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText)) return undefined;
  const prefix = Number(lengthText);
  const address = text.includes(':') ? parseIpv6(text.slice(0, slash)) : parseIpv4(text, 0, slash);
  if (address === undefined) return undefined;
  if (typeof address === 'number') return prefix <= 32 ? { address: (address & IPV4_MASKS[prefix]!) >>> 0, prefix } : undefined;
  return prefix <= 128 ? { address: address & IPV6_MASKS[prefix]!, prefix } : undefined;
}
