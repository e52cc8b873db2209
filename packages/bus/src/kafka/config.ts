import { z } from 'zod';
import { KAFKA_COMPRESSIONS } from './compression.ts';

const tlsFiles = z
  .object({
    ca: z.string().min(1).optional().describe('Path of a PEM file with the CA certificates that sign the brokers\' certificates; the system CAs when omitted.'),
    cert: z.string().min(1).optional().describe('Path of a PEM client certificate, for brokers that require mutual TLS.'),
    key: z.string().min(1).optional().describe('Path of the PEM private key of `cert`.'),
    rejectUnauthorized: z.boolean().default(true).describe('Refuse brokers whose certificate does not verify; turn off only for a throw-away test broker.'),
  })
  .strict()
  .refine((files) => (files.cert === undefined) === (files.key === undefined), { message: 'cert and key must be given together' });

const sasl = z
  .object({
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).describe('SASL mechanism the brokers expect.'),
    username: z.string().min(1).describe('SASL user name.'),
    password: z.string().min(1).describe('SASL password; never logged.'),
  })
  .strict();

/** Configuration of the Kafka bus (distributed mode). */
export const kafkaBusConfigSchema = z
  .object({
    brokers: z
      .array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'a broker is host:port'))
      .min(1)
      .default(['localhost:9092'])
      .describe('Bootstrap brokers as host:port; the rest of the cluster is discovered from them (`VIGIL_KAFKA_BROKERS`, comma-separated).'),
    clientId: z.string().min(1).default('vigil').describe('Client id sent to the brokers; shows up in broker logs and quotas.'),
    ssl: z
      .union([z.boolean(), tlsFiles])
      .default(false)
      .describe(
        'TLS to the brokers: `true` to verify them with the system CAs, or `{ca, cert, key, rejectUnauthorized}` with paths of PEM files (a private CA; a client certificate and key for mutual TLS).',
      ),
    sasl: sasl.optional().describe('SASL authentication; omit for brokers without authentication.'),
    connectionTimeoutMs: z.number().int().min(100).max(60_000).default(3_000).describe('How long connecting to a broker may take.'),
    requestTimeoutMs: z.number().int().min(100).max(300_000).default(30_000).describe('How long a broker may take to answer one request.'),
    requestRetries: z
      .number()
      .int()
      .min(1)
      .max(100)
      .default(8)
      .describe('How often a failed broker request (connection lost, leader moved) is retried before the operation fails.'),
    requestRetryInitialDelayMs: z.number().int().min(1).max(60_000).default(300).describe('First delay before a failed broker request is retried; grows with each retry, with jitter.'),
    requestRetryMaxDelayMs: z.number().int().min(1).max(600_000).default(30_000).describe('Longest delay between two retries of a broker request.'),
    lingerMs: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(0)
      .describe(
        'How long the first send of a produce request waits for others to join it. Sends made while a request is in flight always join the next one, so 0 (only the sends of one event-loop turn) batches well under load without delaying a lone send.',
      ),
    compression: z
      .enum(KAFKA_COMPRESSIONS)
      .default('zstd')
      .describe('Compression of produce requests. zstd shrinks event batches about tenfold, which saves the checksum, socket and broker disk work on both sides; `none` for brokers older than Kafka 2.1. Messages compressed already (edges\' signed batches with `edge.batch.compression: zstd`) go in requests of their own, not compressed again.'),
    maxBatchMessages: z.number().int().min(1).max(1_000_000).default(10_000).describe('Most messages in one produce request; a full batch is sent without waiting for `lingerMs`.'),
    maxBatchBytes: z
      .number()
      .int()
      .min(1_024)
      .max(104_857_600)
      .default(524_288)
      .describe("Most key, value and header bytes in one produce request; keep it under the brokers' `message.max.bytes`."),
    maxMessageBytes: z
      .number()
      .int()
      .min(1)
      .max(104_857_600)
      .default(1_048_576)
      .describe("Largest key plus value plus headers of one message, in bytes; Kafka's default message.max.bytes."),
    sessionTimeoutMs: z
      .number()
      .int()
      .min(1_000)
      .max(1_800_000)
      .default(30_000)
      .describe('How long the group coordinator waits for a heartbeat before it gives a consumer\'s partitions to others; the broker allows 6000-1800000 by default.'),
    rebalanceTimeoutMs: z.number().int().min(1_000).max(1_800_000).default(60_000).describe('How long the coordinator waits for every member to rejoin during a rebalance.'),
    heartbeatIntervalMs: z.number().int().min(100).max(600_000).default(3_000).describe('How often a consumer heartbeats, also while a handler is busy; about a third of `sessionTimeoutMs`.'),
    maxWaitTimeMs: z
      .number()
      .int()
      .min(10)
      .max(30_000)
      .default(500)
      .describe('How long a fetch waits at the broker for new messages; also how long stopping an idle consumer can take.'),
    maxBytesPerPartition: z.number().int().min(1_024).max(104_857_600).default(1_048_576).describe('Most bytes one fetch returns per partition.'),
    partitionsConsumedConcurrently: z
      .number()
      .int()
      .min(1)
      .max(64)
      .default(8)
      .describe('How many partitions\' batches one consumer hands to its handler at the same time.'),
    retryBaseDelayMs: z
      .number()
      .int()
      .min(1)
      .max(60_000)
      .default(100)
      .describe('First backoff delay before a failed batch is handed to the handler again; doubles per attempt, with jitter.'),
    retryMaxDelayMs: z.number().int().min(1).max(600_000).default(10_000).describe('Longest backoff delay between two attempts at the same batch.'),
    logLevel: z
      .enum(['error', 'warn', 'info', 'debug'])
      .default('warn')
      .describe('Lowest level of the Kafka client\'s own messages that reach the Vigil log (repeats are logged once per minute).'),
  })
  .strict()
  .refine((config) => config.heartbeatIntervalMs < config.sessionTimeoutMs, {
    message: 'heartbeatIntervalMs must be lower than sessionTimeoutMs (about a third of it)',
    path: ['heartbeatIntervalMs'],
  })
  .refine((config) => config.retryBaseDelayMs <= config.retryMaxDelayMs, {
    message: 'retryBaseDelayMs must not exceed retryMaxDelayMs',
    path: ['retryBaseDelayMs'],
  });

/** Input accepted by {@link kafkaBusConfigSchema} (defaults may be omitted). */
export type KafkaBusConfigInput = z.input<typeof kafkaBusConfigSchema>;

/** A parsed Kafka bus configuration. */
export type KafkaBusConfig = z.output<typeof kafkaBusConfigSchema>;
