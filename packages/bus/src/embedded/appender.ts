import { describeError } from '@vigil/runtime';
import { busErrors } from '../errors.ts';
import type { AppendRow, LogStore } from './log-store.ts';

interface PendingAppend {
  rows: readonly AppendRow[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Called after a commit with the partitions that received messages. */
export type AppendListener = (appended: { topic: string; partition: number; count: number }[]) => void;

/**
 * Group commit: every `send` made in the same turn of the event loop is written in one
 * transaction and one fsync, and each promise resolves only after that commit. The rows of
 * one `send` are never split across transactions, so a send is all-or-nothing.
 */
export class Appender {
  readonly #store: LogStore;
  readonly #onAppended: AppendListener;
  #queue: PendingAppend[] = [];
  #scheduled: Promise<void> | null = null;

  constructor(store: LogStore, onAppended: AppendListener) {
    this.#store = store;
    this.#onAppended = onAppended;
  }

  /** Resolves once `rows` are committed and synced. */
  append(rows: readonly AppendRow[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ rows, resolve, reject });
      this.#scheduled ??= new Promise<void>((done) => {
        setImmediate(() => {
          this.#scheduled = null;
          this.#flush();
          done();
        });
      });
    });
  }

  /** Resolves once everything queued so far is written (or rejected). */
  async drain(): Promise<void> {
    while (this.#scheduled) await this.#scheduled;
  }

  #flush(): void {
    const batch = this.#queue;
    this.#queue = [];
    if (batch.length === 0) return;
    const rows = batch.length === 1 ? batch[0]!.rows : batch.flatMap((pending) => pending.rows);
    let appended;
    try {
      appended = this.#store.append(rows, Date.now());
    } catch (error) {
      const failure = busErrors.create('VIGIL_ERR_BUS_STORAGE', { path: this.#store.path, reason: describeError(error) }, { cause: error });
      for (const pending of batch) pending.reject(failure);
      return;
    }
    for (const pending of batch) pending.resolve();
    this.#onAppended([...appended.values()]);
  }
}
