import { z } from 'zod';

const KIB = 1024;
const MIB = 1024 * KIB;
const GIB = 1024 * MIB;

/** How appends are made durable; see the `fsync` field's description. */
export const SPOOL_FSYNC_POLICIES = ['always', 'interval', 'never'] as const;
export type SpoolFsyncPolicy = (typeof SPOOL_FSYNC_POLICIES)[number];

/**
 * The edge's on-disk spool (store-and-forward) between sealing a batch and sending it to the
 * bus. The host fills in `dir` (default `<dataDir>/spool`) before opening it.
 */
export const spoolConfigSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe('Keep signed batches in an on-disk spool until the bus has them, so the edge keeps accepting while the bus is slow or down and sends the backlog in order when it is back.'),
    dir: z
      .string()
      .min(1)
      .optional()
      .describe('Directory of the spool segment files (created with mode 0700); defaults to `<dataDir>/spool`. One edge process per directory.'),
    maxBytes: z
      .number()
      .int()
      .min(MIB)
      .default(GIB)
      .describe('Most bytes of batches the spool holds that the bus has not acknowledged yet. When full, TCP syslog reads pause, HTTP ingest answers 503 with Retry-After and UDP datagrams are dropped and counted. Disk use can pass it by up to two segments of acknowledged batches that are not deleted yet.'),
    segmentBytes: z
      .number()
      .int()
      .min(64 * KIB)
      .max(GIB)
      .default(64 * MIB)
      .describe('Size at which the spool starts a new segment file; a segment is deleted once every batch in it is acknowledged by the bus.'),
    fsync: z
      .enum(SPOOL_FSYNC_POLICIES)
      .default('interval')
      .describe(
        'When a spooled batch counts as durable (and an HTTP client gets its 202). `always`: after the batch is written and fsynced; appends arriving during an fsync share the next one (group commit). `interval`: batches are written at once and acknowledged at the next periodic fsync, every fsyncIntervalMs, so an acknowledgement always means on disk, at up to fsyncIntervalMs of extra latency. `never`: acknowledged once written to the operating system; survives a crash of the edge process but not a power loss or kernel crash. The directory is fsynced when segments are created or deleted (except with `never`).',
      ),
    fsyncIntervalMs: z
      .number()
      .int()
      .min(1)
      .max(10_000)
      .default(100)
      .describe('With fsync `interval`: how long a written batch may wait for its fsync (and its acknowledgement).'),
  })
  .strict()
  .refine((config) => config.segmentBytes <= config.maxBytes, {
    message: 'segmentBytes must not exceed maxBytes: lower spool.segmentBytes or raise spool.maxBytes',
    path: ['segmentBytes'],
  })
  .describe('Durable on-disk spool (store-and-forward) for signed batches on their way to the bus.');

/** The spool configuration as written by a user. */
export type SpoolConfigInput = z.input<typeof spoolConfigSchema>;
/** The parsed spool configuration, defaults applied. */
export type SpoolConfig = z.output<typeof spoolConfigSchema>;
