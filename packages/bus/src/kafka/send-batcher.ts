/** One caller's `send`: its messages travel together in one produce request. */
export interface PendingSend<M> {
  topic: string;
  messages: readonly M[];
  /** Key, value and header bytes of the messages, for the request size limit. */
  bytes: number;
  /** Every value is compressed already: the request carrying it is not compressed again. Such sends go in requests of their own. */
  precompressed?: boolean;
}

/** How the batcher groups sends. */
export interface SendBatcherOptions<M> {
  /** How long the first send of a batch waits for others to join it. */
  lingerMs: number;
  /** A batch with this many messages goes at once (a single larger send goes alone). */
  maxBatchMessages: number;
  /** A batch with this many bytes goes at once (a single larger send goes alone). */
  maxBatchBytes: number;
  /** Sends one batch; resolves once the broker acknowledged all of it. */
  flush: (sends: readonly PendingSend<M>[]) => Promise<void>;
}

interface Entry<M> extends PendingSend<M> {
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Joins concurrent sends into one produce request. The first send starts a `lingerMs` timer;
 * sends arriving meanwhile join it; a full batch goes at once. One request is in flight at a
 * time (the idempotent producer needs that for ordering), and whatever queued up while it was
 * in flight goes right after it. Each caller's promise settles with the request that carried
 * its messages, so a send resolves only once its own messages are acknowledged.
 */
export class SendBatcher<M> {
  readonly #options: SendBatcherOptions<M>;
  readonly #queue: Entry<M>[] = [];
  #queuedMessages = 0;
  #queuedBytes = 0;
  #cancelLinger: (() => void) | null = null;
  #inFlight: Promise<void> | null = null;

  constructor(options: SendBatcherOptions<M>) {
    this.#options = options;
  }

  /** Sends not yet handed to `flush`. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Queues one send; settles when the request carrying it does. */
  add(send: PendingSend<M>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ ...send, resolve, reject });
      this.#queuedMessages += send.messages.length;
      this.#queuedBytes += send.bytes;
      if (this.#inFlight) return;
      if (this.#full()) this.#flushNow();
      else this.#cancelLinger ??= this.#linger();
    });
  }

  /** Sends everything queued without waiting for the linger time, and waits for it. */
  async drain(): Promise<void> {
    while (this.#inFlight || this.#queue.length > 0) {
      if (!this.#inFlight) this.#flushNow();
      await this.#inFlight;
    }
  }

  #full(): boolean {
    return this.#queuedMessages >= this.#options.maxBatchMessages || this.#queuedBytes >= this.#options.maxBatchBytes;
  }

  // Without a linger time the batch still collects the sends of the current event-loop turn.
  #linger(): () => void {
    if (this.#options.lingerMs === 0) {
      const immediate = setImmediate(() => this.#flushNow());
      return () => clearImmediate(immediate);
    }
    const timer = setTimeout(() => this.#flushNow(), this.#options.lingerMs);
    return () => clearTimeout(timer);
  }

  #flushNow(): void {
    this.#cancelLinger?.();
    this.#cancelLinger = null;
    if (this.#inFlight || this.#queue.length === 0) return;
    const batch = this.#take();
    this.#inFlight = this.#send(batch).finally(() => {
      this.#inFlight = null;
      // What queued up meanwhile has waited long enough.
      if (this.#queue.length > 0) this.#flushNow();
    });
  }

  async #send(batch: Entry<M>[]): Promise<void> {
    try {
      await this.#options.flush(batch);
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    for (const entry of batch) entry.resolve();
  }

  #take(): Entry<M>[] {
    const batch: Entry<M>[] = [];
    let messages = 0;
    let bytes = 0;
    while (this.#queue.length > 0) {
      const next = this.#queue[0]!;
      const tooMany = messages + next.messages.length > this.#options.maxBatchMessages;
      const tooBig = bytes + next.bytes > this.#options.maxBatchBytes;
      const otherKind = batch.length > 0 && Boolean(next.precompressed) !== Boolean(batch[0]!.precompressed);
      if (batch.length > 0 && (tooMany || tooBig || otherKind)) break;
      this.#queue.shift();
      batch.push(next);
      messages += next.messages.length;
      bytes += next.bytes;
    }
    this.#queuedMessages -= messages;
    this.#queuedBytes -= bytes;
    return batch;
  }
}
