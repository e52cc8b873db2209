import { IPV4_MASKS, IPV6_MASKS, parseIpNumber, parseNetworkNumber } from './ip-address.ts';

/**
 * Values by IP network (`10.0.0.0/8`, `2001:db8::/32`) or single address (a /32 or /128),
 * looked up by address: the most specific network holding it wins. One map per prefix length
 * in use, tried from the longest: a lookup costs one map probe per distinct prefix length, however
 * many networks there are. An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`) is looked up as its
 * IPv4 address.
 */
export class NetworkMap<T> {
  readonly #v4 = new Map<number, Map<number, T>>();
  readonly #v6 = new Map<number, Map<bigint, T>>();
  #v4Prefixes: number[] = [];
  #v6Prefixes: number[] = [];
  #size = 0;

  /** Networks and addresses held. */
  get size(): number {
    return this.#size;
  }

  /** Sets the value of a network or address (a later one for the same network replaces it); false when `text` is neither. */
  set(text: string, value: T): boolean {
    const network = text.includes('/') ? parseNetworkNumber(text) : undefined;
    const address = network ? network.address : parseIpNumber(text);
    if (address === undefined) return false;
    if (typeof address === 'number') {
      const prefix = network?.prefix ?? 32;
      this.#v4Prefixes = this.#put(this.#v4, this.#v4Prefixes, prefix, address, value);
    } else {
      const prefix = network?.prefix ?? 128;
      this.#v6Prefixes = this.#put(this.#v6, this.#v6Prefixes, prefix, address, value);
    }
    return true;
  }

  /** The value of the most specific network holding `address`; undefined when none does or it is not an address. */
  get(address: string): T | undefined {
    const ip = parseIpNumber(address);
    if (ip === undefined) return undefined;
    if (typeof ip === 'number') {
      for (const prefix of this.#v4Prefixes) {
        const value = this.#v4.get(prefix)!.get((ip & IPV4_MASKS[prefix]!) >>> 0);
        if (value !== undefined) return value;
      }
      return undefined;
    }
    for (const prefix of this.#v6Prefixes) {
      const value = this.#v6.get(prefix)!.get(ip & IPV6_MASKS[prefix]!);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  /** Puts `value` at `address` in its prefix's map; returns the prefixes in use, longest first. */
  #put<A>(byPrefix: Map<number, Map<A, T>>, prefixes: number[], prefix: number, address: A, value: T): number[] {
    let networks = byPrefix.get(prefix);
    if (networks === undefined) byPrefix.set(prefix, (networks = new Map()));
    if (!networks.has(address)) this.#size++;
    networks.set(address, value);
    return prefixes.includes(prefix) ? prefixes : [...prefixes, prefix].sort((a, b) => b - a);
  }
}
