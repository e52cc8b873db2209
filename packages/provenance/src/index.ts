export * from './errors.ts';
export * from './ca.ts';
export * from './signer.ts';
export * from './verifier.ts';
export * from './pki-files.ts';
export * from './sequence-counter.ts';
export * from './sequence-tracker.ts';
