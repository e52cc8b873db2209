import { invalidDatabase } from './errors.ts';
import type { MmdbDecoder } from './mmdb-decoder.ts';
import { DATA_SECTION_SEPARATOR_BYTES } from './mmdb-format.ts';

/**
 * The binary search tree at the start of an `.mmdb` file: `nodeCount` nodes of two records each,
 * one bit of the address per level. A record below `nodeCount` is a node, equal to it means "no
 * data", above it is a pointer into the data section.
 */
export class SearchTree {
  readonly nodeCount: number;
  readonly #buf: Buffer;
  readonly #recordSize: 24 | 28 | 32;

  constructor(buf: Buffer, nodeCount: number, recordSize: 24 | 28 | 32) {
    this.#buf = buf;
    this.nodeCount = nodeCount;
    this.#recordSize = recordSize;
  }

  /** Bytes the tree takes at the start of the file. */
  get byteLength(): number {
    return (this.nodeCount * this.#recordSize) / 4;
  }

  /** The left (`side` 0) or right (`side` 1) record of `node`. */
  record(node: number, side: number): number {
    const buf = this.#buf;
    if (this.#recordSize === 24) {
      const at = node * 6 + side * 3;
      return (buf[at]! << 16) | (buf[at + 1]! << 8) | buf[at + 2]!;
    }
    if (this.#recordSize === 28) {
      // 28-bit records share the middle byte: its high nibble tops the left record, its low nibble the right.
      const at = node * 7;
      if (side === 0) return ((buf[at + 3]! & 0xf0) << 20) | (buf[at]! << 16) | (buf[at + 1]! << 8) | buf[at + 2]!;
      return ((buf[at + 3]! & 0x0f) << 24) | (buf[at + 4]! << 16) | (buf[at + 5]! << 8) | buf[at + 6]!;
    }
    return buf.readUInt32BE(node * 8 + side * 4);
  }

  /** The data section offset a data record points to, or -1 when it points outside `dataSize`. */
  dataOffset(record: number, dataSize: number): number {
    const offset = record - this.nodeCount - DATA_SECTION_SEPARATOR_BYTES;
    return offset >= 0 && offset < dataSize ? offset : -1;
  }
}

/**
 * Checks a whole database so corruption fails the open, not a lookup: every path through the
 * tree ends within `bitCount` levels (which also rules out loops), every data record points into
 * the data section, and every record there decodes. One pass over the tree and the data.
 */
export function verifyDatabase(tree: SearchTree, bitCount: number, data: MmdbDecoder, source: string): void {
  const nodeCount = tree.nodeCount;
  const unvisited = 255;
  // Longest path (in nodes) below each finished node; shared subtrees (IPv4 aliases) are walked once.
  const heights = new Uint8Array(nodeCount).fill(unvisited);
  const records = new Set<number>();

  const visit = (node: number, depth: number): number => {
    if (depth >= bitCount) throw invalidDatabase(source, `the search tree is deeper than ${bitCount} bits at node ${node} (a loop in the tree?)`);
    let height = 1;
    for (let side = 0; side < 2; side++) {
      const record = tree.record(node, side);
      if (record < nodeCount) {
        const known = heights[record]!;
        const below = known === unvisited ? visit(record, depth + 1) : known;
        if (depth + 1 + below > bitCount) throw invalidDatabase(source, `the search tree is deeper than ${bitCount} bits below node ${record}`);
        height = Math.max(height, below + 1);
      } else if (record > nodeCount) {
        const offset = tree.dataOffset(record, data.size);
        if (offset < 0) {
          throw invalidDatabase(source, `search tree node ${node} points to data offset ${record - nodeCount - DATA_SECTION_SEPARATOR_BYTES}, outside the data section (${data.size} bytes)`);
        }
        records.add(offset);
      }
    }
    heights[node] = height;
    return height;
  };

  visit(0, 0);
  for (const offset of records) data.validate(offset);
}
