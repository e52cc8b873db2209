export * from './config.ts';
export * from './pipeline.ts';
export * from './metrics.ts';
export * from './key-file.ts';
export { Pseudonymiser, PSEUDONYMISED_TAG, PSEUDONYM_PREFIX } from './pseudonymise.ts';
export { Aggregator, type AggregateReason, type AggregatorOptions } from './aggregate.ts';
export { checkFilterRegex } from './regex-guard.ts';
