import type { Bus, BusBatch, BusConsumer } from '@vigil/bus';
import { OncePerInterval, type Component, type Logger } from '@vigil/runtime';
import { TOPICS, alertSchema } from '@vigil/schema';
import type { AlertFeed } from './alert-feed.ts';

/**
 * Reads the alert documents the engines publish on `vigil.alerts` and hands each to the feed, so
 * open dashboards see new alerts and new events on old ones as they happen. The consumer group
 * is this process's own (every API replica needs every alert); it starts at the newest message.
 * A message that is not an alert document is skipped and counted in the log: the indexer, which
 * reads the same topic, sends it to the DLQ.
 */
export class AlertFollower implements Component {
  readonly name = 'api-live-alerts';
  readonly #bus: Bus;
  readonly #groupId: string;
  readonly #feed: AlertFeed;
  readonly #logger: Logger;
  readonly #logOnce = new OncePerInterval();
  #consumer: BusConsumer | undefined;

  constructor(options: { bus: Bus; groupId: string; feed: AlertFeed; logger: Logger }) {
    this.#bus = options.bus;
    this.#groupId = options.groupId;
    this.#feed = options.feed;
    this.#logger = options.logger;
  }

  async start(): Promise<void> {
    this.#consumer = this.#bus.createConsumer({ groupId: this.#groupId, topics: [TOPICS.alerts] });
    await this.#consumer.run(async (batch) => this.#handle(batch));
  }

  async stop(): Promise<void> {
    await this.#consumer?.stop();
    this.#consumer = undefined;
  }

  #handle(batch: BusBatch): void {
    for (const message of batch.messages) {
      let parsed: ReturnType<typeof alertSchema.safeParse> | undefined;
      try {
        parsed = alertSchema.safeParse(JSON.parse(message.value.toString('utf8')));
      } catch {
        parsed = undefined;
      }
      if (parsed?.success) this.#feed.publish(parsed.data, 'engine');
      else if (this.#logOnce.shouldLog('bad-alert')) this.#logger.warn({ offset: message.offset }, 'a message on vigil.alerts is not an alert document; not shown live');
    }
  }
}
