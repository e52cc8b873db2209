import { randomUUID } from 'node:crypto';
import { OncePerInterval, describeError, parseConfig, silentLogger, type Component, type Logger, type Metrics } from '@vigil/runtime';
import type { Alert } from '@vigil/schema';
import { ChannelWorker } from './channel-worker.ts';
import { notifyConfigSchema, type AlertChange, type ChannelConfig, type NotifyConfig, type NotifyConfigInput } from './config.ts';
import { SlackChannel } from './slack-channel.ts';
import { SmtpChannel } from './smtp-channel.ts';
import type { Channel, DeliveryRecord, NotifyCounters } from './types.ts';
import { WebhookChannel } from './webhook-channel.ts';

/** What the notifier needs from its host. */
export interface NotifierDeps {
  /** Called for every delivery attempt and every notification dropped or rate-limited; must not throw (it is caught). */
  readonly onDelivery?: (record: DeliveryRecord) => void;
  readonly logger?: Logger;
  /** Registry for `vigil_engine_notifications_total{channel,outcome}`. */
  readonly metrics?: Metrics;
  /** Wall clock (ms) for the rate limit, records and mail dates; defaults to Date.now. */
  readonly now?: () => number;
  /** Source of backoff jitter in [0, 1); defaults to Math.random. */
  readonly random?: () => number;
}

/** Counters of all channels, and per channel with its queue length. */
export interface NotifierStats extends NotifyCounters {
  readonly channels: Readonly<Record<string, NotifyCounters & { readonly queued: number }>>;
}

/**
 * Sends alert notifications (webhook, Slack, email) without ever slowing detection. The
 * engine calls `notify(alert, change)` after the alert is published; it only filters, applies
 * the channel's rate limit and queues, synchronously, then returns. Each channel has its own
 * bounded queue (full: the oldest is dropped and counted) and one worker delivering in order,
 * retrying retryable failures with exponential backoff and jitter.
 *
 * Rate limit: a token bucket per channel (`maxPerMinute`). Alerts over it are not queued;
 * they are counted (`rateLimited`) and, once a token is free (and at most once a minute), one
 * summary notification says how many were held back and when. The dashboard still has them.
 */
export class Notifier implements Component {
  readonly name = 'notifier';
  readonly config: Readonly<NotifyConfig>;
  readonly #workers = new Map<string, ChannelWorker>();
  readonly #onDelivery: ((record: DeliveryRecord) => void) | undefined;
  readonly #logger: Logger;
  readonly #logOnce = new OncePerInterval();
  readonly #outcomes: ReturnType<Metrics['counter']> | undefined;

  /** Parses `config` (throws a message naming each bad key) and reads channel files such as `ca`. */
  constructor(config: NotifyConfigInput, deps: NotifierDeps = {}) {
    this.config = parseConfig(notifyConfigSchema, config, 'notification settings');
    this.#onDelivery = deps.onDelivery;
    this.#logger = deps.logger ?? silentLogger();
    this.#outcomes = deps.metrics?.counter('vigil_engine_notifications_total', 'Alert notification attempts and notifications not sent, by channel and outcome.', ['channel', 'outcome']);
    const now = deps.now ?? Date.now;
    const workerDeps = { record: (record: DeliveryRecord) => this.#record(record), now, random: deps.random ?? Math.random, newId: randomUUID };
    for (const channelConfig of this.config.channels) {
      this.#workers.set(channelConfig.name, new ChannelWorker(createChannel(channelConfig, this.config.dashboardUrl, now), channelConfig, workerDeps));
    }
  }

  async start(): Promise<void> {
    for (const worker of this.#workers.values()) worker.start();
  }

  /** Delivers what is queued or in flight for up to `stopTimeoutMs`, then drops the rest (counted). */
  async stop(): Promise<void> {
    await Promise.all([...this.#workers.values()].map((worker) => worker.stop(this.config.stopTimeoutMs)));
  }

  /**
   * Hands an alert change to every channel that wants it. Returns at once: no I/O, no awaiting,
   * and it never throws. `change` is `created` for a new alert, `escalated` when its severity
   * rose since the caller last notified it, else `updated`. The alert object is kept until
   * delivered, so it must not be changed afterwards. After `stop()` alerts count as dropped.
   */
  notify(alert: Alert, change: AlertChange): void {
    for (const worker of this.#workers.values()) {
      try {
        worker.offer(alert, change);
      } catch (error) {
        if (this.#logOnce.shouldLog('offer')) this.#logger.error({ err: describeError(error), alert: alert.id }, 'notification not queued');
      }
    }
  }

  stats(): NotifierStats {
    const total: NotifyCounters = { delivered: 0, failed: 0, dropped: 0, rateLimited: 0, retries: 0 };
    const channels: Record<string, NotifyCounters & { queued: number }> = {};
    for (const [name, worker] of this.#workers) {
      channels[name] = { ...worker.counters, queued: worker.queued };
      for (const key of Object.keys(total) as Array<keyof NotifyCounters>) total[key] += worker.counters[key];
    }
    return { ...total, channels };
  }

  #record(record: DeliveryRecord): void {
    this.#outcomes?.inc({ channel: record.channel, outcome: record.outcome });
    if (record.outcome !== 'delivered' && record.outcome !== 'retrying' && this.#logOnce.shouldLog(`${record.channel}:${record.outcome}:${record.error?.code}`)) {
      this.#logger.warn({ channel: record.channel, alert: record.alertId, code: record.error?.code, attempt: record.attempt }, `notification ${record.outcome}: ${record.error?.message ?? ''}`);
    }
    if (!this.#onDelivery) return;
    try {
      this.#onDelivery(record);
    } catch (error) {
      if (this.#logOnce.shouldLog('onDelivery')) this.#logger.error({ err: describeError(error) }, 'onDelivery threw; the record is lost');
    }
  }
}

/** The channel implementation for a channel's `kind`. */
export function createChannel(config: ChannelConfig, dashboardUrl: string | undefined, now: () => number = Date.now): Channel {
  switch (config.kind) {
    case 'webhook':
      return new WebhookChannel(config, now);
    case 'slack':
      return new SlackChannel(config, dashboardUrl);
    case 'email':
      return new SmtpChannel(config, { ...(dashboardUrl !== undefined ? { dashboardUrl } : {}), now });
  }
}
