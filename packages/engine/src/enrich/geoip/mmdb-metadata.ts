import { invalidDatabase } from './errors.ts';
import { MmdbDecoder } from './mmdb-decoder.ts';
import { METADATA_MARKER, METADATA_MAX_BYTES, RECORD_SIZES } from './mmdb-format.ts';

/** What an `.mmdb` file says about itself. */
export interface MmdbMetadata {
  /** Nodes in the search tree. */
  readonly nodeCount: number;
  /** Bits per search tree record: 24, 28 or 32. */
  readonly recordSize: 24 | 28 | 32;
  /** 4 for an IPv4-only tree, 6 for an IPv6 tree (IPv4 under `::/96`). */
  readonly ipVersion: 4 | 6;
  /** What the records hold, e.g. `GeoLite2-City`, `GeoLite2-ASN`. */
  readonly databaseType: string;
  /** Locale codes the records have names in. */
  readonly languages: readonly string[];
  /** Descriptions by locale code. */
  readonly description: Readonly<Record<string, string>>;
  readonly binaryFormatMajorVersion: number;
  readonly binaryFormatMinorVersion: number;
  /** When the file was built, in seconds since the Unix epoch. */
  readonly buildEpoch: number;
}

/**
 * Finds the metadata section (the last marker within 128 KiB of the end), decodes it and checks
 * the keys a reader depends on. Returns the metadata and where the marker starts, which is where
 * the data section ends.
 */
export function readMetadata(buf: Buffer, source: string): { metadata: MmdbMetadata; markerOffset: number } {
  const searchFrom = Math.max(0, buf.length - METADATA_MAX_BYTES);
  const found = buf.subarray(searchFrom).lastIndexOf(METADATA_MARKER);
  if (found < 0) {
    throw invalidDatabase(source, 'the metadata marker \\xAB\\xCD\\xEFMaxMind.com is not in the last 128 KiB (a truncated file, or not an .mmdb file)');
  }
  const markerOffset = searchFrom + found;
  const decoder = new MmdbDecoder(buf, markerOffset + METADATA_MARKER.length, buf.length, source);
  const raw = decoder.decode(0);
  if (!isMap(raw)) throw invalidDatabase(source, 'the metadata is not a map');

  const field = (key: string, check: (value: unknown) => boolean, expected: string): unknown => {
    const value = raw[key];
    if (!check(value)) throw invalidDatabase(source, `metadata ${key} is ${describe(value)}, expected ${expected}`);
    return value;
  };
  // Writers differ in which unsigned type they pick (uint16, uint32, uint64), so any integer counts.
  const integer = (key: string): number => Number(field(key, isInteger, 'an integer'));
  const major = integer('binary_format_major_version');
  if (major !== 2) throw invalidDatabase(source, `binary format version ${major} is not supported (only 2.x is)`);
  const recordSize = integer('record_size');
  if (!(RECORD_SIZES as readonly number[]).includes(recordSize)) {
    throw invalidDatabase(source, `record_size ${recordSize} is not supported (24, 28 or 32)`);
  }
  const nodeCount = integer('node_count');
  if (nodeCount < 1) throw invalidDatabase(source, `node_count ${nodeCount} is not positive`);
  if (nodeCount >= 2 ** recordSize) throw invalidDatabase(source, `node_count ${nodeCount} does not fit in ${recordSize}-bit records`);
  const ipVersion = integer('ip_version');
  if (ipVersion !== 4 && ipVersion !== 6) throw invalidDatabase(source, `ip_version ${ipVersion} is not 4 or 6`);
  const languages = raw['languages'] ?? [];
  if (!Array.isArray(languages) || !languages.every((language) => typeof language === 'string')) {
    throw invalidDatabase(source, `metadata languages is ${describe(languages)}, expected a list of strings`);
  }
  const description = raw['description'] ?? {};
  if (!isMap(description) || !Object.values(description).every((text) => typeof text === 'string')) {
    throw invalidDatabase(source, `metadata description is ${describe(description)}, expected a map of strings`);
  }
  const metadata: MmdbMetadata = {
    nodeCount,
    recordSize: recordSize as 24 | 28 | 32,
    ipVersion,
    databaseType: field('database_type', (value) => typeof value === 'string', 'a string') as string,
    languages,
    description: description as Record<string, string>,
    binaryFormatMajorVersion: major,
    binaryFormatMinorVersion: integer('binary_format_minor_version'),
    buildEpoch: integer('build_epoch'),
  };
  return { metadata: Object.freeze(metadata), markerOffset };
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function isInteger(value: unknown): boolean {
  return typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value));
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}
