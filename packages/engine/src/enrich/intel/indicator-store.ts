import type { Indicator } from './indicator.ts';
import { IPV4_MASKS, IPV6_MASKS, parseIpNumber, parseNetworkNumber, type IpNumber } from '../../net/ip-address.ts';
import { domainKey, normalizeDomain, normalizeUrl } from './normalize.ts';

/** What an event value is looked up as. */
export type LookupKind = 'ip' | 'domain' | 'url' | 'hash';

interface Entry {
  readonly indicator: Indicator;
  /** `Infinity` when the indicator has no `valid_until`. */
  readonly expiresAtMs: number;
}

/** One feed's indicators, indexed by normalized key. Built whole, then swapped in. */
class FeedIndex {
  // Addresses and networks together: a map per prefix length, keyed by the masked address,
  // so a lookup is one mask and one Map.get per prefix length the feed uses.
  readonly v4 = new Map<number, Map<number, Entry>>();
  readonly v6 = new Map<number, Map<bigint, Entry>>();
  v4Prefixes: number[] = [];
  v6Prefixes: number[] = [];
  readonly domains = new Map<string, Entry>();
  readonly urls = new Map<string, Entry>();
  readonly hashes = new Map<string, Entry>();
  size = 0;
}

/** What replacing one feed's indicators did. */
export interface ReplaceResult {
  /** Indicators now served for the feed. */
  stored: number;
  /** Refused because the feed reached its maximum. */
  refused: number;
  /** Same type and value as another indicator of the feed; the higher confidence one is kept. */
  duplicates: number;
  /** Values the store could not index (loaders check values, so this stays 0 for them). */
  invalid: number;
}

/** One feed as the store holds it. */
export interface FeedStats {
  feed: string;
  indicators: number;
  /** Indicators refused over the maximum at the last replacement. */
  refused: number;
}

/** Options of an {@link IndicatorStore}. */
export interface IndicatorStoreOptions {
  /** Most indicators one feed may hold; more are refused and counted. */
  maxIndicatorsPerFeed: number;
  now?: () => number;
}

const NONE: readonly Indicator[] = Object.freeze([]);

/**
 * Threat-intelligence indicators from several feeds. Each lookup costs a few Map reads per
 * feed: exact keys for hashes and URLs, each parent of a domain (`a.b.evil.example` also
 * finds `evil.example`), and one masked read per prefix length for IPs. Expired indicators
 * never match. A feed is replaced as a whole, atomically; other feeds stay as they are.
 */
export class IndicatorStore {
  readonly #feeds = new Map<string, FeedIndex>();
  readonly #refused = new Map<string, number>();
  readonly #max: number;
  readonly #now: () => number;
  #refusedTotal = 0;

  constructor(options: IndicatorStoreOptions) {
    this.#max = options.maxIndicatorsPerFeed;
    this.#now = options.now ?? Date.now;
  }

  /** Indicators refused over the per-feed maximum, over all replacements. */
  get refusedTotal(): number {
    return this.#refusedTotal;
  }

  /**
   * Replaces every indicator of `feed` with `indicators` (at most the feed's maximum, by
   * default the store's). Lookups see the old set until the new one is complete.
   */
  replaceFeed(feed: string, indicators: Iterable<Indicator>, maxIndicators = this.#max): ReplaceResult {
    const index = new FeedIndex();
    const result: ReplaceResult = { stored: 0, refused: 0, duplicates: 0, invalid: 0 };
    for (const indicator of indicators) {
      const expiresAtMs = indicator.valid_until === undefined ? Infinity : Date.parse(indicator.valid_until);
      const outcome = insert(index, { indicator, expiresAtMs: Number.isNaN(expiresAtMs) ? Infinity : expiresAtMs }, index.size < maxIndicators);
      result[outcome]++;
    }
    index.v4Prefixes = [...index.v4.keys()].sort((a, b) => b - a);
    index.v6Prefixes = [...index.v6.keys()].sort((a, b) => b - a);
    result.stored = index.size;
    this.#feeds.set(feed, index);
    this.#refused.set(feed, result.refused);
    this.#refusedTotal += result.refused;
    return result;
  }

  /** Drops a feed; true when it was there. */
  removeFeed(feed: string): boolean {
    this.#refused.delete(feed);
    return this.#feeds.delete(feed);
  }

  /** Indicators held for a feed, or undefined when it was never loaded. */
  feedSize(feed: string): number | undefined {
    return this.#feeds.get(feed)?.size;
  }

