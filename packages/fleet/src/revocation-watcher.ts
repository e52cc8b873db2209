import { existsSync, readFileSync } from 'node:fs';
import type { Bus, BusBatch, BusConsumer } from '@vigil/bus';
import { writeFileAtomic, type ControlVerifier } from '@vigil/provenance';
import { OncePerInterval, describeError, type Component, type Logger, type Metrics } from '@vigil/runtime';
import { TOPICS } from '@vigil/schema';
import { REVOCATIONS_KEY, revocationListSchema, type RevocationList } from './messages.ts';

export interface RevocationWatcherOptions {
  bus: Bus;
  /** Consumer group; one per process that needs the list, since every reader needs every list. */
  groupId: string;
  /** Checks that a list was signed by the core (the CA key). */
  verifier: ControlVerifier;
  /** Where the newest list is kept between restarts. */
  stateFile: string;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Keeps the newest CA-signed revocation list from `vigil.commands` and answers "is this edge
 * certificate revoked?" for the batch and heartbeat verifiers. The list is read from the bus
 * as it is published (the API publishes on every revocation and republishes it periodically)
 * and saved to disk, so a restarted engine rejects a revoked edge before it has read the bus.
 */
export class RevocationWatcher implements Component {
  readonly name = 'revocation-watcher';
  readonly #options: RevocationWatcherOptions;
  readonly #logOnce = new OncePerInterval();
  readonly #rejected: ReturnType<Metrics['counter']>;
  readonly #revokedGauge: ReturnType<Metrics['gauge']>;
  #issuedAtMs = -1;
  #wholeEdges = new Set<string>();
  #serials = new Set<string>();
  #consumer: BusConsumer | undefined;

  constructor(options: RevocationWatcherOptions) {
    this.#options = options;
    this.#rejected = options.metrics.counter('vigil_fleet_revocation_lists_rejected_total', 'Revocation lists that failed signature or schema checks, by code.', ['code']);
    this.#revokedGauge = options.metrics.gauge('vigil_fleet_revoked_certificates', 'Edge certificates (or whole edges) on the newest revocation list.');
  }

  /** True when the edge, or this certificate of it, is on the newest list. */
  isRevoked(edgeId: string, serialNumber: string): boolean {
    return this.#wholeEdges.has(edgeId) || this.#serials.has(serialKey(edgeId, serialNumber));
  }

  /** Issue time of the list in force, or -1 before any list was seen. */
  get issuedAtMs(): number {
    return this.#issuedAtMs;
  }

  async start(): Promise<void> {
    this.#loadSaved();
    this.#consumer = this.#options.bus.createConsumer({ groupId: this.#options.groupId, topics: [TOPICS.commands], fromBeginning: true });
    await this.#consumer.run(async (batch) => this.#handle(batch));
  }

  async stop(): Promise<void> {
    await this.#consumer?.stop();
    this.#consumer = undefined;
  }

  /** Applies a list if it is newer than the one in force; returns whether it was applied. */
  apply(list: RevocationList): boolean {
    if (list.issuedAtMs <= this.#issuedAtMs) return false;
    const wholeEdges = new Set<string>();
    const serials = new Set<string>();
    for (const entry of list.revoked) {
      if (entry.serial === undefined) wholeEdges.add(entry.edgeId);
      else serials.add(serialKey(entry.edgeId, entry.serial));
    }
    this.#wholeEdges = wholeEdges;
    this.#serials = serials;
    this.#issuedAtMs = list.issuedAtMs;
    this.#revokedGauge.set(list.revoked.length);
    return true;
  }

  async #handle(batch: BusBatch): Promise<void> {
    for (const message of batch.messages) {
      if (message.key?.toString() !== REVOCATIONS_KEY) continue;
      const verified = this.#options.verifier.fromCore(message.value);
      if (!verified.ok) {
        this.#reject(verified.error.code, verified.error.message);
        continue;
      }
      const parsed = revocationListSchema.safeParse(verified.payload);
      if (!parsed.success) {
        this.#reject('VIGIL_ERR_FLEET_BAD_REVOCATION_LIST', parsed.error.issues[0]?.message ?? 'invalid');
        continue;
      }
      if (this.apply(parsed.data)) {
        this.#save(parsed.data);
        this.#options.logger.info({ revoked: parsed.data.revoked.length, issuedAt: new Date(parsed.data.issuedAtMs).toISOString() }, 'revocation list applied');
      }
    }
  }

  #reject(code: string, reason: string): void {
    this.#rejected.inc({ code });
    if (this.#logOnce.shouldLog(code)) this.#options.logger.warn({ code, reason }, 'revocation list on vigil.commands ignored');
  }

  #loadSaved(): void {
    const { stateFile, logger } = this.#options;
    if (!existsSync(stateFile)) return;
    try {
      this.apply(revocationListSchema.parse(JSON.parse(readFileSync(stateFile, 'utf8'))));
    } catch (error) {
      logger.error({ code: 'VIGIL_ERR_FLEET_STATE_UNREADABLE', path: stateFile, reason: describeError(error) }, 'saved revocation list unreadable; waiting for the next one on the bus');
    }
  }

  #save(list: RevocationList): void {
    try {
      writeFileAtomic(this.#options.stateFile, JSON.stringify(list));
    } catch (error) {
      this.#options.logger.error({ code: 'VIGIL_ERR_FLEET_STATE_UNWRITABLE', path: this.#options.stateFile, reason: describeError(error) }, 'revocation list not saved');
    }
  }
}

/** Serials compare as upper-case hex without leading zeros (node:crypto and node-forge differ there). */
function serialKey(edgeId: string, serial: string): string {
  return `${edgeId}/${serial.toUpperCase().replace(/^0+(?=.)/, '')}`;
}
