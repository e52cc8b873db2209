import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mmdbValue } from './mmdb-encoder.ts';
import { MmdbReader } from './mmdb-reader.ts';
import { writeMmdb, writeMmdbFile, type MmdbNetworkRecord } from './mmdb-writer.ts';
import { CITY_RECORDS } from './testdata/geolite2-records.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vigil-mmdb-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const EVERY_TYPE = {
  string: 'Zürich — 東京',
  emptyString: '',
  string29: 's'.repeat(100),
  string30: 'm'.repeat(5_000),
  string31: 'l'.repeat(70_000),
  double: 51.5074,
  float: mmdbValue.float(1.5),
  bytes: new Uint8Array([0, 1, 254, 255]),
  emptyBytes: new Uint8Array(0),
  uint16: mmdbValue.uint16(65_535),
  uint32: 4_294_967_295,
  zero: 0,
  int32: mmdbValue.int32(-2_147_483_648),
  int32Small: -7,
  int32Positive: mmdbValue.int32(42),
  uint64: mmdbValue.uint64(2n ** 64n - 1n),
  uint128: 2n ** 128n - 1n,
  true: true,
  false: false,
  map: { nested: { deeper: { value: 'at the bottom' } } },
  emptyMap: {},
  array: [1, 'two', [3], { four: 4 }],
  emptyArray: [],
};

const EVERY_TYPE_DECODED = {
  ...EVERY_TYPE,
  float: 1.5,
  uint16: 65_535,
  int32: -2_147_483_648,
  int32Positive: 42,
  uint64: 2n ** 64n - 1n,
};

const NETWORKS: MmdbNetworkRecord[] = [
  { network: '198.51.100.0/24', data: 'net24' },
  { network: '198.51.100.128/25', data: 'net25' },
  { network: '198.51.100.7/32', data: 'host' },
  { network: '203.0.113.0/24', data: EVERY_TYPE },
  { network: '2001:db8:1::/48', data: 'v6-48' },
];

