import { isUnsafeKey } from '@vigil/schema';
import type { IngestKeyIdentity } from './auth.ts';

/** A token bucket's shape: average events per second (0 = no limit) and bucket size. */
export interface RateLimit {
  eventsPerSecond: number;
  burstEvents: number;
}

export interface KeyRateLimiterOptions extends RateLimit {
  /** Overrides by key name or key id (the id wins when both match). */
  perKey?: Readonly<Record<string, RateLimit>>;
  now?: () => number;
  /** Most buckets kept; idle (full) buckets are forgotten first. */
  maxKeys?: number;
}

/** Whether a key may send its events now, and if not how long it should wait. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number; limit: RateLimit };

interface Bucket {
  tokens: number;
  updatedMs: number;
  limit: RateLimit;
}

/**
 * Per-ingest-key token buckets counted in events. A request takes all its events at once or
 * none: it passes when the bucket holds them (or, for a request larger than the bucket, when
 * the bucket is full, leaving it in debt), so a shipper that retries on 429 is never stuck
 * and the average rate still holds.
 */
export class KeyRateLimiter {
  readonly #defaults: RateLimit;
  readonly #perKey = new Map<string, RateLimit>();
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;
  readonly #maxKeys: number;

  constructor(options: KeyRateLimiterOptions) {
    this.#defaults = { eventsPerSecond: options.eventsPerSecond, burstEvents: options.burstEvents };
    for (const [key, limit] of Object.entries(options.perKey ?? {})) if (!isUnsafeKey(key)) this.#perKey.set(key, limit);
    this.#now = options.now ?? Date.now;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  /** The limit that applies to a key. */
  limitFor(identity: IngestKeyIdentity): RateLimit {
    return this.#perKey.get(identity.id) ?? this.#perKey.get(identity.name) ?? this.#defaults;
  }

  /** Takes `count` events from the key's bucket, or says how many seconds until it could. */
  take(identity: IngestKeyIdentity, count: number): RateDecision {
    const limit = this.limitFor(identity);
    if (limit.eventsPerSecond === 0 || count <= 0) return { ok: true };
    const now = this.#now();
    let bucket = this.#buckets.get(identity.id);
    if (!bucket || bucket.limit !== limit) {
      bucket = { tokens: limit.burstEvents, updatedMs: now, limit };
      this.#remember(identity.id, bucket);
    } else {
      refill(bucket, now);
    }
    const needed = Math.min(count, limit.burstEvents);
    if (bucket.tokens >= needed) {
      bucket.tokens -= count;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((needed - bucket.tokens) / limit.eventsPerSecond)), limit };
  }

  #remember(id: string, bucket: Bucket): void {
    this.#buckets.set(id, bucket);
    if (this.#buckets.size <= this.#maxKeys) return;
    const now = this.#now();
    for (const [key, other] of this.#buckets) {
      if (key === id) continue;
      refill(other, now);
      if (other.tokens >= other.limit.burstEvents) this.#buckets.delete(key);
    }
    // Still too many active keys: forget the oldest; at worst such a key gets a fresh bucket.
    for (const key of this.#buckets.keys()) {
      if (this.#buckets.size <= this.#maxKeys) break;
      if (key !== id) this.#buckets.delete(key);
    }
  }
}

function refill(bucket: Bucket, now: number): void {
  const elapsed = Math.max(0, now - bucket.updatedMs);
  bucket.tokens = Math.min(bucket.limit.burstEvents, bucket.tokens + (elapsed * bucket.limit.eventsPerSecond) / 1000);
  bucket.updatedMs = now;
}
