import type { Metrics } from '@vigil/runtime';

// prom-client is the runtime package's dependency, so its types are reached through Metrics.
type Counter = ReturnType<Metrics['counter']>;
type Gauge = ReturnType<Metrics['gauge']>;

/** Where an event entered the edge; the `source` label of `vigil_edge_received_total`. */
export type EdgeInput = 'syslog_udp' | 'syslog_tcp' | 'http';

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
  readonly inFlight: Gauge;
  readonly tcpConnections: Gauge;

  constructor(metrics: Metrics) {
    this.received = metrics.counter('vigil_edge_received_total', 'Messages and events received by the edge, by source.', ['source']);
    this.parseFailures = metrics.counter('vigil_edge_parse_failures_total', 'Messages kept unparsed or quarantined, by reason.', ['reason']);
    this.parsePartial = metrics.counter('vigil_edge_parse_partial_total', 'Messages a program parser did not recognise, by parser.', ['parser']);
    this.dropped = metrics.counter('vigil_edge_dropped_total', 'Messages or events dropped by the edge, by reason.', ['reason']);
    this.batchesPublished = metrics.counter('vigil_edge_batches_published_total', 'Signed batches the bus acknowledged.');
    this.eventsPublished = metrics.counter('vigil_edge_events_published_total', 'Events in batches the bus acknowledged.');
    this.publishFailures = metrics.counter('vigil_edge_publish_failures_total', 'Failed attempts to seal or send a batch, by stage.', ['stage']);
    this.httpRejected = metrics.counter('vigil_edge_http_rejected_total', 'HTTP ingest requests and events rejected, by error code.', ['code']);
    this.inFlight = metrics.gauge('vigil_edge_in_flight_events', 'Events held by the edge that the bus has not acknowledged yet.');
    this.tcpConnections = metrics.gauge('vigil_edge_tcp_connections', 'Open syslog TCP connections.');
  }
}
