import { createHmac } from 'node:crypto';
import type { WebhookChannelConfig } from './config.ts';
import { postJson } from './http-post.ts';
import type { Channel, DeliveryReceipt, Notification } from './types.ts';

/** The signature header value for one request: `sha256=` and the hex HMAC of `<timestamp>.<body>`. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The JSON body of a webhook notification. */
export function webhookBody(notification: Notification): string {
  return notification.kind === 'alert'
    ? JSON.stringify({ event: notification.event, alert: notification.alert })
    : JSON.stringify({ event: notification.event, suppressed: notification.suppressed });
}

/**
 * Generic webhook: POSTs each notification as JSON, `{"event": "created" | "escalated" |
 * "updated", "alert": {…}}` (the alert document as stored), or `{"event": "suppressed",
 * "suppressed": {"count", "firstAt", "lastAt", "maxPerMinute"}}` after alerts were held back
 * by the rate limit. Request headers:
 *
 * - `X-Vigil-Delivery`: a UUID-shaped id, the same for every attempt of one notification
 *   and for the same alert state notified again after an engine restart; receivers drop a
 *   delivery id they have seen (a retry after a lost response, or a replay).
 * - `X-Vigil-Event`: the `event` of the body.
 * - `X-Vigil-Timestamp`: Unix time in seconds when this attempt was sent.
 * - `X-Vigil-Signature`: `sha256=` and the lowercase hex HMAC-SHA256, keyed with the
 *   channel's `secret`, of the timestamp, a `.`, and the raw body bytes exactly as received.
 *
 * To verify, a receiver recomputes the HMAC over `timestamp + '.' + rawBody` before parsing
 * the JSON, compares it in constant time, and rejects a timestamp more than a few minutes
 * from its own clock, so a captured request cannot be replayed later:
 *
 * ```ts
 * const expected = 'sha256=' + createHmac('sha256', secret).update(`${req.headers['x-vigil-timestamp']}.${rawBody}`).digest('hex');
 * const ok = timingSafeEqual(Buffer.from(expected), Buffer.from(String(req.headers['x-vigil-signature'])))
 *   && Math.abs(Date.now() / 1000 - Number(req.headers['x-vigil-timestamp'])) < 300;
 * ```
 *
 * (Check the lengths are equal first: `timingSafeEqual` throws on different lengths.)
 */
export class WebhookChannel implements Channel {
  readonly name: string;
  readonly #config: WebhookChannelConfig;
  readonly #now: () => number;
  readonly #headers: Readonly<Record<string, string>>;

  constructor(config: WebhookChannelConfig, now: () => number = Date.now) {
    this.name = config.name;
    this.#config = config;
    this.#now = now;
    // Lower-cased so a configured `User-Agent` replaces ours instead of being sent twice.
    this.#headers = { 'user-agent': 'Vigil-Notifier/1', ...Object.fromEntries(Object.entries(config.headers).map(([name, value]) => [name.toLowerCase(), value])) };
  }

  send(notification: Notification, signal: AbortSignal): Promise<DeliveryReceipt> {
    const body = webhookBody(notification);
    const timestamp = String(Math.floor(this.#now() / 1000));
    return postJson({
      url: this.#config.url,
      body,
      headers: {
        ...this.#headers,
        'x-vigil-delivery': notification.deliveryId,
        'x-vigil-event': notification.event,
        'x-vigil-timestamp': timestamp,
        'x-vigil-signature': webhookSignature(this.#config.secret, timestamp, body),
      },
      timeoutMs: this.#config.timeoutMs,
      signal,
    });
  }
}
