import type { BusProducer } from '@vigil/bus';
import type { BatchSigner, SequenceCounter } from '@vigil/provenance';
import { EdgeMetrics, type EdgeInput } from './metrics.ts';
import type { SourceAccessList } from './control/source-access-list.ts';
import { OncePerInterval, describeError, parseConfig, startAll, stopAll, type Component, type Logger, type Metrics } from '@vigil/runtime';
import type { EcsEvent } from '@vigil/schema';
import { edgeConfigSchema, type EdgeConfig, type EdgeConfigInput } from './config.ts';
import { HttpIngestSource, type VerifyIngestKey } from './http/http-source.ts';
import { normalizeSyslog, normalizeSyslogLines, quarantineToEvent, type NormalizedSyslog } from './normalize.ts';
import { ParserRegistry } from './parsers/registry.ts';
import { BusSink, type BatchSink } from './publish/batch-sink.ts';
import { ProcessingPipeline } from './processing/pipeline.ts';
import { EventPublisher } from './publish/publisher.ts';
import { SpoolSink } from './publish/spool-sink.ts';
import type { Peer } from './syslog/flow-control.ts';
import type { QuarantinedFrame } from './syslog/framing.ts';
import { SyslogTcpSource } from './syslog/tcp-source.ts';
import { timeZone, type TimeZone } from './syslog/time-zone.ts';
import type { TlsIdentity } from './syslog/tls-credentials.ts';
import { SyslogTlsSource } from './syslog/tls-source.ts';
import { SyslogUdpSource } from './syslog/udp-source.ts';

/** The syslog listeners' input types. */
type SyslogInput = Extract<EdgeInput, 'syslog_udp' | 'syslog_tcp' | 'syslog_tls'>;

/** What the host (the CLI) hands the edge. */
export interface EdgeDeps {
  producer: BusProducer;
  /** Signs batches; its `edgeId` is the edge's id. */
  signer: BatchSigner;
  sequence: SequenceCounter;
  /** A fresh id per process start. */
  bootId: string;
  metrics: Metrics;
  logger: Logger;
  verifyIngestKey: VerifyIngestKey;
  /** The edge's clock (receipt times, RFC 3164 years); defaults to `Date.now`. */
  now?: () => number;
  /** Program parsers; defaults to the ones the edge ships with. */
  parsers?: ParserRegistry;
  /**
   * The spool directory when `spool.dir` is not configured (the CLI passes `<dataDir>/edge/spool`).
   * With neither, the edge sends batches to the bus directly (library use and tests).
   */
  spoolDir?: string;
  /** The edge's enrolled identity: the syslog TLS listener's certificate when no certFile/keyFile is configured, and its client CA. */
  tlsIdentity?: TlsIdentity;
  /** Source addresses every listener refuses (changed live by block-source/unblock-source commands); none when absent. */
  accessList?: SourceAccessList;
}

/** A listener's bound address. */
export interface BoundAddress {
  host: string;
  port: number;
}

/** The bound addresses of the enabled listeners (after `start()`). */
export interface EdgeAddresses {
  syslogUdp?: BoundAddress;
  syslogTcp?: BoundAddress;
  syslogTls?: BoundAddress;
  http?: BoundAddress;
}

/** The edge collector: a component with its listeners' addresses. */
export interface Edge extends Component {
  addresses(): EdgeAddresses;
  /** True between a successful `start()` and `stop()`. */
  readonly running: boolean;
  /** Events received that the bus has not acknowledged yet. */
  readonly inFlight: number;
  /** Totals for heartbeats: received, published, in flight, drops by reason. */
  status(): Promise<EdgeStatusReport>;
  /** Serves a renewed identity on the syslog TLS listener (when it uses the edge identity). */
  replaceTlsIdentity(identity: TlsIdentity): void;
  /** The spool's fill, when the edge has one. */
  spoolStatus(): { usedBytes: number; maxBytes: number; pendingRecords: number } | undefined;
}

