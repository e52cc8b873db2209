import { writeFile } from 'node:fs/promises';
import { parseNetwork } from '../../net/ip-address.ts';
import { MmdbEncoder, mmdbValue, type MmdbValue } from './mmdb-encoder.ts';
import { DATA_SECTION_SEPARATOR_BYTES, METADATA_MARKER } from './mmdb-format.ts';

/** One network of a database being written and its record. */
export interface MmdbNetworkRecord {
  /** CIDR, e.g. `203.0.113.0/24` or `2001:db8::/32`; host bits must be zero. */
  network: string;
  data: MmdbValue;
}

/** What the written file says about itself, and how it is laid out. */
export interface MmdbWriteOptions {
  /** `database_type`, e.g. `GeoLite2-City`. */
  databaseType: string;
  /** Bits per search tree record (default 28). */
  recordSize?: 24 | 28 | 32;
  /** 6 (default): an IPv6 tree with IPv4 under `::/96`; 4: an IPv4-only tree. */
  ipVersion?: 4 | 6;
  /** Locale codes (default `['en']`). */
  languages?: string[];
  /** Descriptions by locale code (default none). */
  description?: Record<string, string>;
  /** Build time in seconds since the epoch (default now). */
  buildEpoch?: number;
  /** Point `::ffff:0:0/96` and `2002::/16` at the IPv4 subtree, as MaxMind's databases do (default true). */
  ipv4Aliases?: boolean;
  /** Write repeated strings, maps and arrays once and point to them (default true). */
  pointers?: boolean;
  /** Metadata keys to add or replace, for testing readers on odd files. */
  metadata?: Record<string, MmdbValue>;
}

interface TreeNode {
  children: [Child, Child];
}
type Child = TreeNode | { offset: number } | null;
type Side = 0 | 1;

const ALIASES = ['::ffff:0:0/96', '2002::/16'];

/**
 * Builds a MaxMind DB file (format 2.0) from networks and records: a test helper, so tests here
 * and in other packages can make small real-looking databases instead of shipping binaries.
 * A more specific network wins over a less specific one whatever the order; IPv4 networks go
 * under `::/96` of an IPv6 tree, where readers look for them, as MaxMind's own writer does.
 */
export function writeMmdb(records: readonly MmdbNetworkRecord[], options: MmdbWriteOptions): Buffer {
  const recordSize = options.recordSize ?? 28;
  const ipVersion = options.ipVersion ?? 6;
  const encoder = new MmdbEncoder({ pointers: options.pointers ?? true });
  const root: TreeNode = { children: [null, null] };
  const networks = records.map((record) => ({ ...treeNetwork(record.network, ipVersion), data: record.data }));
  networks.sort((a, b) => a.prefix - b.prefix);
  for (const network of networks) insert(root, network.bits, network.prefix, { offset: encoder.write(network.data) });
  if (ipVersion === 6 && (options.ipv4Aliases ?? true)) addIpv4Aliases(root);

  const nodes = numberNodes(root);
  const data = encoder.toBuffer();
  const nodeCount = nodes.size;
  const recordValue = (child: Child): number => {
    if (child === null) return nodeCount;
    if ('children' in child) return nodes.get(child)!;
    return nodeCount + DATA_SECTION_SEPARATOR_BYTES + child.offset;
  };
  const tree = Buffer.alloc((nodeCount * recordSize) / 4);
  for (const [node, index] of nodes) {
    const left = recordValue(node.children[0]);
    const right = recordValue(node.children[1]);
    if (Math.max(left, right) >= 2 ** recordSize) throw new RangeError(`the database is too large for ${recordSize}-bit records`);
    writeNode(tree, index, recordSize, left, right);
  }

  const metadata = new MmdbEncoder();
  metadata.write({
    binary_format_major_version: mmdbValue.uint16(2),
    binary_format_minor_version: mmdbValue.uint16(0),
    build_epoch: mmdbValue.uint64(options.buildEpoch ?? Math.floor(Date.now() / 1000)),
    database_type: options.databaseType,
    description: options.description ?? {},
    ip_version: mmdbValue.uint16(ipVersion),
    languages: options.languages ?? ['en'],
    node_count: mmdbValue.uint32(nodeCount),
    record_size: mmdbValue.uint16(recordSize),
    ...options.metadata,
  });
  return Buffer.concat([tree, Buffer.alloc(DATA_SECTION_SEPARATOR_BYTES), data, METADATA_MARKER, metadata.toBuffer()]);
}

