import { BlockList, isIP } from 'node:net';

/** A parsed network: `10.0.0.0/8`, `2001:db8::/32`, or a bare address (a /32 or /128). */
export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** Parses a CIDR, or returns why it is not one. */
export function parseCidr(text: string): Cidr | string {
  const slash = text.indexOf('/');
  const address = slash === -1 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return `${text} is not a CIDR (address/prefix, e.g. 10.0.0.0/8 or 2001:db8::/32)`;
  const max = version === 4 ? 32 : 128;
  const prefixText = slash === -1 ? String(max) : text.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > max) return `${text} has a prefix length that is not 0–${max}`;
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * A set of networks an address is tested against (node's BlockList, in C++). IPv4-mapped IPv6
 * addresses (`::ffff:10.0.0.1`) match IPv4 networks.
 */
export class NetworkSet {
  readonly #list = new BlockList();

  constructor(networks: readonly Cidr[]) {
    for (const network of networks) this.#list.addSubnet(network.address, network.prefix, network.family);
  }

  /** True when `value` is an IP address inside one of the networks; false for anything else. */
  has(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    const version = isIP(value);
    if (version === 0) return false;
    try {
      return this.#list.check(value, version === 4 ? 'ipv4' : 'ipv6');
    } catch {
      // isIP accepts forms BlockList does not (a zone id: fe80::1%eth0); those are not in any set.
      return false;
    }
  }
}
