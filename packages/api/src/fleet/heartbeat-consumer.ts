import type { Bus, BusBatch, BusConsumer } from '@vigil/bus';
import { edgeMessageSchema } from '@vigil/fleet';
import type { ControlVerifier } from '@vigil/provenance';
import { OncePerInterval, type Component, type Logger, type Metrics } from '@vigil/runtime';
import { TOPICS } from '@vigil/schema';
import type { FleetRepository } from './fleet-repository.ts';

/** Consumer group of the API's fleet consumer on `vigil.heartbeats`. */
export const FLEET_CONSUMER_GROUP = 'vigil-api-fleet';

export interface HeartbeatConsumerOptions {
  bus: Bus;
  repository: FleetRepository;
  /** Checks each message's signature and that its certificate chains to the Vigil CA. */
  verifier: ControlVerifier;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
}

/**
 * Reads what edges send on `vigil.heartbeats`: heartbeats become each edge's last heartbeat,
 * command results close their command. A message is believed only when its signature verifies
 * with an unrevoked certificate of the Vigil CA and it names the edge of that certificate;
 * anything else is counted by error code, logged once per interval, and skipped. A repository
 * failure fails the batch, which the bus hands over again.
 */
export class HeartbeatConsumer implements Component {
  readonly name = 'fleet-heartbeat-consumer';
  readonly #options: HeartbeatConsumerOptions;
  readonly #logOnce = new OncePerInterval();
  readonly #rejected: ReturnType<Metrics['counter']>;
  readonly #accepted: ReturnType<Metrics['counter']>;
  readonly #unknownResults: ReturnType<Metrics['counter']>;
  #consumer: BusConsumer | undefined;

  constructor(options: HeartbeatConsumerOptions) {
    this.#options = options;
    const { metrics } = options;
    this.#rejected = metrics.counter('vigil_api_fleet_rejected_total', 'Messages on vigil.heartbeats the API did not believe, by error code.', ['code']);
    this.#accepted = metrics.counter('vigil_api_fleet_messages_total', 'Verified heartbeats and command results the API recorded, by type.', ['type']);
    this.#unknownResults = metrics.counter('vigil_api_fleet_unknown_results_total', 'Command results for commands this API has no record of (ignored).');
  }

  async start(): Promise<void> {
    const consumer = this.#options.bus.createConsumer({ groupId: FLEET_CONSUMER_GROUP, topics: [TOPICS.heartbeats], fromBeginning: true });
    await consumer.run(async (batch) => this.handle(batch));
    this.#consumer = consumer;
  }

  async stop(): Promise<void> {
    await this.#consumer?.stop();
    this.#consumer = undefined;
  }

  /** Processes one batch from `vigil.heartbeats` (public for tests that feed batches directly). */
  async handle(batch: BusBatch): Promise<void> {
    const { repository, verifier, now } = this.#options;
    const revoked = new Set((await repository.revocations()).revoked.map((entry) => entry.edgeId));
    for (const message of batch.messages) {
      const verified = verifier.fromEdge(message.value);
      if (!verified.ok) {
        this.#reject(verified.error.code, verified.error.message);
        continue;
      }
      const signer = verified.edgeId!;
      if (revoked.has(signer)) {
        this.#reject('VIGIL_ERR_PROVENANCE_REVOKED', `edge ${signer} is revoked`);
        continue;
      }
      const parsed = edgeMessageSchema.safeParse(verified.payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        this.#reject('VIGIL_ERR_API_FLEET_BAD_MESSAGE', `edge ${signer}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`);
        continue;
      }
      const payload = parsed.data;
      if (payload.edgeId !== signer) {
        this.#reject('VIGIL_ERR_API_FLEET_EDGE_MISMATCH', `message names edge ${payload.edgeId} but is signed by edge ${signer}`);
        continue;
      }
      if (payload.type === 'heartbeat') {
        // The certificate shown for the edge is the one that signed, not the one the edge says it has.
        await repository.recordHeartbeat(verified.certificate ? { ...payload, certificate: verified.certificate } : payload, now());
        this.#accepted.inc({ type: 'heartbeat' });
        continue;
      }
      const outcome = await repository.recordCommandResult(payload, now());
      if (outcome === 'unknown-command') {
        this.#unknownResults.inc();
        this.#logIgnored('VIGIL_ERR_API_FLEET_UNKNOWN_COMMAND', `result for unknown command ${payload.commandId} from edge ${signer}`);
      } else if (outcome === 'edge-mismatch') {
        this.#reject('VIGIL_ERR_API_FLEET_EDGE_MISMATCH', `edge ${signer} reported on command ${payload.commandId} of another edge`);
      } else {
        this.#accepted.inc({ type: 'command-result' });
      }
    }
  }

  #reject(code: string, reason: string): void {
    this.#rejected.inc({ code });
    this.#logIgnored(code, reason);
  }

  #logIgnored(code: string, reason: string): void {
    if (this.#logOnce.shouldLog(code)) this.#options.logger.warn({ code, reason }, 'message on vigil.heartbeats ignored');
  }
}
