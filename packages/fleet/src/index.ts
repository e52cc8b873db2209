export * from './errors.ts';
export * from './messages.ts';
export * from './revocation-watcher.ts';
export * from './suppression-watcher.ts';
export * from './rule-state-watcher.ts';
export type { ListReaderOptions } from './signed-list-follower.ts';
export * from './heartbeat-publisher.ts';
export * from './certificate-renewer.ts';
export * from './command-listener.ts';