/** What an edge reports about its intake in heartbeats. */
export interface EdgeStatusReport {
  received: number;
  published: number;
  inFlight: number;
  drops: Record<string, number>;
  spool?: { usedBytes: number; maxBytes: number; pendingRecords: number };
}

/**
 * Creates the edge: syslog UDP/TCP and HTTP sources feeding one publish path (batch, sign,
 * send to `vigil.events`). `config` is parsed here, so defaults may be left out.
 */
export function createEdge(config: EdgeConfigInput, deps: EdgeDeps): Edge {
  return new EdgeHost(parseConfig(edgeConfigSchema, config, 'edge configuration'), deps);
}

class EdgeHost implements Edge {
  readonly name = 'edge';
  readonly #config: EdgeConfig;
  readonly #deps: EdgeDeps;
  readonly #metrics: EdgeMetrics;
  readonly #publisher: EventPublisher;
  readonly #sink: BatchSink;
  readonly #processing: ProcessingPipeline;
  /** While an HTTP request's events go through processing, what it emits (it emits synchronously for HTTP). */
  #collecting: EcsEvent[] | undefined;
  readonly #parsers: ParserRegistry;
  readonly #now: () => number;
  readonly #logOnce = new OncePerInterval();
  readonly #udp: SyslogUdpSource | undefined;
  readonly #tcp: SyslogTcpSource | undefined;
  readonly #tls: SyslogTlsSource | undefined;
  readonly #timeZone: TimeZone;
  readonly #http: HttpIngestSource | undefined;
  #running = false;
  #lastReceiptMs = -1;
  #lastReceiptIso = '';

