/**
 * Counts failed logins per username and client address in a fixed window. In memory: each API
 * process limits on its own, which bounds guessing to `maxFailures × processes` per window.
 */
export class LoginLimiter {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #maxEntries: number;
  readonly #failures = new Map<string, { count: number; windowStartMs: number }>();

  constructor(options: { maxFailures: number; windowMs: number; maxEntries?: number }) {
    this.#maxFailures = options.maxFailures;
    this.#windowMs = options.windowMs;
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  /** Seconds until `username` may try again from `address`, or 0 when it may try now. */
  retryAfterSeconds(username: string, address: string, nowMs = Date.now()): number {
    const entry = this.#failures.get(keyOf(username, address));
    if (!entry || nowMs - entry.windowStartMs >= this.#windowMs) return 0;
    if (entry.count < this.#maxFailures) return 0;
    return Math.max(1, Math.ceil((entry.windowStartMs + this.#windowMs - nowMs) / 1000));
  }

  /** Records a failed attempt. */
  recordFailure(username: string, address: string, nowMs = Date.now()): void {
    const key = keyOf(username, address);
    const entry = this.#failures.get(key);
    if (entry && nowMs - entry.windowStartMs < this.#windowMs) {
      entry.count += 1;
      return;
    }
    if (this.#failures.size >= this.#maxEntries) this.#prune(nowMs);
    this.#failures.set(key, { count: 1, windowStartMs: nowMs });
  }

  /** Forgets the failures of a username and address after a successful login. */
  recordSuccess(username: string, address: string): void {
    this.#failures.delete(keyOf(username, address));
  }

  #prune(nowMs: number): void {
    for (const [key, entry] of this.#failures) {
      if (nowMs - entry.windowStartMs >= this.#windowMs) this.#failures.delete(key);
    }
    // Still full of live entries (a spray of usernames): drop the oldest so memory stays bounded.
    while (this.#failures.size >= this.#maxEntries) {
      const oldest = this.#failures.keys().next();
      if (oldest.done) break;
      this.#failures.delete(oldest.value);
    }
  }
}

function keyOf(username: string, address: string): string {
  return `${address}\u0000${username}`;
}
