import { existsSync, readFileSync } from 'node:fs';
import type { Bus, BusBatch, BusConsumer, BusProducer } from '@vigil/bus';
import { edgeMessageSchema, type Heartbeat } from '@vigil/fleet';
import { writeFileAtomic, type ControlVerifier } from '@vigil/provenance';
import { OncePerInterval, describeError, type Component, type Logger, type Metrics } from '@vigil/runtime';
import { TOPICS, type Alert } from '@vigil/schema';
import type { FleetMonitorConfig } from './config.ts';
import type { ProvenanceAlerts } from './provenance-alerts.ts';

export interface FleetMonitorDeps {
  bus: Bus;
  producer: BusProducer;
  /** Checks heartbeats: signed by an enrolled, unrevoked edge. */
  verifier: ControlVerifier;
  alerts: ProvenanceAlerts;
  /** Where the last heartbeat of each edge is kept, so a restart still notices a silent edge. */
  stateFile: string;
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
}

interface EdgeWatch {
  lastSeenMs: number;
  intervalMs: number;
  clockOffsetMs: number;
  silentAlerted: boolean;
  driftAlerted: boolean;
}

/**
 * Watches `vigil.heartbeats` and raises alerts when an edge goes silent (no heartbeat for
 * `silentAfterIntervals` of its own intervals) or its clock drifts from the core's by more
 * than `maxClockSkewMs`. Each condition alerts once until it clears; heartbeats that do not
 * verify (forged, unknown or revoked edge) are counted and never update an edge's health.
 */
export class FleetMonitor implements Component {
  readonly name = 'fleet-monitor';
  readonly #config: FleetMonitorConfig;
  readonly #deps: FleetMonitorDeps;
  readonly #now: () => number;
  readonly #edges = new Map<string, EdgeWatch>();
  readonly #logOnce = new OncePerInterval();
  readonly #rejected: ReturnType<Metrics['counter']>;
  readonly #silent: ReturnType<Metrics['gauge']>;
  readonly #offset: ReturnType<Metrics['gauge']>;
  #consumer: BusConsumer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;

  constructor(config: FleetMonitorConfig, deps: FleetMonitorDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    this.#rejected = deps.metrics.counter('vigil_engine_heartbeats_rejected_total', 'Heartbeats that failed signature, certificate or schema checks, by code.', ['code']);
    this.#silent = deps.metrics.gauge('vigil_engine_edges_silent', 'Edges currently silent (no heartbeat for silentAfterIntervals intervals).');
    this.#offset = deps.metrics.gauge('vigil_engine_edge_clock_offset_ms', "Core receipt time minus the edge's heartbeat send time, by edge.", ['edge']);
  }

  async start(): Promise<void> {
    this.#load();
    this.#consumer = this.#deps.bus.createConsumer({ groupId: this.#config.groupId, topics: [TOPICS.heartbeats], fromBeginning: false });
    await this.#consumer.run(async (batch) => this.#handle(batch));
    this.#timer = setInterval(() => {
      if (this.#checking === undefined) this.#checking = this.checkSilence().finally(() => (this.#checking = undefined));
    }, this.#config.checkIntervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#checking;
    await this.#consumer?.stop();
    this.#consumer = undefined;
    this.#save();
  }

