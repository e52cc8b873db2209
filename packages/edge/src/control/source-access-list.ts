import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { BlockList, SocketAddress, isIP, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { writeFileAtomic } from '@vigil/provenance';
import { describeError, type Logger, type Metrics, type VigilError } from '@vigil/runtime';
import { edgeErrors } from '../errors.ts';
import { EdgeMetrics, type EdgeInput } from '../metrics.ts';

export interface SourceAccessListOptions {
  /** Blocked by configuration (`edge.blockedSources`); replaced when the configuration is reloaded. */
  configured?: readonly string[];
  /** Where addresses blocked by commands are kept across restarts (`<dataDir>/edge/blocked-sources.json`). */
  stateFile?: string;
  metrics: Metrics;
  logger: Logger;
}

/** One blocked address or CIDR block, in canonical form. */
export interface SourceEntry {
  /** `203.0.113.0/24`, `2001:db8::1`: what is shown, saved and compared. */
  text: string;
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/** What a change to the list did. */
export interface AccessChange {
  /** The address or block as the list keeps it. */
  entry: string;
  changed: boolean;
  /** Open connections from it that were closed. */
  closed: number;
  /** After an unblock: entries that still cover it (a wider block; `(configuration)` marks one from the configuration). */
  stillBlockedBy: string[];
}

/**
 * The source addresses and CIDR blocks (IPv4 and IPv6) this edge refuses. Consulted where
 * input arrives: a UDP datagram is dropped (`vigil_edge_dropped_total{reason="blocked_source"}`),
 * a TCP or TLS connection is closed at accept, an HTTP ingest request gets 403
 * `VIGIL_ERR_EDGE_SOURCE_BLOCKED`; each refusal is counted in `vigil_edge_blocked_total{input}`.
 * Blocking also closes connections already open from that source. IPv4-mapped IPv6 addresses
 * (`::ffff:203.0.113.9`, what a dual-stack listener reports) count as the IPv4 address.
 * Two layers: entries from the configuration and entries from commands; only the latter are
 * saved to `stateFile`.
 */
export class SourceAccessList {
  readonly #options: SourceAccessListOptions;
  readonly #metrics: EdgeMetrics;
  readonly #open = new Map<Socket, { address: string; input: EdgeInput }>();
  #configured = new Map<string, SourceEntry>();
  #commanded = new Map<string, SourceEntry>();
  #list = new BlockList();
  #empty = true;

  /** Reads the saved list; throws VIGIL_ERR_EDGE_BLOCKLIST_UNREADABLE, since starting without it would let blocked sources back in. */
  constructor(options: SourceAccessListOptions) {
    this.#options = options;
    this.#metrics = new EdgeMetrics(options.metrics);
    this.#configured = toEntries(options.configured ?? []);
    this.#commanded = this.#load();
    this.#rebuild();
  }

  /** True when `address` (as a socket reports it) is covered by an entry. */
  isBlocked(address: string): boolean {
    if (this.#empty) return false;
    const peer = peerAddress(address);
    return peer !== null && this.#list.check(peer.address, peer.family);
  }

  /** The entries in force, by layer. */
  entries(): { configured: string[]; commanded: string[] } {
    return { configured: [...this.#configured.keys()], commanded: [...this.#commanded.keys()] };
  }

  /** Blocks an address or CIDR block (saved before it takes effect) and closes open connections from it. */
  block(source: string): AccessChange {
    const entry = parseSource(source);
    if (this.#commanded.has(entry.text)) return { entry: entry.text, changed: false, closed: 0, stillBlockedBy: [] };
    const next = new Map(this.#commanded).set(entry.text, entry);
    this.#save(next);
    this.#commanded = next;
    this.#rebuild();
    return { entry: entry.text, changed: true, closed: this.#closeBlocked(), stillBlockedBy: [] };
  }

  /** Lifts a block set by a command (saved before it takes effect); says which entries still cover the address. */
  unblock(source: string): AccessChange {
    const entry = parseSource(source);
    let changed = false;
    if (this.#commanded.has(entry.text)) {
      const next = new Map(this.#commanded);
      next.delete(entry.text);
      this.#save(next);
      this.#commanded = next;
      this.#rebuild();
      changed = true;
    }
    const covering = [
      ...[...this.#configured.values()].filter((candidate) => covers(candidate, entry)).map((candidate) => `${candidate.text} (configuration)`),
      ...[...this.#commanded.values()].filter((candidate) => covers(candidate, entry)).map((candidate) => candidate.text),
    ];
    return { entry: entry.text, changed, closed: 0, stillBlockedBy: covering };
  }

  /** Replaces the entries from the configuration (a reload); returns what was added and removed. */
  setConfigured(sources: readonly string[]): { added: string[]; removed: string[]; closed: number } {
    const next = toEntries(sources);
    const added = [...next.keys()].filter((text) => !this.#configured.has(text));
    const removed = [...this.#configured.keys()].filter((text) => !next.has(text));
    this.#configured = next;
    this.#rebuild();
    return { added, removed, closed: added.length > 0 ? this.#closeBlocked() : 0 };
  }

  /** For the UDP receive point: true (and counted as a drop) when the datagram's sender is blocked. */
  refuseDatagram(address: string): boolean {
    if (!this.isBlocked(address)) return false;
    this.#metrics.dropped.inc({ reason: 'blocked_source' });
    this.#metrics.blocked.inc({ input: 'syslog_udp' });
    return true;
  }

  /** For a TCP/TLS accept point: closes and counts a connection from a blocked source and returns true; otherwise watches it, so a later block closes it. */
  refuseConnection(socket: Socket, input: EdgeInput): boolean {
    const address = socket.remoteAddress ?? '';
    if (this.isBlocked(address)) {
      this.#metrics.blocked.inc({ input });
      socket.destroy();
      return true;
    }
    this.#open.set(socket, { address, input });
    socket.once('close', () => this.#open.delete(socket));
    return false;
  }

  /** For HTTP ingest: the refusal for a request from a blocked source (counted), or undefined. */
  refuseRequest(address: string | undefined): VigilError | undefined {
    if (address === undefined || !this.isBlocked(address)) return undefined;
    this.#metrics.blocked.inc({ input: 'http' });
    return edgeErrors.create('VIGIL_ERR_EDGE_SOURCE_BLOCKED', { address: peerAddress(address)?.address ?? address });
  }

  #closeBlocked(): number {
    let closed = 0;
    for (const [socket, { address, input }] of this.#open) {
      if (!this.isBlocked(address)) continue;
      this.#open.delete(socket);
      this.#metrics.blocked.inc({ input });
      socket.destroy();
      closed++;
    }
    return closed;
  }

  #rebuild(): void {
    const list = new BlockList();
    for (const entry of [...this.#configured.values(), ...this.#commanded.values()]) {
      if (entry.prefix === fullPrefix(entry.family)) list.addAddress(entry.address, entry.family);
      else list.addSubnet(entry.address, entry.prefix, entry.family);
    }
    this.#list = list;
    this.#empty = this.#configured.size === 0 && this.#commanded.size === 0;
  }

  #load(): Map<string, SourceEntry> {
    const { stateFile } = this.#options;
    if (stateFile === undefined || !existsSync(stateFile)) return new Map();
    try {
      const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { blocked?: unknown };
      if (!Array.isArray(saved.blocked) || !saved.blocked.every((item) => typeof item === 'string')) throw new Error('expected {"blocked": ["<address or CIDR>", ...]}');
      return toEntries(saved.blocked as string[]);
    } catch (error) {
      throw edgeErrors.create('VIGIL_ERR_EDGE_BLOCKLIST_UNREADABLE', { path: stateFile, reason: describeError(error) }, { cause: error });
    }
  }

  #save(entries: Map<string, SourceEntry>): void {
    const { stateFile } = this.#options;
    if (stateFile === undefined) return;
    try {
      mkdirSync(dirname(stateFile), { recursive: true, mode: 0o700 });
      writeFileAtomic(stateFile, `${JSON.stringify({ blocked: [...entries.keys()] }, null, 2)}\n`, 0o600);
    } catch (error) {
      throw edgeErrors.create('VIGIL_ERR_EDGE_BLOCKLIST_UNWRITABLE', { path: stateFile, reason: describeError(error) }, { cause: error });
    }
  }
}

/** An onRequest hook for fastify: answers an ingest request from a blocked source with `send`'s error reply (403). */
export function blockedSourceHook(list: SourceAccessList, send: (reply: FastifyReply, error: VigilError) => FastifyReply) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    // Health and metrics carry no events; a monitoring host inside a blocked range keeps them.
    if (request.method === 'GET' && (request.url === '/healthz' || request.url === '/metrics')) return undefined;
    const refusal = list.refuseRequest(request.socket.remoteAddress);
    return refusal && send(reply, refusal);
  };
}

/** Parses `203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32` or `::ffff:203.0.113.7` into its canonical entry; throws VIGIL_ERR_EDGE_BAD_SOURCE_ADDRESS. */
export function parseSource(source: string): SourceEntry {
  const [rawAddress = '', bits, extra] = source.trim().split('/');
  const version = isIP(rawAddress);
  if (extra !== undefined || version === 0 || rawAddress.includes('%') || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
    throw edgeErrors.create('VIGIL_ERR_EDGE_BAD_SOURCE_ADDRESS', { address: source });
  }
  let family: SourceEntry['family'] = version === 4 ? 'ipv4' : 'ipv6';
  let address = version === 4 ? rawAddress : new SocketAddress({ address: rawAddress, family: 'ipv6' }).address;
  let prefix = bits === undefined ? fullPrefix(family) : Number(bits);
  if (prefix > fullPrefix(family)) throw edgeErrors.create('VIGIL_ERR_EDGE_BAD_SOURCE_ADDRESS', { address: source });
  const mapped = family === 'ipv6' && prefix >= 96 ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address) : null;
  if (mapped) {
    address = mapped[1]!;
    family = 'ipv4';
    prefix -= 96;
  }
  return { text: prefix === fullPrefix(family) ? address : `${address}/${prefix}`, address, prefix, family };
}

/** A socket's address in canonical form (IPv4-mapped IPv6 as IPv4, zone dropped), or null when it is not an IP address. */
function peerAddress(raw: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  const family = isIP(raw);
  if (family === 4) return { address: raw, family: 'ipv4' };
  if (family !== 6) return null;
  const address = new SocketAddress({ address: raw, family: 'ipv6' }).address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  return mapped ? { address: mapped[1]!, family: 'ipv4' } : { address, family: 'ipv6' };
}

function toEntries(sources: readonly string[]): Map<string, SourceEntry> {
  const entries = new Map<string, SourceEntry>();
  for (const source of sources) {
    const entry = parseSource(source);
    entries.set(entry.text, entry);
  }
  return entries;
}

function fullPrefix(family: 'ipv4' | 'ipv6'): number {
  return family === 'ipv4' ? 32 : 128;
}

/** True when `outer` covers all of `inner` (same family, shorter or equal prefix, inner's network inside outer). */
function covers(outer: SourceEntry, inner: SourceEntry): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  const single = new BlockList();
  if (outer.prefix === fullPrefix(outer.family)) single.addAddress(outer.address, outer.family);
  else single.addSubnet(outer.address, outer.prefix, outer.family);
  return single.check(inner.address, inner.family);
}
