import { z } from 'zod';
import { processingConfigSchema } from './processing/config.ts';
import { spoolConfigSchema } from './spool/config.ts';
import { host, port } from '@vigil/runtime';
import { isTimeZone } from './syslog/time-zone.ts';
import { MAX_HEARTBEAT_INTERVAL_MS, sourceAddressSchema } from '@vigil/fleet';

const KIB = 1024;
const MIB = 1024 * KIB;

const udpSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Listen for syslog over UDP (one message per datagram).'),
    host: host().default('0.0.0.0').describe('Address the UDP syslog listener binds to.'),
    port: port().default(5514).describe('UDP port for syslog; 0 picks a free port (tests).'),
    receiveBufferBytes: z
      .number()
      .int()
      .min(65_536)
      .default(4 * 1024 * 1024)
      .describe('Kernel receive buffer for the UDP socket; bursts beyond it are dropped by the kernel (counted as reason kernel_receive_buffer). Linux caps it at net.core.rmem_max.'),
    kernelDropsIntervalMs: z
      .number()
      .int()
      .min(100)
      .default(5_000)
      .describe("How often the kernel's drop counter for the UDP socket is read into vigil_edge_dropped_total."),
    maxMessageBytes: z
      .number()
      .int()
      .min(480)
      .max(65_535)
      .default(65_535)
      .describe('Largest datagram taken as one message; a larger one is quarantined (its first maxMessageBytes kept, error VIGIL_ERR_EDGE_FRAME_TOO_LARGE).'),
  })
  .strict()
  .describe('Syslog over UDP. When the edge is full, datagrams are dropped and counted.');

const tcpSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Listen for syslog over TCP (RFC 6587 octet counting, LF or NUL framing, detected per connection).'),
    host: host().default('0.0.0.0').describe('Address the TCP syslog listener binds to.'),
    port: port().default(5514).describe('TCP port for syslog; 0 picks a free port (tests).'),
    maxMessageBytes: z
      .number()
      .int()
      .min(480)
      .max(16 * MIB)
      .default(64 * KIB)
      .describe('Largest syslog frame accepted per connection; a larger frame is quarantined (its first maxMessageBytes kept) and the stream continues.'),
    idleTimeoutMs: z
      .number()
      .int()
      .min(0)
      .default(300_000)
      .describe('Close a connection that sent nothing for this long; 0 keeps idle connections forever.'),
  })
  .strict()
  .describe('Syslog over TCP. When the edge is full, connections are paused (TCP backpressure), not dropped.');

const tlsSchema = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .describe('Listen for syslog over TLS (RFC 5425). Without certFile/keyFile the edge identity certificate is used; start-up fails (VIGIL_ERR_EDGE_TLS_NO_CERTIFICATE) when there is neither.'),
    host: host().default('0.0.0.0').describe('Address the TLS syslog listener binds to.'),
    port: port().default(6514).describe('TLS port for syslog; 0 picks a free port (tests).'),
    certFile: z.string().min(1).optional().describe('PEM certificate (with its chain) the listener presents; default: the edge identity certificate.'),
    keyFile: z.string().min(1).optional().describe('PEM private key of certFile; set both or neither.'),
    caFile: z.string().min(1).optional().describe('PEM CA certificate(s) client certificates must chain to; default: the Vigil CA.'),
    clientAuth: z
      .enum(['none', 'optional', 'required'])
      .default('none')
      .describe('Client certificates: none (not asked for), optional (a client may send none, but one it sends must verify) or required. Refused clients are counted in vigil_edge_tls_handshake_failures_total.'),
    minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2').describe('Oldest TLS version accepted.'),
    maxMessageBytes: z
      .number()
      .int()
      .min(480)
      .max(16 * MIB)
      .default(64 * KIB)
      .describe('Largest syslog frame accepted per connection; a larger frame is quarantined (its first maxMessageBytes kept) and the stream continues.'),
    idleTimeoutMs: z
      .number()
      .int()
      .min(0)
      .default(300_000)
      .describe('Close a connection that sent nothing for this long; 0 keeps idle connections forever.'),
    handshakeTimeoutMs: z.number().int().min(100).max(300_000).default(10_000).describe('Close a connection whose TLS handshake has not finished after this long.'),
  })
  .strict()
  .refine((tls) => (tls.certFile === undefined) === (tls.keyFile === undefined), { message: 'set both certFile and keyFile, or neither', path: ['certFile'] })
  .describe('Syslog over TLS, with the same framing, limits and backpressure as TCP.');

