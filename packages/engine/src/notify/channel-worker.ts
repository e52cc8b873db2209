import { createHash } from 'node:crypto';
import { ALERT_SEVERITIES, type Alert } from '@vigil/schema';
import { backoffDelayMs, describeError, errorCode, isRetryable, sleep, VigilError } from '@vigil/runtime';
import type { AlertChange, ChannelConfig } from './config.ts';
import { notifyErrors } from './errors.ts';
import { TokenBucket } from './token-bucket.ts';
import type { Channel, DeliveryOutcome, DeliveryReceipt, DeliveryRecord, Notification, NotifyCounters } from './types.ts';

/** What a worker needs from the notifier. */
export interface WorkerDeps {
  /** Receives every delivery record. */
  readonly record: (record: DeliveryRecord) => void;
  readonly now: () => number;
  readonly random: () => number;
  /** A fresh id for a rate-limit summary. */
  readonly newId: () => string;
}

/**
 * The delivery id of an alert notification: a hash (formatted like a UUID) of the channel,
 * the alert id, the change and the alert's state (count, last seen, severity). The engine
 * may notify the same alert state again after a restart (it replays uncommitted batches);
 * the same id lets receivers, and mail systems through the Message-ID, drop the repeat.
 */
export function alertDeliveryId(channel: string, alert: Alert, change: AlertChange): string {
  const info = alert.vigil.alert;
  const hex = createHash('sha256').update(`${channel}\n${alert.id}\n${change}\n${info.count}\n${info.last_seen}\n${info.severity}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** At most one rate-limit summary per channel this often; it takes one of the channel's tokens. */
export const SUMMARY_INTERVAL_MS = 60_000;

interface Suppressed {
  count: number;
  firstAt: number;
  lastAt: number;
}

/**
 * One channel's pipeline: filter (change, severity, rules) → rate limit → bounded queue →
 * one delivery at a time with retries. `offer` is synchronous and cheap, so detection never
 * waits for a receiver; everything slow happens in the worker loop started by `start`.
 */
export class ChannelWorker {
  readonly counters: NotifyCounters = { delivered: 0, failed: 0, dropped: 0, rateLimited: 0, retries: 0 };
  readonly #channel: Channel;
  readonly #config: ChannelConfig;
  readonly #deps: WorkerDeps;
  readonly #bucket: TokenBucket;
  readonly #on: ReadonlySet<AlertChange>;
  readonly #minRank: number;
  readonly #rules: ReadonlySet<string> | undefined;
  readonly #queue: Notification[] = [];
  readonly #abort = new AbortController();
  #suppressed: Suppressed | undefined;
  #lastSummaryAt = Number.NEGATIVE_INFINITY;
  #summaryTimer: NodeJS.Timeout | undefined;
  #wake: (() => void) | undefined;
  #running: Promise<void> | undefined;
  #stopping = false;

  constructor(channel: Channel, config: ChannelConfig, deps: WorkerDeps) {
    this.#channel = channel;
    this.#config = config;
    this.#deps = deps;
    this.#bucket = new TokenBucket(config.maxPerMinute, deps.now());
    this.#on = new Set(config.on);
    this.#minRank = ALERT_SEVERITIES.indexOf(config.minSeverity);
    this.#rules = config.rules ? new Set(config.rules) : undefined;
  }

  /** Notifications waiting for delivery (not counting the one in flight). */
  get queued(): number {
    return this.#queue.length;
  }

  /** True when this channel wants `change` of `alert`: its `on`, `minSeverity` and `rules`. */
  wants(alert: Alert, change: AlertChange): boolean {
    return (
      this.#on.has(change) &&
      ALERT_SEVERITIES.indexOf(alert.vigil.alert.severity) >= this.#minRank &&
      (this.#rules === undefined || this.#rules.has(alert.rule.id) || this.#rules.has(alert.rule.name))
    );
  }

  /** Queues the alert if the channel wants it and the rate limit allows; never blocks. */
  offer(alert: Alert, change: AlertChange): void {
    if (!this.wants(alert, change)) return;
    const notification: Notification = { kind: 'alert', deliveryId: alertDeliveryId(this.#channel.name, alert, change), event: change, alert };
    if (this.#stopping) return this.#drop(notification, 'the notifier is stopped');
    const now = this.#deps.now();
    if (this.#suppressed && now - this.#lastSummaryAt >= SUMMARY_INTERVAL_MS) this.#sendSummary(now);
    if (!this.#bucket.take(now)) return this.#suppress(notification, now);
    this.#enqueue(notification);
  }

  start(): void {
    this.#running ??= this.#loop();
  }

  /** Delivers what it can within `timeoutMs`, then aborts; what is left counts as dropped. */
  async stop(timeoutMs: number): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#summaryTimer);
    this.#wake?.();
    if (this.#running) {
      const deadline = new AbortController();
      await Promise.race([this.#running, sleep(timeoutMs, deadline.signal)]);
      deadline.abort();
      this.#abort.abort();
      await this.#running;
    }
    for (const notification of this.#queue.splice(0)) this.#drop(notification, 'the notifier stopped before it was sent');
  }

  async #loop(): Promise<void> {
    while (!this.#abort.signal.aborted) {
      const notification = this.#queue.shift();
      if (notification) {
        await this.#deliver(notification);
      } else if (this.#stopping) {
        return;
      } else {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
      }
    }
  }

  async #deliver(notification: Notification): Promise<void> {
    const { maxAttempts, initialDelayMs, maxDelayMs } = this.#config.retry;
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let receipt: DeliveryReceipt;
      try {
        receipt = await this.#channel.send(notification, this.#abort.signal);
      } catch (error) {
        const durationMs = performance.now() - started;
        if (this.#abort.signal.aborted) return this.#drop(notification, 'the notifier stopped during delivery', attempt, durationMs);
        const last = !isRetryable(error) || attempt >= maxAttempts;
        this.counters[last ? 'failed' : 'retries']++;
        this.#record(notification, attempt, last ? 'failed' : 'retrying', { error: errorOf(error), durationMs });
        if (last) return;
        const retryAfterMs = error instanceof VigilError ? Number(error.params.retryAfterMs ?? 0) : 0;
        const delayMs = Math.min(maxDelayMs, Math.max(retryAfterMs, backoffDelayMs(attempt - 1, initialDelayMs, maxDelayMs, this.#deps.random)));
        await sleep(delayMs, this.#abort.signal);
        if (this.#abort.signal.aborted) return this.#drop(notification, 'the notifier stopped before a retry', attempt);
        continue;
      }
      this.counters.delivered++;
      this.#record(notification, attempt, 'delivered', { durationMs: performance.now() - started, ...(receipt.detail !== undefined ? { detail: receipt.detail } : {}) });
      return;
    }
  }

  #enqueue(notification: Notification): void {
    if (this.#queue.length >= this.#config.maxQueued) this.#drop(this.#queue.shift()!, `the queue of ${this.#config.maxQueued} was full; the oldest notification made room`);
    this.#queue.push(notification);
    this.#wake?.();
  }

  #suppress(notification: Notification, now: number): void {
    this.counters.rateLimited++;
    const error = notifyErrors.describe('VIGIL_ERR_NOTIFY_RATE_LIMITED', { channel: this.#channel.name, maxPerMinute: this.#config.maxPerMinute });
    this.#record(notification, 0, 'rate-limited', { error });
    if (this.#suppressed) {
      this.#suppressed.count++;
      this.#suppressed.lastAt = now;
    } else {
      this.#suppressed = { count: 1, firstAt: now, lastAt: now };
    }
    this.#scheduleSummary(now);
  }

  /** Queues the summary of suppressed alerts if a token is free; otherwise tries again later. */
  #sendSummary(now: number): void {
    const suppressed = this.#suppressed;
    if (!suppressed || this.#stopping) return;
    if (!this.#bucket.take(now)) return this.#scheduleSummary(now);
    this.#suppressed = undefined;
    this.#lastSummaryAt = now;
    clearTimeout(this.#summaryTimer);
    this.#summaryTimer = undefined;
    this.#enqueue({
      kind: 'suppressed',
      deliveryId: this.#deps.newId(),
      event: 'suppressed',
      suppressed: {
        count: suppressed.count,
        firstAt: new Date(suppressed.firstAt).toISOString(),
        lastAt: new Date(suppressed.lastAt).toISOString(),
        maxPerMinute: this.#config.maxPerMinute,
      },
    });
  }

  #scheduleSummary(now: number): void {
    if (this.#summaryTimer !== undefined || this.#stopping) return;
    const delayMs = Math.max(this.#bucket.msUntilToken(now), this.#lastSummaryAt + SUMMARY_INTERVAL_MS - now, 1);
    this.#summaryTimer = setTimeout(() => {
      this.#summaryTimer = undefined;
      this.#sendSummary(this.#deps.now());
    }, delayMs);
    // A pending summary alone must not keep the process alive.
    this.#summaryTimer.unref();
  }

  #drop(notification: Notification, reason: string, attempt = 0, durationMs = 0): void {
    this.counters.dropped++;
    this.#record(notification, attempt, 'dropped', { error: notifyErrors.describe('VIGIL_ERR_NOTIFY_DROPPED', { reason }), durationMs });
  }

  #record(notification: Notification, attempt: number, outcome: DeliveryOutcome, extra: Pick<DeliveryRecord, 'error' | 'detail'> & { durationMs?: number }): void {
    this.#deps.record({
      channel: this.#channel.name,
      alertId: notification.kind === 'alert' ? notification.alert.id : null,
      event: notification.event,
      deliveryId: notification.deliveryId,
      attempt,
      outcome,
      ...extra,
      durationMs: Math.round(extra.durationMs ?? 0),
      at: new Date(this.#deps.now()).toISOString(),
    });
  }
}

function errorOf(error: unknown): { code: string; message: string } {
  return { code: errorCode(error), message: describeError(error) };
}
