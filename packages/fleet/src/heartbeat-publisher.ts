import type { BusProducer } from '@vigil/bus';
import type { EdgeControlSigner } from '@vigil/provenance';
import { OncePerInterval, describeError, type Component, type Logger, type Metrics } from '@vigil/runtime';
import { TOPICS } from '@vigil/schema';
import type { Heartbeat } from './messages.ts';

/** What the edge reports about itself; the publisher adds identity, clock and EPS. */
export interface EdgeStatus {
  received: number;
  published: number;
  inFlight: number;
  spool?: Heartbeat['spool'];
  drops: Record<string, number>;
  certificate: Heartbeat['certificate'];
}

export interface HeartbeatPublisherOptions {
  producer: BusProducer;
  signer: EdgeControlSigner;
  edgeId: string;
  bootId: string;
  version: string;
  intervalMs: number;
  status: () => Promise<EdgeStatus>;
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
}

/**
 * Sends a signed heartbeat to `vigil.heartbeats` every `intervalMs`: events per second, spool
 * depth, drop counters, the edge's clock and version. A heartbeat that cannot be sent is
 * counted and skipped (the next one carries totals, so nothing is lost but freshness); the
 * core notices the silence.
 */
export class HeartbeatPublisher implements Component {
  readonly name = 'heartbeat-publisher';
  readonly #options: HeartbeatPublisherOptions;
  readonly #now: () => number;
  readonly #logOnce = new OncePerInterval();
  readonly #sent: ReturnType<Metrics['counter']>;
  readonly #startedAtMs: number;
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> | undefined;
  #last: { atMs: number; received: number } | undefined;

  constructor(options: HeartbeatPublisherOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#startedAtMs = this.#now();
    this.#sent = options.metrics.counter('vigil_edge_heartbeats_total', 'Heartbeats the edge tried to send, by outcome.', ['outcome']);
  }

  async start(): Promise<void> {
    await this.beat();
    this.#timer = setInterval(() => {
      if (this.#sending === undefined) this.#sending = this.beat().finally(() => (this.#sending = undefined));
    }, this.#options.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sending;
  }

  /** Builds, signs and sends one heartbeat now. Never throws. */
  async beat(): Promise<void> {
    const { producer, signer, edgeId, bootId, version, intervalMs, logger } = this.#options;
    try {
      const status = await this.#options.status();
      const atMs = this.#now();
      const heartbeat: Heartbeat = {
        type: 'heartbeat',
        edgeId,
        bootId,
        version,
        sentAtMs: atMs,
        startedAtMs: this.#startedAtMs,
        intervalMs,
        eventsPerSecond: this.#eventsPerSecond(atMs, status.received),
        received: status.received,
        published: status.published,
        inFlight: status.inFlight,
        drops: status.drops,
        certificate: status.certificate,
      };
      if (status.spool) heartbeat.spool = status.spool;
      await producer.send(TOPICS.heartbeats, [{ key: edgeId, value: signer.sign(heartbeat) }]);
      this.#sent.inc({ outcome: 'sent' });
    } catch (error) {
      this.#sent.inc({ outcome: 'failed' });
      if (this.#logOnce.shouldLog('heartbeat')) logger.warn({ code: 'VIGIL_ERR_FLEET_HEARTBEAT_FAILED', reason: describeError(error) }, 'heartbeat not sent; the next one carries the totals');
    }
  }

  #eventsPerSecond(atMs: number, received: number): number {
    const last = this.#last;
    this.#last = { atMs, received };
    if (!last || atMs <= last.atMs) return 0;
    return Math.round(((received - last.received) * 1000) / (atMs - last.atMs) * 10) / 10;
  }
}
