import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaBusConfigSchema } from './config.ts';
import { compressionType, registerZstd } from './compression.ts';

const { CompressionCodecs, CompressionTypes } = kafkajs;

describe('kafka compression', () => {
  it('gives kafkajs a zstd codec that round-trips a record batch and shrinks repetitive events', async () => {
    registerZstd();
    const codec = CompressionCodecs[CompressionTypes.ZSTD]() as { compress(encoder: { buffer: Buffer }): Promise<Buffer>; decompress(buffer: Buffer): Promise<Buffer> };
    const batch = Buffer.from(Array.from({ length: 200 }, (_, i) => `{"message":"Failed password for root from 198.51.100.${i % 250} port ${40000 + i} ssh2","event":{"outcome":"failure"}}`).join('\n'));
    const compressed = await codec.compress({ buffer: batch });
    expect(compressed.length).toBeLessThan(batch.length / 5);
    expect((await codec.decompress(compressed)).equals(batch)).toBe(true);
  });

  it('compresses with zstd by default, and can be turned off', () => {
    expect(compressionType(kafkaBusConfigSchema.parse({ brokers: ['k:9092'] }).compression)).toBe(CompressionTypes.ZSTD);
    expect(compressionType('none')).toBe(CompressionTypes.None);
  });
});