  /** Every feed with its indicator count and refusals. */
  stats(): FeedStats[] {
    return [...this.#feeds].map(([feed, index]) => ({ feed, indicators: index.size, refused: this.#refused.get(feed) ?? 0 }));
  }

  /** Unexpired indicators of every feed matching an event value; a shared empty array when none. */
  lookup(kind: LookupKind, value: string, nowMs = this.#now()): readonly Indicator[] {
    if (this.#feeds.size === 0 || value === '') return NONE;
    switch (kind) {
      case 'ip': {
        const ip = parseIpNumber(value);
        return ip === undefined ? NONE : this.#lookupIp(ip, nowMs);
      }
      case 'domain':
        return this.#lookupDomain(domainKey(value), nowMs);
      case 'url': {
        const url = normalizeUrl(value);
        return url === undefined ? NONE : this.#lookupExact('urls', url, nowMs);
      }
      case 'hash':
        return this.#lookupExact('hashes', value.toLowerCase(), nowMs);
    }
  }

  #lookupIp(ip: IpNumber, nowMs: number): readonly Indicator[] {
    let found: Indicator[] | undefined;
    for (const index of this.#feeds.values()) {
      if (typeof ip === 'number') {
        for (const prefix of index.v4Prefixes) found = collect(found, index.v4.get(prefix)!.get((ip & IPV4_MASKS[prefix]!) >>> 0), nowMs);
      } else {
        for (const prefix of index.v6Prefixes) found = collect(found, index.v6.get(prefix)!.get(ip & IPV6_MASKS[prefix]!), nowMs);
      }
    }
    return found ?? NONE;
  }

  #lookupDomain(name: string, nowMs: number): readonly Indicator[] {
    let found: Indicator[] | undefined;
    // The name itself, then each parent: a.b.evil.example, b.evil.example, evil.example, example.
    for (let start = 0; start !== -1 && start < name.length; ) {
      const suffix = start === 0 ? name : name.slice(start);
      for (const index of this.#feeds.values()) found = collect(found, index.domains.get(suffix), nowMs);
      const dot = name.indexOf('.', start);
      start = dot === -1 ? -1 : dot + 1;
    }
    return found ?? NONE;
  }

  #lookupExact(map: 'urls' | 'hashes', key: string, nowMs: number): readonly Indicator[] {
    let found: Indicator[] | undefined;
    for (const index of this.#feeds.values()) found = collect(found, index[map].get(key), nowMs);
    return found ?? NONE;
  }
}

function collect(found: Indicator[] | undefined, entry: Entry | undefined, nowMs: number): Indicator[] | undefined {
  if (entry === undefined || entry.expiresAtMs <= nowMs) return found;
  if (found === undefined) return [entry.indicator];
  found.push(entry.indicator);
  return found;
}

type InsertOutcome = 'stored' | 'refused' | 'duplicates' | 'invalid';

function insert(index: FeedIndex, entry: Entry, hasRoom: boolean): InsertOutcome {
  const { type, value } = entry.indicator;
  switch (type) {
    case 'ipv4':
    case 'ipv6':
    case 'cidr': {
      const network = type === 'cidr' ? parseNetworkNumber(value) : undefined;
      const address = network ? network.address : parseIpNumber(value);
      if (address === undefined) return 'invalid';
      if (typeof address === 'number') return put(index, bucket(index.v4, network?.prefix ?? 32), address, entry, hasRoom);
      return put(index, bucket(index.v6, network?.prefix ?? 128), address, entry, hasRoom);
    }
    case 'domain': {
      const name = normalizeDomain(value);
      return name === undefined ? 'invalid' : put(index, index.domains, name, entry, hasRoom);
    }
    case 'url': {
      const url = normalizeUrl(value);
      return url === undefined ? 'invalid' : put(index, index.urls, url, entry, hasRoom);
    }
    case 'md5':
    case 'sha1':
    case 'sha256':
      return put(index, index.hashes, value.toLowerCase(), entry, hasRoom);
  }
}

function bucket<K>(byPrefix: Map<number, Map<K, Entry>>, prefix: number): Map<K, Entry> {
  let map = byPrefix.get(prefix);
  if (map === undefined) byPrefix.set(prefix, (map = new Map()));
  return map;
}

function put<K>(index: FeedIndex, map: Map<K, Entry>, key: K, entry: Entry, hasRoom: boolean): InsertOutcome {
  const existing = map.get(key);
  if (existing !== undefined) {
    if (entry.indicator.confidence > existing.indicator.confidence) map.set(key, entry);
    return 'duplicates';
  }
  if (!hasRoom) return 'refused';
  map.set(key, entry);
  index.size++;
  return 'stored';
}