/** {@link writeMmdb} into a file. */
export async function writeMmdbFile(path: string, records: readonly MmdbNetworkRecord[], options: MmdbWriteOptions): Promise<void> {
  await writeFile(path, writeMmdb(records, options));
}

/** The bits of a CIDR in the tree's address space (IPv4 under `::/96` in an IPv6 tree), and its prefix length there. */
function treeNetwork(text: string, ipVersion: 4 | 6): { bits: (index: number) => Side; prefix: number } {
  const words = new Uint32Array(4);
  const network = parseNetwork(text, words);
  if (network === undefined) throw new Error(`${text} is not a CIDR network`);
  const { version, prefix } = network;
  if (version === 6 && ipVersion === 4) throw new Error(`${text} is IPv6 but the database is IPv4-only`);
  const v4 = words[0]!;
  const addressBit = version === 4 ? (i: number) => ((v4 >>> (31 - i)) & 1) as Side : (i: number) => ((words[i >>> 5]! >>> (31 - (i & 31))) & 1) as Side;
  for (let i = prefix; i < (version === 4 ? 32 : 128); i++) {
    if (addressBit(i) !== 0) throw new Error(`${text} has host bits set`);
  }
  if (version === 4 && ipVersion === 6) return { bits: (i) => (i < 96 ? 0 : addressBit(i - 96)), prefix: 96 + prefix };
  return { bits: addressBit, prefix };
}

/** Sets the subtree for a network, splitting a less specific record on the way into two copies. */
function insert(root: TreeNode, bits: (index: number) => Side, prefix: number, child: Child): void {
  if (prefix === 0) {
    root.children = [child, child];
    return;
  }
  let node = root;
  for (let i = 0; i < prefix - 1; i++) {
    const side = bits(i);
    const next = node.children[side];
    if (next !== null && 'children' in next) {
      node = next;
    } else {
      const split: TreeNode = { children: [next, next] };
      node.children[side] = split;
      node = split;
    }
  }
  node.children[bits(prefix - 1)] = child;
}

function addIpv4Aliases(root: TreeNode): void {
  let ipv4Root: Child = root;
  for (let i = 0; i < 96 && ipv4Root !== null && 'children' in ipv4Root; i++) ipv4Root = ipv4Root.children[0];
  if (ipv4Root === null) return;
  for (const alias of ALIASES) {
    const { bits, prefix } = treeNetwork(alias, 6);
    let node = root;
    for (let i = 0; i < prefix; i++) {
      const next = node.children[bits(i)];
      if (next !== null && !('children' in next)) throw new Error(`a network with data overlaps the IPv4 alias ${alias}; write with ipv4Aliases: false`);
      if (i === prefix - 1) {
        if (next !== null) throw new Error(`a network overlaps the IPv4 alias ${alias}; write with ipv4Aliases: false`);
        node.children[bits(i)] = ipv4Root;
      } else if (next === null) {
        const created: TreeNode = { children: [null, null] };
        node.children[bits(i)] = created;
        node = created;
      } else {
        node = next;
      }
    }
  }
}

/** Numbers the nodes depth-first from the root (node 0); a node shared by aliases gets one number. */
function numberNodes(root: TreeNode): Map<TreeNode, number> {
  const numbers = new Map<TreeNode, number>();
  const visit = (node: TreeNode): void => {
    if (numbers.has(node)) return;
    numbers.set(node, numbers.size);
    for (const child of node.children) if (child !== null && 'children' in child) visit(child);
  };
  visit(root);
  return numbers;
}

function writeNode(tree: Buffer, index: number, recordSize: 24 | 28 | 32, left: number, right: number): void {
  if (recordSize === 24) {
    tree.writeUIntBE(left, index * 6, 3);
    tree.writeUIntBE(right, index * 6 + 3, 3);
  } else if (recordSize === 28) {
    const at = index * 7;
    tree.writeUIntBE(left & 0xffffff, at, 3);
    tree[at + 3] = ((left >>> 24) << 4) | (right >>> 24);
    tree.writeUIntBE(right & 0xffffff, at + 4, 3);
  } else {
    tree.writeUInt32BE(left, index * 8);
    tree.writeUInt32BE(right, index * 8 + 4);
  }
}
