import type { BusProducer } from '@vigil/bus';
import { REVOCATIONS_KEY, revocationListSchema, type RevocationList } from '@vigil/fleet';
import type { CoreControlSigner } from '@vigil/provenance';
import { OncePerInterval, describeError, type Component, type Logger, type Metrics } from '@vigil/runtime';
import { TOPICS } from '@vigil/schema';
import type { FleetRepository } from './fleet-repository.ts';

export interface RevocationPublisherOptions {
  repository: FleetRepository;
  producer: BusProducer;
  signer: CoreControlSigner;
  /** How often the list is published again. */
  intervalMs: number;
  metrics: Metrics;
  logger: Logger;
}

/**
 * Publishes the full, CA-signed revocation list on `vigil.commands` (key `vigil.revocations`):
 * at once after each revocation, at start-up, and again every `intervalMs`, so an engine or
 * indexer that starts later (or lost its saved copy) still gets it. Nothing is published while
 * no edge is revoked. The list's issue time only grows with new revocations, so readers that
 * already have it ignore the repeats.
 */
export class RevocationPublisher implements Component {
  readonly name = 'fleet-revocation-publisher';
  readonly #options: RevocationPublisherOptions;
  readonly #published: ReturnType<Metrics['counter']>;
  readonly #logOnce = new OncePerInterval();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(options: RevocationPublisherOptions) {
    this.#options = options;
    this.#published = options.metrics.counter('vigil_api_fleet_revocation_lists_total', 'Revocation lists published on vigil.commands, by outcome.', ['outcome']);
  }

  async start(): Promise<void> {
    this.#tick();
    this.#timer = setInterval(() => this.#tick(), this.#options.intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** Publishes the current list now (when it has entries); throws when the bus does not take it. */
  async publish(): Promise<RevocationList | null> {
    const { repository, producer, signer } = this.#options;
    const { issuedAtMs, revoked } = await repository.revocations();
    if (revoked.length === 0) return null;
    const list = revocationListSchema.parse({ type: 'revocations', issuedAtMs, revoked });
    try {
      await producer.send(TOPICS.commands, [{ key: REVOCATIONS_KEY, value: signer.sign(list) }]);
    } catch (error) {
      this.#published.inc({ outcome: 'failed' });
      throw error;
    }
    this.#published.inc({ outcome: 'published' });
    return list;
  }

  #tick(): void {
    if (this.#running) return;
    this.#running = this.publish()
      .then(() => undefined)
      .catch((error: unknown) => {
        if (this.#logOnce.shouldLog('publish')) {
          this.#options.logger.warn({ code: 'VIGIL_ERR_API_FLEET_PUBLISH_FAILED', reason: describeError(error) }, 'revocation list not published; retrying at the next interval');
        }
      })
      .finally(() => (this.#running = undefined));
  }
}
