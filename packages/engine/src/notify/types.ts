import type { Alert } from '@vigil/schema';
import type { AlertChange } from './config.ts';

/** Alerts a channel did not send because of its rate limit, summarised in one notification. */
export interface SuppressedSummary {
  /** How many alerts were not sent. */
  readonly count: number;
  /** When the first and the last of them came (ISO 8601). */
  readonly firstAt: string;
  readonly lastAt: string;
  /** The channel's `maxPerMinute`. */
  readonly maxPerMinute: number;
}

/** What a channel delivers: an alert change, or a summary of rate-limited alerts. */
export type Notification =
  | { readonly kind: 'alert'; readonly deliveryId: string; readonly event: AlertChange; readonly alert: Alert }
  | { readonly kind: 'suppressed'; readonly deliveryId: string; readonly event: 'suppressed'; readonly suppressed: SuppressedSummary };

/** A successful delivery; `detail` says anything the host should know (e.g. refused recipients). */
export interface DeliveryReceipt {
  readonly detail?: string;
}

/**
 * One way of delivering notifications. `send` makes one attempt and throws a `VigilError`
 * from `notifyErrors` when it fails; its `retryable` flag decides whether the worker retries,
 * and `params.retryAfterMs`, when set, is the receiver's requested wait.
 */
export interface Channel {
  readonly name: string;
  send(notification: Notification, signal: AbortSignal): Promise<DeliveryReceipt>;
}

/** How one delivery attempt (or a notification that never got one) ended. */
export type DeliveryOutcome = 'delivered' | 'retrying' | 'failed' | 'dropped' | 'rate-limited';

/**
 * One line of the delivery log, passed to `onDelivery`: every attempt, and every notification
 * dropped (queue full or shutdown, `attempt` 0) or held back by the rate limit (`attempt` 0).
 */
export interface DeliveryRecord {
  readonly channel: string;
  /** The alert's id; null for a rate-limit summary. */
  readonly alertId: string | null;
  readonly event: AlertChange | 'suppressed';
  /** Same for every attempt of one notification, and for the same alert state notified again (the webhook's `X-Vigil-Delivery`). */
  readonly deliveryId: string;
  readonly attempt: number;
  readonly outcome: DeliveryOutcome;
  /** Why the attempt failed, or why the notification was dropped. */
  readonly error?: { readonly code: string; readonly message: string };
  readonly detail?: string;
  /** How long the attempt took (0 when there was none). */
  readonly durationMs: number;
  /** When the record was made (ISO 8601). */
  readonly at: string;
}

/** Delivery counters of one channel, or of all of them. */
export interface NotifyCounters {
  /** Notifications the receiver accepted. */
  delivered: number;
  /** Notifications given up on: a permanent error, or `retry.maxAttempts` used up. */
  failed: number;
  /** Notifications dropped unsent: the queue was full (oldest first), or shutdown came first. */
  dropped: number;
  /** Alerts not sent because of the rate limit. */
  rateLimited: number;
  /** Attempts after the first. */
  retries: number;
}