  /** Raises a silence alert for every edge past its deadline. */
  async checkSilence(): Promise<void> {
    const now = this.#now();
    const alerts: Alert[] = [];
    let silent = 0;
    for (const [edgeId, watch] of this.#edges) {
      const silentForMs = now - watch.lastSeenMs;
      if (silentForMs <= watch.intervalMs * this.#config.silentAfterIntervals) continue;
      silent++;
      if (watch.silentAlerted) continue;
      watch.silentAlerted = true;
      const since = new Date(watch.lastSeenMs).toISOString();
      alerts.push(
        this.#deps.alerts.raise({
          kind: 'edge-silent',
          edgeId,
          detail: `no heartbeat since ${since} (${Math.round(silentForMs / 1000)} s; it sends one every ${watch.intervalMs / 1000} s)`,
          origin: `heartbeats/${edgeId}/silent-since/${watch.lastSeenMs}`,
          at: new Date(now),
        }),
      );
    }
    this.#silent.set(silent);
    await this.#publish(alerts);
  }

  async #handle(batch: BusBatch): Promise<void> {
    const alerts: Alert[] = [];
    for (const message of batch.messages) {
      const verified = this.#deps.verifier.fromEdge(message.value);
      if (!verified.ok) {
        this.#reject(verified.error.code, verified.error.message);
        continue;
      }
      const parsed = edgeMessageSchema.safeParse(verified.payload);
      if (!parsed.success || parsed.data.edgeId !== verified.edgeId) {
        this.#reject('VIGIL_ERR_FLEET_BAD_HEARTBEAT', parsed.success ? `heartbeat for ${parsed.data.edgeId} signed by ${verified.edgeId}` : (parsed.error.issues[0]?.message ?? 'invalid'));
        continue;
      }
      if (parsed.data.type !== 'heartbeat') continue;
      const drift = this.#observe(parsed.data);
      if (drift) alerts.push(drift);
    }
    await this.#publish(alerts);
  }

  #observe(heartbeat: Heartbeat): Alert | undefined {
    const now = this.#now();
    const clockOffsetMs = now - heartbeat.sentAtMs;
    const previous = this.#edges.get(heartbeat.edgeId);
    const watch: EdgeWatch = {
      lastSeenMs: now,
      intervalMs: heartbeat.intervalMs,
      clockOffsetMs,
      silentAlerted: false,
      driftAlerted: previous?.driftAlerted ?? false,
    };
    this.#edges.set(heartbeat.edgeId, watch);
    this.#offset.set({ edge: heartbeat.edgeId }, clockOffsetMs);
    // The bus adds latency, so only a difference beyond the allowed skew counts as drift.
    const drifting = Math.abs(clockOffsetMs) > this.#config.maxClockSkewMs;
    if (!drifting) {
      watch.driftAlerted = false;
      return undefined;
    }
    if (watch.driftAlerted) return undefined;
    watch.driftAlerted = true;
    const direction = clockOffsetMs > 0 ? 'behind' : 'ahead of';
    return this.#deps.alerts.raise({
      kind: 'edge-clock-drift',
      edgeId: heartbeat.edgeId,
      detail: `its clock is ${Math.round(Math.abs(clockOffsetMs) / 1000)} s ${direction} the core's (allowed ${this.#config.maxClockSkewMs / 1000} s)`,
      origin: `heartbeats/${heartbeat.edgeId}/drift/${heartbeat.bootId}/${heartbeat.sentAtMs}`,
      at: new Date(now),
    });
  }

  async #publish(alerts: Alert[]): Promise<void> {
    if (alerts.length === 0) return;
    await this.#deps.producer.send(TOPICS.alerts, alerts.map((alert) => ({ key: alert.id, value: JSON.stringify(alert) })));
    this.#save();
  }

  #reject(code: string, reason: string): void {
    this.#rejected.inc({ code });
    if (this.#logOnce.shouldLog(code)) this.#deps.logger.warn({ code, reason }, 'heartbeat ignored');
  }

  #load(): void {
    const { stateFile, logger } = this.#deps;
    if (!existsSync(stateFile)) return;
    try {
      const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as Record<string, EdgeWatch>;
      for (const [edgeId, watch] of Object.entries(saved)) {
        if (typeof watch?.lastSeenMs === 'number' && typeof watch.intervalMs === 'number' && watch.intervalMs > 0) {
          this.#edges.set(edgeId, { lastSeenMs: watch.lastSeenMs, intervalMs: watch.intervalMs, clockOffsetMs: Number(watch.clockOffsetMs) || 0, silentAlerted: watch.silentAlerted === true, driftAlerted: watch.driftAlerted === true });
        }
      }
    } catch (error) {
      logger.error({ code: 'VIGIL_ERR_ENGINE_STATE_UNREADABLE', path: stateFile, reason: describeError(error) }, 'fleet state unreadable; edges are learnt again from their heartbeats');
    }
  }

  #save(): void {
    try {
      writeFileAtomic(this.#deps.stateFile, JSON.stringify(Object.fromEntries(this.#edges)));
    } catch (error) {
      if (this.#logOnce.shouldLog('save')) this.#deps.logger.error({ code: 'VIGIL_ERR_ENGINE_STATE_UNWRITABLE', reason: describeError(error) }, 'fleet state not saved');
    }
  }
}
