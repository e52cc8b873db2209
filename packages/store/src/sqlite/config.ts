import { z } from 'zod';

/** The embedded store: one SQLite file (WAL mode) under the data directory. */
export const sqliteStoreConfigSchema = z
  .object({
    path: z.string().min(1).describe('SQLite database file; its directory is created if missing. `:memory:` gives a throwaway store.'),
    synchronous: z
      .enum(['full', 'normal'])
      .default('full')
      .describe(
        '`full` syncs the write-ahead log on every commit, so a write that resolved survives power loss; `normal` is faster but the last commits may be lost on power loss (never on a process crash).',
      ),
    busyTimeoutMs: z.number().int().min(0).max(600_000).default(5_000).describe('How long a write waits for another connection holding the database lock.'),
    maxCachedStatements: z.number().int().min(1).max(10_000).default(200).describe('Prepared statements kept for reuse (one per distinct query shape).'),
  })
  .strict();

/** Options as a caller writes them (defaults may be left out). */
export type SqliteStoreOptions = z.input<typeof sqliteStoreConfigSchema>;
/** Options after parsing. */
export type SqliteStoreConfig = z.output<typeof sqliteStoreConfigSchema>;
