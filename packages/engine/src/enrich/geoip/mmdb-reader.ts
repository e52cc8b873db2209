import { readFile } from 'node:fs/promises';
import { describeError } from '@vigil/runtime';
import { isIpv4Mapped, parseIp } from '../../net/ip-address.ts';
import { geoipErrors, invalidDatabase } from './errors.ts';
import { MmdbDecoder } from './mmdb-decoder.ts';
import { DATA_SECTION_SEPARATOR_BYTES } from './mmdb-format.ts';
import { readMetadata, type MmdbMetadata } from './mmdb-metadata.ts';
import { SearchTree, verifyDatabase } from './mmdb-tree.ts';

/** How a reader opens and caches a database. */
export interface MmdbReaderOptions {
  /**
   * Check the whole file when opening it (default true): tree depth, every data pointer, every
   * record. A corrupt file then fails the open instead of a lookup; costs one pass over the file.
   */
  verify?: boolean;
  /** Decoded records kept, by data offset (default 10 000; 0 turns the cache off). */
  cacheEntries?: number;
  /** What error messages call the database (default: the path, or `(buffer)`). */
  name?: string;
}

/** A lookup's record and the prefix length of the network it belongs to. */
export interface MmdbMatch {
  readonly data: unknown;
  /** Prefix length in the looked-up address's own bits: `/24` for an IPv4 /24, even in an IPv6 tree. */
  readonly prefixLength: number;
}

/**
 * Reads MaxMind DB (`.mmdb`) files, format 2.0: GeoLite2/GeoIP2 City, Country, ASN and any
 * other database in the format. The file is held in memory; lookups walk the search tree and
 * decode the record, and decoded records are kept in a bounded least-recently-used cache (many
 * addresses share one record). Records are frozen: they are shared between lookups.
 *
 * IPv4 addresses are looked up under `::/96` in an IPv6 tree, as MaxMind's databases store them;
 * IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are looked up as their IPv4 address.
 */
export class MmdbReader {
  /** What the file says about itself. */
  readonly metadata: MmdbMetadata;
  readonly #source: string;
  readonly #tree: SearchTree;
  readonly #data: MmdbDecoder;
  readonly #ipv4Start: number;
  readonly #cache = new Map<number, unknown>();
  readonly #cacheEntries: number;
  readonly #words = new Uint32Array(4);
  #prefixLength = 0;

  /** Reads and checks the file at `path`; throws a `VIGIL_ERR_GEOIP_*` error naming the path. */
  static async open(path: string, options: MmdbReaderOptions = {}): Promise<MmdbReader> {
    let buf: Buffer;
    try {
      buf = await readFile(path);
    } catch (error) {
      throw geoipErrors.create('VIGIL_ERR_GEOIP_DATABASE_UNREADABLE', { path, reason: describeError(error) }, { cause: error });
    }
    return new MmdbReader(buf, { ...options, name: options.name ?? path });
  }

  /** Reads a database already in memory; throws `VIGIL_ERR_GEOIP_DATABASE_INVALID` when it is malformed. */
  static fromBuffer(buf: Buffer, options: MmdbReaderOptions = {}): MmdbReader {
    return new MmdbReader(buf, options);
  }

  private constructor(buf: Buffer, options: MmdbReaderOptions) {
    const source = options.name ?? '(buffer)';
    const { metadata, markerOffset } = readMetadata(buf, source);
    const tree = new SearchTree(buf, metadata.nodeCount, metadata.recordSize);
    const dataStart = tree.byteLength + DATA_SECTION_SEPARATOR_BYTES;
    if (dataStart > markerOffset) {
      throw invalidDatabase(
        source,
        `the search tree (${metadata.nodeCount} nodes of ${metadata.recordSize}-bit records) does not fit before the metadata at byte ${markerOffset} (a truncated file?)`,
      );
    }
    for (let i = tree.byteLength; i < dataStart; i++) {
      if (buf[i] !== 0) throw invalidDatabase(source, `the ${DATA_SECTION_SEPARATOR_BYTES} bytes after the search tree are not zero (node_count or record_size is wrong)`);
    }
    this.metadata = metadata;
    this.#source = source;
    this.#tree = tree;
    this.#data = new MmdbDecoder(buf, dataStart, markerOffset, source);
    this.#cacheEntries = options.cacheEntries ?? 10_000;
    if (options.verify ?? true) {
      // A decoder of its own: what verification memoises is garbage once the file has passed.
      verifyDatabase(tree, metadata.ipVersion === 6 ? 128 : 32, new MmdbDecoder(buf, dataStart, markerOffset, source), source);
    }
    let node = 0;
    if (metadata.ipVersion === 6) {
      for (let i = 0; i < 96 && node < tree.nodeCount; i++) node = tree.record(node, 0);
    }
    this.#ipv4Start = node;
  }

  /**
   * The record for `ip`, or undefined when the database has none or `ip` is not an address (or
   * is IPv6 and the database IPv4-only). Throws `VIGIL_ERR_GEOIP_DATABASE_INVALID` on a corrupt
   * record, which only a file opened with `verify: false` can have.
   */
  get(ip: string): unknown {
    const offset = this.#find(ip);
    return offset < 0 ? undefined : this.#resolve(offset);
  }

  /** Like {@link MmdbReader.get}, with the prefix length of the network that matched. */
  lookup(ip: string): MmdbMatch | undefined {
    const offset = this.#find(ip);
    if (offset < 0) return undefined;
    return { data: this.#resolve(offset), prefixLength: this.#prefixLength };
  }

  /** Walks the tree; the record's data offset, or -1 when there is none. Sets #prefixLength. */
  #find(ip: string): number {
    const words = this.#words;
    const version = parseIp(ip, words);
    if (version === 0) return -1;
    const tree = this.#tree;
    const nodeCount = tree.nodeCount;
    let node: number;
    let depth = 0;
    let bits: number;
    if (version === 4 || isIpv4Mapped(words)) {
      const address = version === 4 ? words[0]! : words[3]!;
      node = this.#ipv4Start;
      for (; depth < 32 && node < nodeCount; depth++) node = tree.record(node, (address >>> (31 - depth)) & 1);
      bits = 32;
    } else {
      if (this.metadata.ipVersion === 4) return -1;
      node = 0;
      for (; depth < 128 && node < nodeCount; depth++) node = tree.record(node, (words[depth >>> 5]! >>> (31 - (depth & 31))) & 1);
      bits = 128;
    }
    if (node === nodeCount) return -1;
    if (node < nodeCount) throw invalidDatabase(this.#source, `the search tree is deeper than ${bits} bits for ${ip}`);
    const offset = tree.dataOffset(node, this.#data.size);
    if (offset < 0) throw invalidDatabase(this.#source, `the search tree points outside the data section for ${ip}`);
    this.#prefixLength = depth;
    return offset;
  }

  #resolve(offset: number): unknown {
    const cache = this.#cache;
    const cached = cache.get(offset);
    if (cached !== undefined) {
      // Re-inserting keeps the Map in least-recently-used order, so eviction drops the coldest record.
      cache.delete(offset);
      cache.set(offset, cached);
      return cached;
    }
    const value = this.#data.decode(offset);
    if (this.#cacheEntries > 0) {
      if (cache.size >= this.#cacheEntries) cache.delete(cache.keys().next().value!);
      cache.set(offset, value);
    }
    return value;
  }
}