const rateSchema = z
  .object({
    eventsPerSecond: z
      .number()
      .min(0)
      .max(10_000_000)
      .default(10_000)
      .describe('Events per second one ingest key may send on average; 0 turns the limit off for that key.'),
    burstEvents: z
      .number()
      .int()
      .min(1)
      .max(100_000_000)
      .default(50_000)
      .describe('Events one ingest key may send at once above the average rate (token bucket size). A request with more events waits for a full bucket.'),
  })
  .strict();

const rateLimitSchema = rateSchema
  .extend({
    perKey: z
      .record(z.string().min(1), rateSchema)
      .default({})
      .describe('Limits for particular ingest keys, by key name or key id, e.g. `{"filebeat-dmz": {"eventsPerSecond": 50000, "burstEvents": 200000}}`.'),
  })
  .strict()
  .describe('Per-ingest-key token bucket, counted in events (not requests); over it a request gets 429 with Retry-After.');

const elasticsearchSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe('Serve the Elasticsearch-compatible API (POST /_bulk and what shippers call first: GET /, /_license, templates, ILM policies) so Filebeat, Logstash, Vector and Fluent Bit can send unchanged.'),
    version: z
      .string()
      .regex(/^\d+\.\d+\.\d+$/)
      .default('8.17.0')
      .describe('Elasticsearch version reported by GET /; shippers check it before sending.'),
    maxFieldsPerDocument: z
      .number()
      .int()
      .min(10)
      .max(100_000)
      .default(1_000)
      .describe('Most fields (keys at any depth) in one _bulk document; a larger document is rejected on its own (status 400 for that item).'),
    maxDepth: z.number().int().min(2).max(100).default(20).describe('Deepest object nesting in one _bulk document; a deeper document is rejected on its own.'),
  })
  .strict()
  .describe('Elasticsearch-compatible ingest on the HTTP port.');

const httpSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe('Serve POST /api/v1/events, POST /api/v1/events/raw, the Elasticsearch-compatible /_bulk API, GET /healthz and GET /metrics.'),
    host: host().default('0.0.0.0').describe('Address the HTTP ingest listener binds to.'),
    port: port().default(8088).describe('HTTP ingest port; 0 picks a free port (tests).'),
    maxBodyBytes: z
      .number()
      .int()
      .min(KIB)
      .max(512 * MIB)
      .default(5 * MIB)
      .describe('Largest request body, before and after gzip decompression; larger bodies get 413.'),
    maxEventBytes: z
      .number()
      .int()
      .min(KIB)
      .max(16 * MIB)
      .default(256 * KIB)
      .describe('Largest single event (its JSON text); a larger event is rejected on its own with VIGIL_ERR_EDGE_EVENT_TOO_LARGE.'),
    maxLinesPerRequest: z
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .default(100_000)
      .describe('Most lines (NDJSON, raw or _bulk lines) or JSON array items in one request; more gets 413.'),
    rateLimit: rateLimitSchema.prefault({}),
    elasticsearch: elasticsearchSchema.prefault({}),
  })
  .strict()
  .describe('HTTP ingest for integrators, authenticated with ingest API keys.');

const batchSchema = z
  .object({
    maxBatchEvents: z.number().int().min(1).max(100_000).default(2_000).describe('Close a batch once it holds this many events (one signature per batch: larger batches cost less CPU under load).'),
    maxBatchBytes: z
      .number()
      .int()
      .min(16 * KIB)
      .max(64 * MIB)
      .default(900_000)
      .describe(
        'The largest batch on the bus, in bytes (keep under the bus message limit, Kafka: 1 MB). Uncompressed batches close at this many bytes of JSON; zstd-framed ones at four times as much, and one that still does not fit once compressed is split in two.',
      ),
    compression: z
      .enum(['zstd', 'none'])
      .default('zstd')
      .describe('Compress each batch as one zstd frame inside its signed envelope, signed as compressed (ECS JSON shrinks about eightfold: less spool I/O, bus traffic and memory, and the engine checks the signature over an eighth of the bytes); consumers of vigil.events read both forms.'),
    flushIntervalMs: z.number().int().min(1).max(60_000).default(200).describe('Close a batch this long after its first event, however small it is.'),
    retryBaseMs: z.number().int().min(1).default(100).describe('First delay before re-sending a batch the bus rejected (exponential backoff with jitter).'),
    retryMaxMs: z.number().int().min(1).default(10_000).describe('Longest delay between attempts to send a batch.'),
  })
  .strict()
  .describe('How events are grouped into signed batches and sent to the bus.');

