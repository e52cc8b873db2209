import { z } from 'zod';

/** The indexer: writes verified events and engine alerts from the bus to the store. */
export const indexerConfigSchema = z
  .object({
    ops: z
      .object({
        host: z.string().min(1).default('0.0.0.0').describe('Address of the indexer\'s health and metrics endpoint when it runs as its own process.'),
        port: z.number().int().min(0).max(65_535).default(8092).describe('Port of `GET /healthz` and `GET /metrics` when the indexer runs as its own process (`vigil indexer`).'),
      })
      .strict()
      .prefault({})
      .describe('Health and metrics HTTP endpoint of a standalone indexer.'),
    groupId: z.string().min(1).default('vigil-indexer').describe('Bus consumer group the indexer instances share.'),
    maxBatchMessages: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(200)
      .describe('Most bus messages (signed batches or alerts) handled, and written to the store, in one go.'),
  })
  .strict();

export type IndexerConfig = z.output<typeof indexerConfigSchema>;
