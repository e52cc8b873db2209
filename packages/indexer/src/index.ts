export * from './config.ts';
export * from './errors.ts';
export * from './indexer.ts';
export * from './event-batch-decoder.ts';
