import { z } from 'zod';

/** Configuration of the embedded bus: a durable log in one SQLite file under the data directory. */
export const embeddedBusConfigSchema = z
  .object({
    directory: z
      .string()
      .min(1)
      .default('./data/bus')
      .describe('Directory that holds the log database; created when missing. `vigil start` puts it under the data directory.'),
    fileName: z.string().min(1).default('bus.db').describe('File name of the log database inside `directory`.'),
    pollIntervalMs: z
      .number()
      .int()
      .min(10)
      .max(60_000)
      .default(1_000)
      .describe('How often an idle consumer looks for new messages when no in-process wake-up arrives (e.g. another process wrote).'),
    retentionCheckIntervalMs: z
      .number()
      .int()
      .min(100)
      .default(60_000)
      .describe('How often expired messages that every known consumer group has committed past are deleted.'),
    retryBaseDelayMs: z
      .number()
      .int()
      .min(1)
      .default(100)
      .describe('First backoff delay before a failed batch is handed to the handler again; doubles per attempt, with jitter.'),
    retryMaxDelayMs: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .describe('Longest backoff delay between two attempts at the same batch.'),
    maxMessageBytes: z
      .number()
      .int()
      .min(1)
      .default(1_048_576)
      .describe("Largest key plus value plus headers of one message, in bytes; Kafka's default message.max.bytes."),
    busyTimeoutMs: z
      .number()
      .int()
      .min(0)
      .default(5_000)
      .describe('How long a write waits for another connection holding the database lock.'),
  })
  .strict();

/** Input accepted by {@link embeddedBusConfigSchema} (defaults may be omitted). */
export type EmbeddedBusConfigInput = z.input<typeof embeddedBusConfigSchema>;

/** A parsed embedded bus configuration. */
export type EmbeddedBusConfig = z.output<typeof embeddedBusConfigSchema>;
