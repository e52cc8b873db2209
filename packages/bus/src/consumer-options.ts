import type { BusBatch, ConsumerOptions } from './bus.ts';

/** Consumer options with Vigil's defaults applied, checked the same way by both buses. */
export interface ResolvedConsumerOptions {
  groupId: string;
  topics: string[];
  fromBeginning: boolean;
  maxBatchSize: number;
  onError: ((error: unknown, batch: BusBatch, attempt: number) => void) | undefined;
}

export function resolveConsumerOptions(options: ConsumerOptions): ResolvedConsumerOptions {
  if (!options.groupId) throw new Error('consumer groupId must not be empty');
  const maxBatchSize = options.maxBatchSize ?? 500;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) throw new Error(`maxBatchSize must be a positive integer, got ${maxBatchSize}`);
  return {
    groupId: options.groupId,
    topics: [...new Set(options.topics)],
    fromBeginning: options.fromBeginning ?? true,
    maxBatchSize,
    onError: options.onError,
  };
}
