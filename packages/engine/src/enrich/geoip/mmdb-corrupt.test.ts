import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { geoipErrors } from './errors.ts';
import { mmdbValue, type MmdbValue } from './mmdb-encoder.ts';
import { METADATA_MARKER } from './mmdb-format.ts';
import { MmdbReader, type MmdbReaderOptions } from './mmdb-reader.ts';
import { writeMmdb, type MmdbWriteOptions } from './mmdb-writer.ts';
import { CITY_RECORDS } from './testdata/geolite2-records.ts';

const GOOD = writeMmdb(CITY_RECORDS, { databaseType: 'GeoLite2-City', recordSize: 24 });
const MARKER_AT = GOOD.lastIndexOf(METADATA_MARKER);

/** Runs `action` and returns the GeoIP error it threw; fails when it threw nothing or something else. */
function invalid(action: () => unknown): Error {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(geoipErrors.is(thrown, 'VIGIL_ERR_GEOIP_DATABASE_INVALID'), `expected a GeoIP database error, got ${String(thrown)}`).toBe(true);
  return thrown as Error;
}

const open = (buf: Buffer, options: MmdbReaderOptions = {}) => () => MmdbReader.fromBuffer(buf, { name: 'GeoLite2-City.mmdb', ...options });

/** A database whose single record is `data` (written first, so at data offset 0). */
const withRecord = (data: MmdbValue, options: Partial<MmdbWriteOptions> = {}) =>
  writeMmdb([{ network: '203.0.113.0/24', data }], { databaseType: 'Vigil-Test', recordSize: 24, ...options });

const bytes = (...values: number[]) => mmdbValue.raw(new Uint8Array(values));

