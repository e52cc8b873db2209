import type { Metrics } from '@vigil/runtime';

// prom-client is the runtime package's dependency, so its types are reached through Metrics.
type Counter = ReturnType<Metrics['counter']>;
type Gauge = ReturnType<Metrics['gauge']>;

/** Where an event entered the edge; the `source` label of `vigil_edge_received_total`. */
export type EdgeInput = 'syslog_udp' | 'syslog_tcp' | 'syslog_tls' | 'http' | 'http_raw' | 'http_bulk';

/** The edge's metrics, created once from the process registry and shared by its parts. */
export class EdgeMetrics {
  /** Messages/events received, by source, before any filtering. */
  readonly received: Counter;
  /** Messages that could not be parsed (kept as `unparsed` events), by reason. */
  readonly parseFailures: Counter;
  /** Messages whose header parsed but whose program's parser did not know them, by parser. */
  readonly parsePartial: Counter;
  /** Messages or events given up on, by reason. Every drop is counted here. */
  readonly dropped: Counter;
  readonly batchesPublished: Counter;
  readonly eventsPublished: Counter;
  /** Attempts to send a batch that the bus rejected (the batch is retried). */
  readonly publishFailures: Counter;
  /** HTTP ingest rejections, whole requests and single events, by error code. */
  readonly httpRejected: Counter;
  /** Events refused by the per-key rate limit, by ingest key name (never the secret). */
  readonly httpRateLimited: Counter;
  readonly inFlight: Gauge;
  readonly tcpConnections: Gauge;
  /** Stream connections paused because the edge was full (TCP backpressure), by source. */
  readonly backpressurePauses: Counter;
  readonly pausedConnections: Gauge;
  readonly tlsConnections: Gauge;
  /** TLS clients refused or handshakes that failed, by reason (no_certificate, certificate_expired, …). */
  readonly tlsHandshakeFailures: Counter;
  /** Datagrams, connections and HTTP requests refused because their source address is blocked, by input. */
  readonly blocked: Counter;

  /** Totals for the heartbeat: events received and published, drops by reason. */
  async totals(): Promise<{ received: number; published: number; drops: Record<string, number> }> {
    const [received, published, dropped] = await Promise.all([this.received.get(), this.eventsPublished.get(), this.dropped.get()]);
    const sum = (values: { value: number }[]) => values.reduce((total, entry) => total + entry.value, 0);
    const drops: Record<string, number> = {};
    for (const entry of dropped.values) {
      const reason = String(entry.labels.reason ?? 'unknown');
      drops[reason] = (drops[reason] ?? 0) + entry.value;
    }
    return { received: sum(received.values), published: sum(published.values), drops };
  }

  constructor(metrics: Metrics) {
    this.received = metrics.counter('vigil_edge_received_total', 'Messages and events received by the edge, by source.', ['source']);
    this.parseFailures = metrics.counter('vigil_edge_parse_failures_total', 'Messages kept unparsed or quarantined, by reason.', ['reason']);
    this.parsePartial = metrics.counter('vigil_edge_parse_partial_total', 'Messages a program parser did not recognise, by parser.', ['parser']);
    this.dropped = metrics.counter('vigil_edge_dropped_total', 'Messages or events dropped by the edge, by reason.', ['reason']);
    this.batchesPublished = metrics.counter('vigil_edge_batches_published_total', 'Signed batches the bus acknowledged.');
    this.eventsPublished = metrics.counter('vigil_edge_events_published_total', 'Events in batches the bus acknowledged.');
    this.publishFailures = metrics.counter('vigil_edge_publish_failures_total', 'Failed attempts to seal or send a batch, by stage.', ['stage']);
    this.httpRejected = metrics.counter('vigil_edge_http_rejected_total', 'HTTP ingest requests and events rejected, by error code.', ['code']);
    this.httpRateLimited = metrics.counter('vigil_edge_http_rate_limited_total', 'HTTP ingest events refused by the per-key rate limit, by ingest key name.', ['key']);
    this.inFlight = metrics.gauge('vigil_edge_in_flight_events', 'Events held by the edge that the bus has not acknowledged yet.');
    this.tcpConnections = metrics.gauge('vigil_edge_tcp_connections', 'Open syslog TCP connections.');
    this.backpressurePauses = metrics.counter('vigil_edge_backpressure_pauses_total', 'Times a syslog stream connection was paused because the edge (memory or spool) was full, by source.', ['source']);
    this.pausedConnections = metrics.gauge('vigil_edge_paused_connections', 'Syslog stream connections paused right now because the edge is full (TCP backpressure), by source.', ['source']);
    this.tlsConnections = metrics.gauge('vigil_edge_tls_connections', 'Open syslog TLS connections (handshake done, client accepted).');
    this.tlsHandshakeFailures = metrics.counter('vigil_edge_tls_handshake_failures_total', 'Syslog TLS handshakes that failed or clients refused, by reason.', ['reason']);
    this.blocked = metrics.counter('vigil_edge_blocked_total', 'Datagrams, connections and HTTP requests refused because their source address is blocked, by input.', ['input']);
  }
}