  constructor(config: EdgeConfig, deps: EdgeDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#parsers = deps.parsers ?? new ParserRegistry();
    this.#metrics = new EdgeMetrics(deps.metrics);
    const { batch } = config;
    this.#sink = createSink(config, deps, this.#metrics);
    this.#publisher = new EventPublisher({
      sink: this.#sink,
      signer: deps.signer,
      sequence: deps.sequence,
      bootId: deps.bootId,
      maxBatchEvents: batch.maxBatchEvents,
      maxBatchBytes: batch.maxBatchBytes,
      compression: batch.compression,
      flushIntervalMs: batch.flushIntervalMs,
      retryBaseMs: batch.retryBaseMs,
      retryMaxMs: batch.retryMaxMs,
      maxInFlightEvents: config.maxInFlightEvents,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      metrics: this.#metrics,
      logger: deps.logger,
      now: this.#now,
    });
    this.#processing = new ProcessingPipeline(config.processing, {
      metrics: deps.metrics,
      logger: deps.logger.child({ part: 'processing' }),
      now: this.#now,
      emit: (event) => {
        if (this.#collecting) this.#collecting.push(event);
        else this.#publisher.enqueue(event);
      },
    });
    const common = { flow: this.#publisher, metrics: this.#metrics, logger: deps.logger, accessList: deps.accessList };
    const { udp, tcp, tls } = config.syslog;
    this.#timeZone = timeZone(config.syslog.defaultTimezone);
    if (udp.enabled) {
      this.#udp = new SyslogUdpSource({
        ...common,
        host: udp.host,
        port: udp.port,
        receiveBufferBytes: udp.receiveBufferBytes,
        kernelDropsIntervalMs: udp.kernelDropsIntervalMs,
        maxMessageBytes: udp.maxMessageBytes,
        onMessage: (bytes, peer) => this.#onSyslog(bytes, peer, 'syslog_udp'),
        onQuarantine: (frame, peer) => this.#onQuarantine(frame, peer, 'syslog_udp', udp.maxMessageBytes),
      });
    }
    if (tcp.enabled) {
      this.#tcp = new SyslogTcpSource({
        ...common,
        host: tcp.host,
        port: tcp.port,
        maxMessageBytes: tcp.maxMessageBytes,
        idleTimeoutMs: tcp.idleTimeoutMs,
        onMessages: (frames, peer) => this.#onSyslogLines(frames, peer, 'syslog_tcp'),
        onQuarantine: (frame, peer) => this.#onQuarantine(frame, peer, 'syslog_tcp', tcp.maxMessageBytes),
      });
    }
    if (tls.enabled) {
      this.#tls = new SyslogTlsSource({
        ...common,
        ...tls,
        identity: deps.tlsIdentity,
        onMessages: (frames, peer) => this.#onSyslogLines(frames, peer, 'syslog_tls'),
        onQuarantine: (frame, peer) => this.#onQuarantine(frame, peer, 'syslog_tls', tls.maxMessageBytes),
      });
    }
    if (config.http.enabled) {
      this.#http = new HttpIngestSource({
        host: config.http.host,
        port: config.http.port,
        maxBodyBytes: config.http.maxBodyBytes,
        maxEventBytes: config.http.maxEventBytes,
        maxLinesPerRequest: config.http.maxLinesPerRequest,
        rateLimit: config.http.rateLimit,
        elasticsearch: config.http.elasticsearch,
        parsers: this.#parsers,
        verifyIngestKey: deps.verifyIngestKey,
        publisher: this.#publisher,
        spoolStatus: () => this.spoolStatus(),
        process: (events) => this.#processHttp(events),
        isRunning: () => this.#running,
        metrics: deps.metrics,
        edgeMetrics: this.#metrics,
        logger: deps.logger,
        now: this.#now,
        accessList: deps.accessList,
      });
    }
  }

  get running(): boolean {
    return this.#running;
  }

  get inFlight(): number {
    return this.#publisher.inFlight;
  }

  async status(): Promise<EdgeStatusReport> {
    const report: EdgeStatusReport = { ...(await this.#metrics.totals()), inFlight: this.#publisher.inFlight };
    const spool = this.spoolStatus();
    if (spool) report.spool = spool;
    return report;
  }

  addresses(): EdgeAddresses {
    const addresses: EdgeAddresses = {};
    const udp = this.#udp?.address();
    const tcp = this.#tcp?.address();
    const tls = this.#tls?.address();
    const http = this.#http?.address();
    if (udp) addresses.syslogUdp = udp;
    if (tcp) addresses.syslogTcp = tcp;
    if (tls) addresses.syslogTls = tls;
    if (http) addresses.http = http;
    return addresses;
  }

  async start(): Promise<void> {
    await this.#sink.start();
    this.#running = true;
    try {
      await startAll(this.#sources());
    } catch (error) {
      this.#running = false;
      await this.#publisher.stop();
      await this.#sink.stop();
      throw error;
    }
    this.#deps.logger.info({ edgeId: this.#deps.signer.edgeId, bootId: this.#deps.bootId, ...this.addresses() }, 'edge started');
  }

  /** Stops intake (HTTP first, so waiting requests still get their answer), then publishes what is held. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    try {
      await stopAll(this.#sources());
    } finally {
      // Aggregates held in memory go out before the publisher closes.
      this.#processing.stop();
      await this.#publisher.stop();
      await this.#sink.stop();
      this.#deps.logger.info('edge stopped');
    }
  }

  replaceTlsIdentity(identity: TlsIdentity): void {
    this.#tls?.replaceIdentity(identity);
  }

  /** The spool, when the edge has one (for its heartbeat and tests). */
  spoolStatus(): { usedBytes: number; maxBytes: number; pendingRecords: number } | undefined {
    const spool = this.#sink instanceof SpoolSink ? this.#sink.spool : undefined;
    return spool ? { usedBytes: spool.usedBytes, maxBytes: this.#config.spool.maxBytes, pendingRecords: spool.pendingRecords } : undefined;
  }

  #sources(): Component[] {
    return [this.#udp, this.#tcp, this.#tls, this.#http].filter((source) => source !== undefined);
  }

  #onSyslog(bytes: Buffer, peer: Peer, input: SyslogInput): void {
    const receivedAt = this.#receiptTime();
    let event: EcsEvent;
    try {
      event = this.#counted(normalizeSyslog(bytes, receivedAt, input, this.#parsers, this.#now(), { timeZone: this.#timeZone, tlsClient: peer.tls }), peer);
    } catch (error) {
      // Parsing is written not to throw; should it ever, the line is still kept, unparsed.
      const raw = bytes.toString('utf8');
      event = {
        '@timestamp': receivedAt,
        message: raw,
        event: { kind: 'event', created: receivedAt, original: raw },
        error: { code: 'VIGIL_ERR_EDGE_INTERNAL', message: describeError(error) },
        vigil: { parse: { status: 'unparsed' }, input: { type: input } },
      };
      this.#parseFailure('internal_error', event, peer);
    }
    this.#processing.process(event, input);
  }

  /** The lines of one TCP or TLS read, normalized together (`normalizeSyslogLines`). */
  #onSyslogLines(frames: readonly Buffer[], peer: Peer, input: SyslogInput): void {
    let handed = 0;
    try {
      normalizeSyslogLines(frames, this.#receiptTime(), input, this.#parsers, this.#now(), { timeZone: this.#timeZone, tlsClient: peer.tls }, (line) => {
        handed++;
        this.#processing.process(this.#counted(line, peer), input);
      });
    } catch {
      // The rest line by line instead, so that only a line that throws is kept unparsed.
      for (let i = handed; i < frames.length; i++) this.#onSyslog(frames[i]!, peer, input);
    }
  }

  /** Counts a normalized line that was not fully understood; returns its event. */
  #counted(normalized: NormalizedSyslog, peer: Peer): EcsEvent {
    if (normalized.status === 'unparsed') this.#parseFailure(normalized.detail ?? 'bad_header', normalized.event, peer);
    else if (normalized.status === 'partial') this.#metrics.parsePartial.inc({ parser: normalized.detail ?? 'unknown' });
    return normalized.event;
  }

  /** Filters and pseudonymises an HTTP request's events (HTTP is never aggregated: it is acknowledged). */
  #processHttp(events: EcsEvent[]): EcsEvent[] {
    const collected: EcsEvent[] = [];
    this.#collecting = collected;
    try {
      for (const event of events) this.#processing.process(event, 'http');
    } finally {
      this.#collecting = undefined;
    }
    return collected;
  }

  #onQuarantine(frame: QuarantinedFrame, peer: Peer, input: SyslogInput, maxMessageBytes: number): void {
    const event = quarantineToEvent(frame, maxMessageBytes, this.#receiptTime(), input, peer.tls);
    this.#parseFailure(frame.reason, event, peer);
    this.#processing.process(event, input);
  }

  #parseFailure(reason: string, event: EcsEvent, peer: Peer): void {
    this.#metrics.parseFailures.inc({ reason });
    if (this.#logOnce.shouldLog(reason)) {
      this.#deps.logger.warn({ code: event.error?.code, reason, peer: peer.address }, 'syslog message kept unparsed (logged once per minute per reason)');
    }
  }

  /** Receipt times repeat within a millisecond under load; format each millisecond once. */
  #receiptTime(): string {
    const ms = this.#now();
    if (ms !== this.#lastReceiptMs) {
      this.#lastReceiptMs = ms;
      this.#lastReceiptIso = new Date(ms).toISOString();
    }
    return this.#lastReceiptIso;
  }
}

/** The spool when it is enabled (the default) and has a directory, else the bus directly. */
function createSink(config: EdgeConfig, deps: EdgeDeps, metrics: EdgeMetrics): BatchSink {
  const edgeId = deps.signer.edgeId;
  const { batch, spool } = config;
  const dir = spool.dir ?? deps.spoolDir;
  if (!spool.enabled || dir === undefined) return new BusSink({ producer: deps.producer, edgeId, maxMessageBytes: batch.maxBatchBytes, metrics });
  return new SpoolSink({
    config: spool,
    dir,
    producer: deps.producer,
    edgeId,
    maxMessageBytes: batch.maxBatchBytes,
    retryBaseMs: batch.retryBaseMs,
    retryMaxMs: batch.retryMaxMs,
    metrics: deps.metrics,
    edgeMetrics: metrics,
    logger: deps.logger.child({ part: 'spool' }),
  });
}
