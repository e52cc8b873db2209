/**
 * Wakes waiting partition workers the moment something they care about happens in this
 * process (new messages, resume, stop). Workers also wake on a timer, which covers writes made
 * by another process and anything this notifier cannot see.
 */
export class Notifier {
  readonly #waiters = new Map<string, Set<() => void>>();

  /**
   * Resolves on `notify(key)`, after `timeoutMs`, or when `signal` aborts, whichever is first.
   * Register before yielding to the event loop: a notify between a read and the wait is then
   * never missed, because reads are synchronous.
   */
  wait(key: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      let waiters = this.#waiters.get(key);
      if (!waiters) {
        waiters = new Set();
        this.#waiters.set(key, waiters);
      }
      const set = waiters;
      const timer = setTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      set.add(done);
      function done(): void {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        set.delete(done);
        resolve();
      }
    });
  }

  /** Wakes every waiter of `key`. */
  notify(key: string): void {
    const waiters = this.#waiters.get(key);
    if (!waiters) return;
    this.#waiters.delete(key);
    for (const wake of waiters) wake();
  }
}
