import { isIpv4Mapped, parseIp } from '../../net/ip-address.ts';

/** The classes an IP address can fall in, from the IANA special-purpose address registries. */
export const ADDRESS_CLASSES = [
  'public',
  'private',
  'loopback',
  'link_local',
  'cgnat',
  'documentation',
  'multicast',
  'reserved',
  'unspecified',
  'broadcast',
  'invalid',
] as const;

/**
 * What kind of address an IP is: `private` (RFC 1918, IPv6 ULA fc00::/7), `loopback`,
 * `link_local`, `cgnat` (100.64.0.0/10), `documentation` (192.0.2.0/24, 198.51.100.0/24,
 * 203.0.113.0/24, 2001:db8::/32, 3fff::/20), `multicast`, `unspecified` (0.0.0.0, ::),
 * `broadcast` (255.255.255.255), `reserved` (other special-purpose or unallocated space),
 * `public`, or `invalid` when the text is not an IP address.
 */
export type AddressClass = (typeof ADDRESS_CLASSES)[number];

const words = new Uint32Array(4);

/**
 * Classifies an IPv4 or IPv6 address given as text. IPv6 addresses that carry an IPv4 address
 * (IPv4-mapped `::ffff:0:0/96`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) get the class of that
 * IPv4 address, so `::ffff:10.0.0.1` is `private` like `10.0.0.1`.
 */
export function classifyAddress(ip: string): AddressClass {
  const version = parseIp(ip, words);
  if (version === 4) return classifyIpv4(words[0]!);
  if (version === 6) return classifyIpv6(words);
  return 'invalid';
}

/** Classifies an IPv4 address given as an unsigned 32-bit number. */
export function classifyIpv4(address: number): AddressClass {
  const a = address >>> 24;
  const b = (address >>> 16) & 0xff;
  const c = (address >>> 8) & 0xff;
  switch (a) {
    case 0:
      return address === 0 ? 'unspecified' : 'reserved';
    case 10:
      return 'private';
    case 100:
      return (b & 0xc0) === 64 ? 'cgnat' : 'public';
    case 127:
      return 'loopback';
    case 169:
      return b === 254 ? 'link_local' : 'public';
    case 172:
      return (b & 0xf0) === 16 ? 'private' : 'public';
    case 192:
      if (b === 168) return 'private';
      if (b === 0 && c === 0) return 'reserved';
      if (b === 0 && c === 2) return 'documentation';
      if (b === 88 && c === 99) return 'reserved';
      return 'public';
    case 198:
      if ((b & 0xfe) === 18) return 'reserved';
      if (b === 51 && c === 100) return 'documentation';
      return 'public';
    case 203:
      return b === 0 && c === 113 ? 'documentation' : 'public';
  }
  if (a >= 224 && a <= 239) return 'multicast';
  if (address === 0xffffffff) return 'broadcast';
  if (a >= 240) return 'reserved';
  return 'public';
}

/** Classifies an IPv6 address given as four 32-bit words, most significant first. */
export function classifyIpv6(address: Uint32Array): AddressClass {
  const w0 = address[0]!;
  if (w0 === 0 && address[1] === 0) {
    if (isIpv4Mapped(address)) return classifyIpv4(address[3]!);
    if (address[2] === 0 && address[3] === 0) return 'unspecified';
    if (address[2] === 0 && address[3] === 1) return 'loopback';
    return 'reserved';
  }
  if (w0 === 0x0064ff9b && address[1] === 0 && address[2] === 0) return classifyIpv4(address[3]!);
  if (w0 >>> 16 === 0x2002) return classifyIpv4((((w0 & 0xffff) << 16) | (address[1]! >>> 16)) >>> 0);
  if (w0 >>> 24 === 0xff) return 'multicast';
  if (w0 >>> 25 === 0xfc000000 >>> 25) return 'private';
  if (w0 >>> 22 === 0xfe800000 >>> 22) return 'link_local';
  if (w0 === 0x20010db8 || w0 >>> 12 === 0x3fff0000 >>> 12) return 'documentation';
  // 2001::/23 is IETF protocol space (Teredo, ORCHID, benchmarking): not one network's location.
  if (w0 >>> 9 === 0x20010000 >>> 9) return 'reserved';
  // Only 2000::/3 is allocated global unicast; the rest (site-local fec0::/10, 100::/64, …) is reserved.
  if (w0 >>> 29 !== 0x20000000 >>> 29) return 'reserved';
  return 'public';
}
