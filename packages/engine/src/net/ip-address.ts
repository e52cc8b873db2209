/**
 * IP addresses and CIDR networks parsed without regexes or allocation. The core writes an
 * address into a caller-owned `Uint32Array(4)` of 32-bit words, because the address classifier
 * and the MMDB reader parse per event. The indicator store wants one `Map` key per address, so
 * {@link parseIpNumber} and {@link parseNetworkNumber} build on the core and give an IPv4
 * address as a `number` (0 … 2³²−1) and an IPv6 address as a `bigint` (0 … 2¹²⁸−1): `typeof`
 * tells the family apart without a wrapper object per lookup.
 */

/** Eight 16-bit groups of the IPv6 address being parsed (module scratch; parsing is synchronous). */
const groups = new Uint16Array(8);
/** Words for the `number`/`bigint` parsers (module scratch, as above). */
const scratch = new Uint32Array(4);

/**
 * Parses `text` as an IPv4 or IPv6 address into `out` and returns 4, 6, or 0 when `text` is not
 * an address. IPv4: `out[0]` is the address as an unsigned 32-bit number. IPv6: `out[0..3]` are
 * the 128 bits, most significant word first. A zone (`fe80::1%eth0`) is accepted and ignored;
 * an empty one (`fe80::1%`) is refused. Dotted parts with leading zeros (`010.0.0.1`) are
 * refused as ambiguous (octal), as `node:net`'s `isIP` does.
 */
export function parseIp(text: string, out: Uint32Array): 0 | 4 | 6 {
  return parseIpBefore(text, text.length, out);
}

/** True when the parsed IPv6 address is IPv4-mapped (`::ffff:a.b.c.d`); its IPv4 address is `out[3]`. */
export function isIpv4Mapped(words: Uint32Array): boolean {
  return words[0] === 0 && words[1] === 0 && words[2] === 0xffff;
}

/**
 * Parses a CIDR network (`10.0.0.0/8`, `2001:db8::/32`, `fe80::%eth0/64`): its address goes
 * into `out` as {@link parseIp} writes it, host bits as written. The prefix length is one to
 * three decimal digits, at most 32 for IPv4 and 128 for IPv6. Undefined when `text` is not a
 * network.
 */
export function parseNetwork(text: string, out: Uint32Array): { version: 4 | 6; prefix: number } | undefined {
  const slash = text.indexOf('/');
  const digits = text.length - slash - 1;
  if (slash < 0 || digits < 1 || digits > 3) return undefined;
  let prefix = 0;
  for (let i = slash + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    prefix = prefix * 10 + (c - 48);
  }
  const version = parseIpBefore(text, slash, out);
  if (version === 0 || prefix > (version === 4 ? 32 : 128)) return undefined;
  return { version, prefix };
}

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

/**
 * Parses an IPv4 or IPv6 address as {@link parseIp} does, into a `number` (IPv4) or `bigint`
 * (IPv6); undefined when `text` is not an address. An IPv4-mapped IPv6 address
 * (`::ffff:a.b.c.d`) comes back as its IPv4 `number`.
 */
export function parseIpNumber(text: string): IpNumber | undefined {
  const version = parseIp(text, scratch);
  if (version === 0) return undefined;
  if (version === 4) return scratch[0]!;
  return isIpv4Mapped(scratch) ? scratch[3]! : ipv6Bigint(scratch);
}

/**
 * Parses a CIDR network as {@link parseNetwork} does, with host bits cleared, not refused
 * (`10.1.2.3/8` is 10.0.0.0/8). An IPv6 network stays IPv6 even inside `::ffff:0:0/96`.
 */
export function parseNetworkNumber(text: string): IpNetwork | undefined {
  const network = parseNetwork(text, scratch);
  if (network === undefined) return undefined;
  const { version, prefix } = network;
  if (version === 4) return { address: (scratch[0]! & IPV4_MASKS[prefix]!) >>> 0, prefix };
  return { address: ipv6Bigint(scratch) & IPV6_MASKS[prefix]!, prefix };
}

function ipv6Bigint(words: Uint32Array): bigint {
  return (BigInt(words[0]!) << 96n) | (BigInt(words[1]!) << 64n) | (BigInt(words[2]!) << 32n) | BigInt(words[3]!);
}

/** {@link parseIp} of `text[0, end)`, so a network's address is parsed without slicing it off. */
function parseIpBefore(text: string, end: number, out: Uint32Array): 0 | 4 | 6 {
  const colon = text.indexOf(':');
  if (colon < 0 || colon >= end) {
    const value = parseIpv4(text, 0, end);
    if (value < 0) return 0;
    out[0] = value;
    return 4;
  }
  let stop = text.indexOf('%');
  if (stop < 0 || stop >= end) stop = end;
  else if (stop === 0 || stop === end - 1) return 0;
  return parseIpv6(text, stop, out) ? 6 : 0;
}

/** Parses dotted-quad `text[start, end)`; the address as an unsigned number, or -1. */
function parseIpv4(text: string, start: number, end: number): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parses IPv6 `text[0, end)` into `out`; false when it is not an address. */
function parseIpv6(text: string, end: number, out: Uint32Array): boolean {
  let count = 0;
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === 58) {
    if (end < 2 || text.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    let value = 0;
    let j = i;
    for (; j < end; j++) {
      const digit = hexValue(text.charCodeAt(j));
      if (digit < 0) break;
      value = value * 16 + digit;
    }
    if (j < end && text.charCodeAt(j) === 46) {
      // An embedded IPv4 address takes the last 32 bits.
      const v4 = count <= 6 ? parseIpv4(text, i, end) : -1;
      if (v4 < 0) return false;
      groups[count++] = v4 >>> 16;
      groups[count++] = v4 & 0xffff;
      break;
    }
    if (j === i || j - i > 4 || count === 8) return false;
    groups[count++] = value;
    if (j === end) break;
    if (text.charCodeAt(j) !== 58) return false;
    j++;
    if (j < end && text.charCodeAt(j) === 58) {
      if (gap >= 0) return false;
      gap = count;
      j++;
    } else if (j === end) {
      return false;
    }
    i = j;
  }
  if (gap < 0) {
    if (count !== 8) return false;
  } else {
    if (count === 8) return false;
    const shift = 8 - count;
    for (let k = count - 1; k >= gap; k--) groups[k + shift] = groups[k]!;
    for (let k = gap; k < gap + shift; k++) groups[k] = 0;
  }
  for (let w = 0; w < 4; w++) out[w] = (groups[2 * w]! << 16) | groups[2 * w + 1]!;
  return true;
}
