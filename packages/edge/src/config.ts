import { z } from 'zod';
import { host, port } from '@vigil/runtime';

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
  })
  .strict()
  .describe('Syslog over UDP. When the edge is full, datagrams are dropped and counted.');

const tcpSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Listen for syslog over TCP (RFC 6587 octet counting or LF framing).'),
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

const httpSchema = z
  .object({
    enabled: z.boolean().default(true).describe('Serve POST /api/v1/events, GET /healthz and GET /metrics.'),
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
  })
  .strict()
  .describe('HTTP ingest for integrators, authenticated with ingest API keys.');

const batchSchema = z
  .object({
    maxBatchEvents: z.number().int().min(1).max(100_000).default(500).describe('Close a batch once it holds this many events.'),
    maxBatchBytes: z
      .number()
      .int()
      .min(16 * KIB)
      .max(64 * MIB)
      .default(900_000)
      .describe('Close a batch before its JSON-encoded events pass this many bytes (keep under the bus message limit, Kafka: 1 MB).'),
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
      .object({ udp: udpSchema.prefault({}), tcp: tcpSchema.prefault({}) })
      .strict()
      .prefault({})
      .describe('Syslog listeners (RFC 5424 and RFC 3164 messages).'),
    http: httpSchema.prefault({}),
    batch: batchSchema.prefault({}),
    maxInFlightEvents: z
      .number()
      .int()
      .min(1)
      .default(50_000)
      .describe('Most events held in memory until the bus has them; above it TCP is paused, UDP dropped (counted) and HTTP answered 429.'),
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
