import type { BusProducer } from '@vigil/bus';
import type { BatchSigner, SequenceCounter } from '@vigil/provenance';
import { EdgeMetrics, type EdgeInput } from './metrics.ts';
import { OncePerInterval, describeError, parseConfig, startAll, stopAll, type Component, type Logger, type Metrics } from '@vigil/runtime';
import type { EcsEvent } from '@vigil/schema';
import { edgeConfigSchema, type EdgeConfig, type EdgeConfigInput } from './config.ts';
import { HttpIngestSource, type VerifyIngestKey } from './http/http-source.ts';
import { normalizeSyslog, quarantineToEvent } from './normalize.ts';
import { ParserRegistry } from './parsers/registry.ts';
import { EventPublisher } from './publish/publisher.ts';
import type { Peer } from './syslog/flow-control.ts';
import type { QuarantinedFrame } from './syslog/framing.ts';
import { SyslogTcpSource } from './syslog/tcp-source.ts';
import { SyslogUdpSource } from './syslog/udp-source.ts';

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
  http?: BoundAddress;
}

/** The edge collector: a component with its listeners' addresses. */
export interface Edge extends Component {
  addresses(): EdgeAddresses;
  /** True between a successful `start()` and `stop()`. */
  readonly running: boolean;
  /** Events received that the bus has not acknowledged yet. */
  readonly inFlight: number;
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
  readonly #parsers: ParserRegistry;
  readonly #now: () => number;
  readonly #logOnce = new OncePerInterval();
  readonly #udp: SyslogUdpSource | undefined;
  readonly #tcp: SyslogTcpSource | undefined;
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
    this.#publisher = new EventPublisher({
      producer: deps.producer,
      signer: deps.signer,
      sequence: deps.sequence,
      bootId: deps.bootId,
      maxBatchEvents: batch.maxBatchEvents,
      maxBatchBytes: batch.maxBatchBytes,
      flushIntervalMs: batch.flushIntervalMs,
      retryBaseMs: batch.retryBaseMs,
      retryMaxMs: batch.retryMaxMs,
      maxInFlightEvents: config.maxInFlightEvents,
      shutdownTimeoutMs: config.shutdownTimeoutMs,
      metrics: this.#metrics,
      logger: deps.logger,
      now: this.#now,
    });
    const common = { flow: this.#publisher, metrics: this.#metrics, logger: deps.logger };
    const { udp, tcp } = config.syslog;
    if (udp.enabled) {
      this.#udp = new SyslogUdpSource({ ...common, host: udp.host, port: udp.port, receiveBufferBytes: udp.receiveBufferBytes, kernelDropsIntervalMs: udp.kernelDropsIntervalMs, onMessage: (bytes, peer) => this.#onSyslog(bytes, peer, 'syslog_udp') });
    }
    if (tcp.enabled) {
      this.#tcp = new SyslogTcpSource({
        ...common,
        host: tcp.host,
        port: tcp.port,
        maxMessageBytes: tcp.maxMessageBytes,
        idleTimeoutMs: tcp.idleTimeoutMs,
        onMessage: (bytes, peer) => this.#onSyslog(bytes, peer, 'syslog_tcp'),
        onQuarantine: (frame, peer) => this.#onQuarantine(frame, peer),
      });
    }
    if (config.http.enabled) {
      this.#http = new HttpIngestSource({
        host: config.http.host,
        port: config.http.port,
        maxBodyBytes: config.http.maxBodyBytes,
        maxEventBytes: config.http.maxEventBytes,
        verifyIngestKey: deps.verifyIngestKey,
        publisher: this.#publisher,
        isRunning: () => this.#running,
        metrics: deps.metrics,
        edgeMetrics: this.#metrics,
        logger: deps.logger,
        now: this.#now,
      });
    }
  }

  get running(): boolean {
    return this.#running;
  }

  get inFlight(): number {
    return this.#publisher.inFlight;
  }

  addresses(): EdgeAddresses {
    const addresses: EdgeAddresses = {};
    const udp = this.#udp?.address();
    const tcp = this.#tcp?.address();
    const http = this.#http?.address();
    if (udp) addresses.syslogUdp = udp;
    if (tcp) addresses.syslogTcp = tcp;
    if (http) addresses.http = http;
    return addresses;
  }

  async start(): Promise<void> {
    this.#running = true;
    try {
      await startAll(this.#sources());
    } catch (error) {
      this.#running = false;
      await this.#publisher.stop();
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
      await this.#publisher.stop();
      this.#deps.logger.info('edge stopped');
    }
  }

  #sources(): Component[] {
    return [this.#udp, this.#tcp, this.#http].filter((source) => source !== undefined);
  }

  #onSyslog(bytes: Buffer, peer: Peer, input: EdgeInput): void {
    const receivedAt = this.#receiptTime();
    const raw = bytes.toString('utf8');
    let event: EcsEvent;
    try {
      const normalized = normalizeSyslog(raw, receivedAt, input, this.#parsers, this.#now());
      event = normalized.event;
      if (normalized.status === 'unparsed') this.#parseFailure(normalized.detail ?? 'bad_header', event, peer);
      else if (normalized.status === 'partial') this.#metrics.parsePartial.inc({ parser: normalized.detail ?? 'unknown' });
    } catch (error) {
      // Parsing is written not to throw; should it ever, the line is still kept, unparsed.
      event = {
        '@timestamp': receivedAt,
        message: raw,
        event: { kind: 'event', created: receivedAt, original: raw },
        error: { code: 'VIGIL_ERR_EDGE_INTERNAL', message: describeError(error) },
        vigil: { parse: { status: 'unparsed' }, input: { type: input } },
      };
      this.#parseFailure('internal_error', event, peer);
    }
    this.#publisher.enqueue(event);
  }

  #onQuarantine(frame: QuarantinedFrame, peer: Peer): void {
    const event = quarantineToEvent(frame, this.#config.syslog.tcp.maxMessageBytes, this.#receiptTime(), 'syslog_tcp');
    this.#parseFailure(frame.reason, event, peer);
    this.#publisher.enqueue(event);
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
