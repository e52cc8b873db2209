import { z } from 'zod';

/** The indexer: writes verified events and engine alerts from the bus to the store. */
export const indexerConfigSchema = z
  .object({
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
