export * from './errors.ts';
export * from './component.ts';
export * from './metrics.ts';
export * from './logger.ts';
export * from './retry.ts';
export * from './config.ts';
export * from './ops-server.ts';
