export * from './store.ts';
export * from './alert-merge.ts';