describe('MMDB reader on corrupt files', () => {
  it('names the file and says it is truncated when the metadata is cut off', () => {
    expect(invalid(open(GOOD.subarray(0, 40))).message).toMatch(
      /^GeoIP database GeoLite2-City\.mmdb is not a valid MaxMind DB file: the metadata marker .* is not in the last 128 KiB \(a truncated file/,
    );
    expect(invalid(open(GOOD.subarray(0, GOOD.length - 5))).message).toMatch(/runs past the end of the section/);
  });

  it('rejects a file whose data section was cut short', () => {
    const cut = Buffer.concat([GOOD.subarray(0, MARKER_AT - 200), GOOD.subarray(MARKER_AT)]);
    expect(invalid(open(cut)).message).toMatch(/outside the data section|runs past the end of the section/);
  });

  it('rejects a damaged metadata marker', () => {
    const damaged = Buffer.from(GOOD);
    damaged[MARKER_AT + 5] = 0x6d;
    expect(invalid(open(damaged)).message).toMatch(/metadata marker/);
  });

  it('rejects metadata a reader cannot work with, naming the key', () => {
    const cases: [Record<string, MmdbValue>, RegExp][] = [
      [{ record_size: mmdbValue.uint16(26) }, /record_size 26 is not supported \(24, 28 or 32\)/],
      [{ binary_format_major_version: mmdbValue.uint16(3) }, /binary format version 3 is not supported/],
      [{ ip_version: mmdbValue.uint16(5) }, /ip_version 5 is not 4 or 6/],
      [{ node_count: mmdbValue.uint32(1_000_000) }, /search tree \(1000000 nodes of 24-bit records\) does not fit before the metadata/],
      [{ node_count: mmdbValue.uint32(2 ** 24) }, /node_count 16777216 does not fit in 24-bit records/],
      [{ database_type: mmdbValue.uint16(1) }, /metadata database_type is 1, expected a string/],
      [{ languages: 'en' }, /metadata languages is "en", expected a list of strings/],
    ];
    for (const [metadata, reason] of cases) {
      expect(invalid(open(writeMmdb(CITY_RECORDS, { databaseType: 'GeoLite2-City', recordSize: 24, metadata }))).message).toMatch(reason);
    }
  });

  it('notices a wrong node count through the separator after the tree', () => {
    const nodeCount = MmdbReader.fromBuffer(GOOD).metadata.nodeCount;
    const buf = writeMmdb(CITY_RECORDS, { databaseType: 'GeoLite2-City', recordSize: 24, metadata: { node_count: mmdbValue.uint32(nodeCount - 1) } });
    expect(invalid(open(buf)).message).toMatch(/bytes after the search tree are not zero/);
  });

  it('rejects a search tree record that points past the data section, at open or at lookup', () => {
    const damaged = Buffer.from(GOOD);
    damaged.writeUIntBE(0xffffff, 0, 3);
    expect(invalid(open(damaged)).message).toMatch(/search tree node 0 points to data offset \d+, outside the data section/);
    const unchecked = MmdbReader.fromBuffer(damaged, { verify: false });
    expect(invalid(() => unchecked.get('203.0.113.7')).message).toMatch(/points outside the data section for 203\.0\.113\.7/);
  });

  it('rejects a loop in the search tree instead of walking it forever', () => {
    const looped = Buffer.from(GOOD);
    looped.writeUIntBE(0, 0, 3);
    expect(invalid(open(looped)).message).toMatch(/search tree is deeper than 128 bits/);
    const unchecked = MmdbReader.fromBuffer(looped, { verify: false });
    // Node 0's left record is node 0 again: an all-zero address walks it until its bits run out.
    expect(invalid(() => unchecked.get('0.0.0.0')).message).toMatch(/deeper than 32 bits for 0\.0\.0\.0/);
    expect(invalid(() => unchecked.get('::')).message).toMatch(/deeper than 128 bits/);
  });

  it('rejects data pointers out of range, to other pointers, and in loops', () => {
    expect(invalid(open(withRecord({ city: bytes(0x38, 0x00, 0xff, 0xff, 0xff) }))).message).toMatch(/pointer at offset 6 points to offset 16777215, past the end of the section/);
    // Offset 0: a pointer to offset 2, which is a pointer back to 0.
    expect(invalid(open(withRecord(bytes(0x20, 0x02, 0x20, 0x00)))).message).toMatch(/pointer at offset 0 points to another pointer/);
    // Offset 0: a map of one entry, "a" → pointer to offset 0.
    const loop = withRecord(bytes(0xe1, 0x41, 0x61, 0x20, 0x00));
    expect(invalid(open(loop)).message).toMatch(/leads back to offset 0 \(a pointer loop\)/);
    const unchecked = MmdbReader.fromBuffer(loop, { verify: false });
    expect(invalid(() => unchecked.get('203.0.113.7')).message).toMatch(/nested deeper than 512 levels/);
  });

  it('fails a lookup whose record expands without bound rather than hanging', () => {
    // Forty arrays, each holding two pointers to the next: 2^40 values from 240 bytes.
    const chain: number[] = [];
    for (let level = 0; level < 40; level++) {
      const next = (level + 1) * 6;
      chain.push(0x02, 0x04, 0x20 | (next >> 8), next & 0xff, 0x20 | (next >> 8), next & 0xff);
    }
    chain.push(0x41, 0x78);
    const reader = MmdbReader.fromBuffer(withRecord(bytes(...chain)));
    expect(invalid(() => reader.get('203.0.113.7')).message).toMatch(/expands to more than 100000 values/);
  });

  it('rejects malformed values, saying where and what', () => {
    const cases: [MmdbValue, RegExp][] = [
      [bytes(0xe1, 0xc1, 0x05, 0x41, 0x61), /map key at offset 1 is not a string/],
      [bytes(0x00, 0x00), /extended type 7 at offset 0 is not a MaxMind DB type/],
      [bytes(0x00, 0x05), /unexpected data cache container at offset 0/],
      [bytes(0x00, 0x06), /unexpected end marker at offset 0/],
      [bytes(0x64, 0x40, 0x49, 0x0f, 0xdb), /double at offset 0 has an invalid size of 4 bytes/],
      [bytes(0xc5, 1, 2, 3, 4, 5), /uint32 at offset 0 has an invalid size of 5 bytes/],
      [bytes(0x02, 0x07), /boolean at offset 0 has value 2/],
      [bytes(0x5d, 0xff, 0x61), /string at offset 0 \(284 bytes\) runs past the end of the section/],
      [bytes(0xfc, 0x41, 0x61), /map at offset 0 claims 28 entries, more than the section holds/],
      [bytes(0xff), /size of the value at offset 0 runs past the end of the section/],
    ];
    for (const [record, reason] of cases) expect(invalid(open(withRecord(record))).message).toMatch(reason);
  });

  it('says a database file cannot be read, naming the path', async () => {
    const path = join(tmpdir(), 'vigil-no-such-dir', 'GeoLite2-City.mmdb');
    const error = await MmdbReader.open(path).catch((thrown: unknown) => thrown);
    expect(geoipErrors.is(error, 'VIGIL_ERR_GEOIP_DATABASE_UNREADABLE')).toBe(true);
    expect((error as Error).message).toContain(`GeoIP database ${path} cannot be read: ENOENT`);
  });
});