describe('MMDB reader and writer', () => {
  it('round-trips every data type', () => {
    const reader = MmdbReader.fromBuffer(writeMmdb(NETWORKS, { databaseType: 'Vigil-Test' }));
    expect(reader.get('203.0.113.7')).toEqual(EVERY_TYPE_DECODED);
  });

  for (const recordSize of [24, 28, 32] as const) {
    it(`looks up IPv4 and IPv6 networks with ${recordSize}-bit records`, () => {
      const reader = MmdbReader.fromBuffer(writeMmdb(NETWORKS, { databaseType: 'Vigil-Test', recordSize }));
      expect(reader.metadata.recordSize).toBe(recordSize);
      expect(reader.lookup('198.51.100.7')).toEqual({ data: 'host', prefixLength: 32 });
      expect(reader.lookup('198.51.100.200')).toEqual({ data: 'net25', prefixLength: 25 });
      expect(reader.lookup('2001:db8:1:2::3')).toEqual({ data: 'v6-48', prefixLength: 48 });
      expect(reader.get('203.0.113.250')).toEqual(EVERY_TYPE_DECODED);
      expect(reader.get('192.0.2.1')).toBeUndefined();
    });

    it(`reads an IPv4-only tree with ${recordSize}-bit records`, () => {
      const v4 = NETWORKS.filter((record) => !record.network.includes(':'));
      const reader = MmdbReader.fromBuffer(writeMmdb(v4, { databaseType: 'Vigil-Test', recordSize, ipVersion: 4 }));
      expect(reader.metadata.ipVersion).toBe(4);
      expect(reader.lookup('198.51.100.7')).toEqual({ data: 'host', prefixLength: 32 });
      expect(reader.lookup('::ffff:198.51.100.7')).toEqual({ data: 'host', prefixLength: 32 });
      expect(reader.get('2001:db8:1::1')).toBeUndefined();
    });
  }

  it('returns the most specific network, with the prefix length of the tree network that holds the address', () => {
    const reader = MmdbReader.fromBuffer(writeMmdb(NETWORKS, { databaseType: 'Vigil-Test' }));
    // 198.51.100.8 is in the /24, but the /32 at .7 splits the tree down to 198.51.100.8/29.
    expect(reader.lookup('198.51.100.8')).toEqual({ data: 'net24', prefixLength: 29 });
    expect(reader.lookup('198.51.100.129')).toEqual({ data: 'net25', prefixLength: 25 });
  });

  it('lets a more specific network win whatever order the networks are written in', () => {
    const reader = MmdbReader.fromBuffer(writeMmdb([...NETWORKS].reverse(), { databaseType: 'Vigil-Test' }));
    expect(reader.get('198.51.100.7')).toBe('host');
    expect(reader.get('198.51.100.6')).toBe('net24');
  });

  it('finds nothing for addresses outside every network and for text that is not an address', () => {
    const reader = MmdbReader.fromBuffer(writeMmdb(NETWORKS, { databaseType: 'Vigil-Test' }));
    for (const miss of ['8.8.8.8', '198.51.101.1', '2001:db8:2::1', '::1', 'not-an-ip', '', '198.51.100.7/32']) {
      expect([miss, reader.lookup(miss)]).toEqual([miss, undefined]);
    }
  });

  it('looks up IPv4-mapped and 6to4 addresses as the IPv4 address, like MaxMind databases', () => {
    const reader = MmdbReader.fromBuffer(writeMmdb(NETWORKS, { databaseType: 'Vigil-Test' }));
    expect(reader.lookup('::ffff:198.51.100.7')).toEqual({ data: 'host', prefixLength: 32 });
    expect(reader.lookup('2002:c633:6407::1')).toEqual({ data: 'host', prefixLength: 48 });
    const unaliased = MmdbReader.fromBuffer(writeMmdb(NETWORKS, { databaseType: 'Vigil-Test', ipv4Aliases: false }));
    expect(unaliased.get('::ffff:198.51.100.7')).toBe('host');
    expect(unaliased.get('2002:c633:6407::1')).toBeUndefined();
  });

  it('reaches data past 16 MiB with 28- and 32-bit records, and refuses to write it with 24-bit ones', () => {
    const records = [
      { network: '198.51.100.0/24', data: 'p'.repeat(16_800_000) },
      { network: '203.0.113.0/24', data: 'after the padding' },
    ];
    for (const recordSize of [28, 32] as const) {
      expect(MmdbReader.fromBuffer(writeMmdb(records, { databaseType: 'Vigil-Test', recordSize })).get('203.0.113.1')).toBe('after the padding');
    }
    expect(() => writeMmdb(records, { databaseType: 'Vigil-Test', recordSize: 24 })).toThrow(/too large for 24-bit records/);
  });

  it('follows pointers of every size, and writes repeated values once', () => {
    const records: MmdbNetworkRecord[] = [
      { network: '1.0.0.0/8', data: { name: 'near', pad: 'a'.repeat(3_000) } },
      { network: '2.0.0.0/9', data: { name: 'middle', pad: 'b'.repeat(600_000) } },
      { network: '3.0.0.0/10', data: { name: 'far' } },
      // 0x38: a pointer with a 32-bit target, here offset 0 (the first record).
      { network: '4.0.0.0/11', data: { near: 'near', middle: 'middle', far: 'far', first: mmdbValue.raw(new Uint8Array([0x38, 0, 0, 0, 0])) } },
    ];
    const reader = MmdbReader.fromBuffer(writeMmdb(records, { databaseType: 'Vigil-Test' }));
    expect(reader.get('4.0.0.1')).toEqual({ near: 'near', middle: 'middle', far: 'far', first: { name: 'near', pad: 'a'.repeat(3_000) } });

    const withPointers = writeMmdb(CITY_RECORDS, { databaseType: 'GeoLite2-City' });
    const without = writeMmdb(CITY_RECORDS, { databaseType: 'GeoLite2-City', pointers: false });
    // Germany is in two records, once as the registered country too: three copies, or one and pointers.
    expect(occurrences(without, 'Deutschland')).toBe(3);
    expect(occurrences(withPointers, 'Deutschland')).toBe(1);
    expect(MmdbReader.fromBuffer(withPointers).get('198.51.100.9')).toEqual(MmdbReader.fromBuffer(without).get('198.51.100.9'));
  });

  it('shares one frozen record between addresses that map to it', () => {
    const reader = MmdbReader.fromBuffer(writeMmdb(CITY_RECORDS, { databaseType: 'GeoLite2-City' }));
    const first = reader.get('203.0.113.7');
    expect(reader.get('203.0.113.200')).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen((first as { subdivisions: unknown[] }).subdivisions[0])).toBe(true);
    const uncached = MmdbReader.fromBuffer(writeMmdb(CITY_RECORDS, { databaseType: 'GeoLite2-City' }), { cacheEntries: 0 });
    expect(uncached.get('203.0.113.7')).toEqual(first);
  });

  it('reads the metadata and opens files by path', async () => {
    const path = join(dir, 'GeoLite2-City.mmdb');
    await writeMmdbFile(path, CITY_RECORDS, {
      databaseType: 'GeoLite2-City',
      languages: ['de', 'en'],
      description: { en: 'GeoLite2 City test database' },
      buildEpoch: 1_767_225_600,
      recordSize: 24,
    });
    const reader = await MmdbReader.open(path);
    expect(reader.metadata).toEqual({
      nodeCount: expect.any(Number),
      recordSize: 24,
      ipVersion: 6,
      databaseType: 'GeoLite2-City',
      languages: ['de', 'en'],
      description: { en: 'GeoLite2 City test database' },
      binaryFormatMajorVersion: 2,
      binaryFormatMinorVersion: 0,
      buildEpoch: 1_767_225_600,
    });
    expect(reader.get('2001:db8:1::1')).toMatchObject({ city: { names: { en: 'Amsterdam' } } });
  });

  it('decodes a map key "__proto__" as data, not as the prototype', () => {
    const reader = MmdbReader.fromBuffer(writeMmdb([{ network: '203.0.113.0/24', data: JSON.parse('{"__proto__": {"polluted": true}}') }], { databaseType: 'Vigil-Test' }));
    const record = reader.get('203.0.113.1') as Record<string, unknown>;
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

function occurrences(haystack: Buffer, needle: string): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) count++;
  return count;
}
