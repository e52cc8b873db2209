import { isIpv4Mapped, parseIp, parseNetwork } from './ip-address.ts';

/** The address being tested (scratch; matching is synchronous). */
const words = new Uint32Array(4);

/**
 * A test for "is this text an address inside `network`" (`10.0.0.0/8`, `2001:db8::/32`, or a
 * single address), or undefined when `network` is not one. It parses the tested text without
 * allocating and compares words under the prefix mask; an IPv4-mapped IPv6 address
 * (`::ffff:10.1.2.3`) is tested as its IPv4 address.
 */
export function cidrMatcher(network: string): ((address: string) => boolean) | undefined {
  const net = new Uint32Array(4);
  let version: 4 | 6;
  let prefix: number;
  if (network.includes('/')) {
    const parsed = parseNetwork(network, net);
    if (!parsed) return undefined;
    ({ version, prefix } = parsed);
  } else {
    const parsed = parseIp(network, net);
    if (parsed === 0) return undefined;
    version = parsed;
    prefix = parsed === 4 ? 32 : 128;
  }
  if (version === 4) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    const base = (net[0]! & mask) >>> 0;
    return (address) => {
      const family = parseIp(address, words);
      if (family === 4) return ((words[0]! & mask) >>> 0) === base;
      return family === 6 && isIpv4Mapped(words) && ((words[3]! & mask) >>> 0) === base;
    };
  }
  const masks = [0, 1, 2, 3].map((index) => {
    const bits = Math.min(32, Math.max(0, prefix - index * 32));
    return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  });
  const base = masks.map((mask, index) => (net[index]! & mask) >>> 0);
  return (address) => {
    if (parseIp(address, words) !== 6) return false;
    for (let index = 0; index < 4; index++) if (((words[index]! & masks[index]!) >>> 0) !== base[index]) return false;
    return true;
  };
}
