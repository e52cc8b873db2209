import { promisify } from 'node:util';
import { zstdCompress, zstdDecompress } from 'node:zlib';
import kafkajs from 'kafkajs';

// kafkajs is CommonJS and Node cannot see these two among its named exports.
const { CompressionCodecs, CompressionTypes } = kafkajs;
type CompressionType = (typeof CompressionTypes)[keyof typeof CompressionTypes];

/** How produce requests are compressed; `zstd` uses Node's own zstd (node:zlib), so no native add-on. */
export const KAFKA_COMPRESSIONS = ['zstd', 'gzip', 'none'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

const compress = promisify(zstdCompress);
const decompress = promisify(zstdDecompress);
let registered = false;

/**
 * Teaches kafkajs (which ships no zstd) to write and read zstd record batches. Registered once
 * per process, for producers and consumers alike: a consumer must read what any producer wrote.
 */
export function registerZstd(): void {
  if (registered) return;
  registered = true;
  CompressionCodecs[CompressionTypes.ZSTD] = () => ({
    compress: (encoder: { buffer: Buffer }) => compress(encoder.buffer),
    decompress: (buffer: Buffer) => decompress(buffer),
  });
}

/** The kafkajs setting for a compression choice. */
export function compressionType(choice: KafkaCompression): CompressionType {
  return choice === 'zstd' ? CompressionTypes.ZSTD : choice === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
}
