import { z } from 'zod';

// Index names must be lower case and may not start with '-', '_' or '+'; the prefix is followed by `-events-…`/`-alerts`.
const INDEX_PREFIX = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/** The distributed store: events and alerts in OpenSearch (2.x), written with the bulk API. */
export const openSearchStoreConfigSchema = z
  .object({
    url: z.string().url().default('http://localhost:9200').describe('URL of one OpenSearch node, e.g. `https://opensearch.example.net:9200`. Ignored when `nodes` is set.'),
    nodes: z
      .array(z.string().url())
      .min(1)
      .optional()
      .describe('URLs of several OpenSearch nodes; requests are spread over them and move to another node when one is unreachable.'),
    indexPrefix: z
      .string()
      .regex(INDEX_PREFIX, 'must be lower case letters, digits, `-`, `_` or `.`, start with a letter or digit, at most 64 characters')
      .default('vigil')
      .describe('Prefix of every index, alias and template Vigil creates: `<prefix>-events-<period>`, `<prefix>-alerts`.'),
    auth: z
      .object({
        username: z.string().min(1).describe('User name for HTTP basic authentication.'),
        password: z.string().min(1).describe('Password for HTTP basic authentication. Never logged.'),
      })
      .strict()
      .optional()
      .describe('HTTP basic authentication (the security plugin); leave out when the cluster has none.'),
    tls: z
      .object({
        caPath: z.string().min(1).optional().describe('PEM file with the CA certificate(s) that signed the OpenSearch node certificates; read at start-up.'),
        rejectUnauthorized: z
          .boolean()
          .default(true)
          .describe('Refuse node certificates that do not chain to a trusted CA. Turn off only for a throwaway test cluster.'),
      })
      .strict()
      .prefault({})
      .describe('TLS settings for `https://` node URLs.'),
    requestTimeoutMs: z.number().int().min(100).max(600_000).default(30_000).describe('How long one request to OpenSearch may take before it fails as unavailable.'),
    bulk: z
      .object({
        maxBulkBytes: z
          .number()
          .int()
          .min(1024)
          .max(100 * 1024 * 1024)
          .default(5 * 1024 * 1024)
          .describe('Largest body of one bulk request in bytes; a write is split into several requests above it.'),
        maxBulkDocs: z.number().int().min(1).max(10_000).default(1000).describe('Most documents in one bulk request.'),
        concurrency: z.number().int().min(1).max(32).default(2).describe('Bulk requests of one write in flight at once.'),
      })
      .strict()
      .prefault({})
      .describe('How writes are split into bulk requests.'),
    retry: z
      .object({
        maxAttempts: z
          .number()
          .int()
          .min(1)
          .max(50)
          .default(8)
          .describe('Attempts for documents OpenSearch rejects as overloaded (429) or fails transiently, and for alert updates that conflict; then the write fails as retryable.'),
        baseDelayMs: z.number().int().min(1).max(60_000).default(200).describe('First back-off delay; it doubles per attempt, with full jitter.'),
        maxDelayMs: z.number().int().min(1).max(300_000).default(10_000).describe('Longest back-off delay between attempts.'),
      })
      .strict()
      .prefault({})
      .describe('Retries with exponential back-off and jitter.'),
    indices: z
      .object({
        shards: z.number().int().min(1).max(1024).default(1).describe('Primary shards of each events index and of the alerts index.'),
        replicas: z.number().int().min(0).max(16).default(1).describe('Replica shards per primary. Use 0 on a single-node cluster.'),
        refreshIntervalMs: z
          .number()
          .int()
          .min(50)
          .max(300_000)
          .default(1000)
          .describe('How often new documents become searchable. A write resolves after the next refresh, so this is also the extra latency of a write.'),
      })
      .strict()
      .prefault({})
      .describe('Settings of the indices Vigil creates (through its index templates).'),
    rollover: z
      .object({
        period: z
          .enum(['hour', 'day', 'month'])
          .default('day')
          .describe('Time span of one events index (`<prefix>-events-2024.05.14` for `day`). Events go to the index of their `event.created` (edge receipt time), falling back to `@timestamp`.'),
        checkIntervalMs: z
          .number()
          .int()
          .min(1000)
          .max(86_400_000)
          .default(3_600_000)
          .describe('How often the store creates the next period’s index ahead of time and applies retention (also done at init).'),
      })
      .strict()
      .prefault({})
      .describe('Time-based events indices.'),
    eventsRetentionDays: z
      .number()
      .int()
      .min(1)
      .max(36_500)
      .nullable()
      .default(90)
      .describe('Events indices whose whole period ended more than this many days ago are deleted. `null` keeps events forever. Alerts are never deleted.'),
  })
  .strict();

/** Options as a caller writes them (defaults may be left out). */
export type OpenSearchStoreOptions = z.input<typeof openSearchStoreConfigSchema>;
/** Options after parsing. */
export type OpenSearchStoreConfig = z.output<typeof openSearchStoreConfigSchema>;
