import type { BusProducer } from '@vigil/bus';
import type { CoreControlSigner } from '@vigil/provenance';
import { OncePerInterval, describeError, type Component, type Logger, type Metrics } from '@vigil/runtime';
import { TOPICS } from '@vigil/schema';

export interface ControlListPublisherOptions<T extends object> {
  /** The component's name, the list's bus key on `vigil.commands`, and what it is called in logs. */
  name: string;
  key: string;
  what: string;
  /** The list as it stands now, or null when there is nothing to publish. */
  list(): Promise<T | null>;
  producer: BusProducer;
  signer: CoreControlSigner;
  /** How often the list is published again. */
  intervalMs: number;
  /** Counts publications by outcome (published, failed). */
  counter: { name: string; help: string };
  metrics: Metrics;
  logger: Logger;
}

/**
 * Publishes a full, CA-signed list on `vigil.commands` under its key (the revocation list, the
 * alert suppressions): at once after each change, at start-up, and again every `intervalMs`, so
 * a reader that starts later (or lost its saved copy) still gets it. The list's issue time only
 * grows with changes, so readers that already have it ignore the repeats.
 */
export class ControlListPublisher<T extends object> implements Component {
  readonly name: string;
  readonly #options: ControlListPublisherOptions<T>;
  readonly #published: ReturnType<Metrics['counter']>;
  readonly #logOnce = new OncePerInterval();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(options: ControlListPublisherOptions<T>) {
    this.name = options.name;
    this.#options = options;
    this.#published = options.metrics.counter(options.counter.name, options.counter.help, ['outcome']);
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

  /** Publishes the current list now (when there is one); throws when the bus does not take it. */
  async publish(): Promise<T | null> {
    const { producer, signer, key } = this.#options;
    const list = await this.#options.list();
    if (list === null) return null;
    try {
      await producer.send(TOPICS.commands, [{ key, value: signer.sign(list) }]);
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
          this.#options.logger.warn({ code: 'VIGIL_ERR_API_FLEET_PUBLISH_FAILED', reason: describeError(error) }, `${this.#options.what} not published; retrying at the next interval`);
        }
      })
      .finally(() => (this.#running = undefined));
  }
}