/** The edge's configuration: listeners, batching and memory limits. */
export const edgeConfigSchema = z
  .object({
    syslog: z
      .object({
        udp: udpSchema.prefault({}),
        tcp: tcpSchema.prefault({}),
        tls: tlsSchema.prefault({}),
        defaultTimezone: z
          .string()
          .refine(isTimeZone, { message: 'not an IANA time zone name (e.g. UTC, Europe/Berlin)' })
          .default('UTC')
          .describe('IANA time zone of RFC 3164 timestamps, which carry none (recorded in event.timezone); set it to where the senders keep their clocks.'),
      })
      .strict()
      .prefault({})
      .describe('Syslog listeners (RFC 5424 and RFC 3164 messages).'),
    http: httpSchema.prefault({}),
    batch: batchSchema.prefault({}),
    maxInFlightEvents: z
      .number()
      .int()
      .min(1)
      .default(10_000)
      .describe('Most events held in memory until they are durable (in the spool, or on the bus without one); above it TCP is paused, UDP dropped (counted) and HTTP answered 429. Bounds the edge\'s memory; 10,000 is a fifth of a second at 50,000 events/s.'),
    spool: spoolConfigSchema.prefault({}),
    processing: processingConfigSchema.prefault({}),
    heartbeatIntervalMs: z
      .number()
      .int()
      .min(500)
      .max(MAX_HEARTBEAT_INTERVAL_MS)
      .default(5_000)
      .describe('How often the edge sends a signed heartbeat (EPS, spool depth, drops, clock, version) to vigil.heartbeats; the core calls it silent after a few missed ones.'),
    blockedSources: z
      .array(sourceAddressSchema)
      .max(10_000)
      .default([])
      .describe('Source addresses or CIDR blocks (IPv4 or IPv6, e.g. `203.0.113.0/24`) refused on every listener: UDP datagrams dropped, TCP/TLS connections closed, HTTP ingest answered 403. Applied live by a reload-config command; sources blocked by block-source commands come on top and are kept in `<dataDir>/edge/blocked-sources.json`.'),
    identity: z
      .object({
        checkIntervalMs: z.number().int().min(1_000).max(86_400_000).default(3_600_000).describe('How often the edge looks at the end of validity of its certificate (also at start).'),
        renewBeforeMs: z
          .number()
          .int()
          .min(60_000)
          .default(30 * 86_400_000)
          .describe('Renew the certificate when less than this remains of its validity, or a third of its lifetime when that is shorter (short-lived certificates).'),
        retryBaseMs: z.number().int().min(1_000).default(60_000).describe('First delay before trying again after a failed renewal (exponential backoff with jitter).'),
        retryMaxMs: z.number().int().min(1_000).default(3_600_000).describe('Longest delay between renewal attempts.'),
      })
      .strict()
      .prefault({})
      .describe('Certificate rotation: the edge renews its certificate with the Vigil CA before it expires and swaps it without a restart.'),
    shutdownTimeoutMs: z
      .number()
      .int()
      .min(0)
      .default(10_000)
      .describe('How long stop() keeps trying to publish what is held; what is left after that is dropped, counted and logged.'),
  })
  .strict()
  .describe('The edge collector (`vigil edge`).');

/** The configuration as written by a user (defaults not applied). */
export type EdgeConfigInput = z.input<typeof edgeConfigSchema>;
/** The parsed configuration, with every default applied. */
export type EdgeConfig = z.output<typeof edgeConfigSchema>;
