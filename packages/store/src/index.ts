export * from './store.ts';
export * from './alert-merge.ts';
export { storeErrors, queryError, type StoreErrorCode, type QueryErrorCode } from './errors.ts';
export { createSqliteStore } from './sqlite/sqlite-store.ts';
export { sqliteStoreConfigSchema, type SqliteStoreOptions, type SqliteStoreConfig } from './sqlite/config.ts';
export { parseQuery, QUERY_LIMITS } from './query/parser.ts';
export type * from './query/ast.ts';
export { numericValue, parseInstant } from './query/values.ts';
