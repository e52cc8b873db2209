import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from './partitioner.ts';

describe('partitioner', () => {
  it("hashes keys exactly like Kafka's Java client, so a key keeps its partition number across bus modes", () => {
    // Vectors from Apache Kafka's UtilsTest.testMurmur2.
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [input, expected] of vectors) expect(murmur2(Buffer.from(input))).toBe(expected);
  });

  it('maps every key to a partition in range, the same one every time', () => {
    for (const key of ['edge-01', 'fw-dmz-2', 'host:web-3.example.net', '']) {
      const first = partitionForKey(Buffer.from(key), 12);
      expect(first).toBeGreaterThanOrEqual(0);
      expect(first).toBeLessThan(12);
      expect(partitionForKey(Buffer.from(key), 12)).toBe(first);
    }
  });
});
