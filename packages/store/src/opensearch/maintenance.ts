import { OncePerInterval, errorCode, type Logger } from '@vigil/runtime';
import type { OpenSearchHttp } from './client.ts';
import type { OpenSearchStoreConfig } from './config.ts';
import type { IndexRegistry } from './index-registry.ts';
import { eventsIndexFor, eventsIndexSpan, nextPeriodStart, type IndexNames } from './indices.ts';
import type { StoreMetrics } from './store-metrics.ts';

const DAY_MS = 86_400_000;
// Index names per DELETE request, to keep the URL short.
const DELETE_BATCH = 20;

/** What one maintenance run did. */
export interface MaintenanceReport {
  /** Events indices created ahead of time (this period's and the next). */
  created: string[];
  /** Events indices deleted by retention. */
  deleted: string[];
}

/**
 * Rollover and retention of the events indices, done by Vigil because the OpenSearch
 * distribution may have no Index State Management plugin. On a full distribution an ISM
 * policy can do the deleting instead (see `ism-policy.ts`); Vigil's own run is harmless
 * alongside it.
 *
 * - Rollover is by time: each period has its own index (see `EventWriter`). A run creates
 *   the current and the next period's index ahead of the first write to them.
 * - Retention deletes an events index once its whole period ended more than
 *   `eventsRetentionDays` ago: then even its newest event is older than that. The index of
 *   the current period is never deleted.
 */
export class EventsMaintenance {
  readonly #http: OpenSearchHttp;
  readonly #names: IndexNames;
  readonly #indices: IndexRegistry;
  readonly #config: OpenSearchStoreConfig;
  readonly #metrics: StoreMetrics;
  readonly #logger: Logger;
  readonly #logOnce = new OncePerInterval();
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> | null = null;

  constructor(http: OpenSearchHttp, names: IndexNames, indices: IndexRegistry, config: OpenSearchStoreConfig, metrics: StoreMetrics, logger: Logger) {
    this.#http = http;
    this.#names = names;
    this.#indices = indices;
    this.#config = config;
    this.#metrics = metrics;
    this.#logger = logger;
  }

  async run(now: number): Promise<MaintenanceReport> {
    const { period } = this.#config.rollover;
    const upcoming = [eventsIndexFor(this.#names, period, now), eventsIndexFor(this.#names, period, nextPeriodStart(period, now))];
    const created = await this.#indices.ensure(upcoming);
    this.#metrics.indicesCreated.inc(created.length);
    const deleted = this.#config.eventsRetentionDays === null ? [] : await this.#applyRetention(now - this.#config.eventsRetentionDays * DAY_MS);
    if (created.length > 0 || deleted.length > 0) this.#logger.info({ created, deleted }, 'events indices maintained');
    return { created, deleted };
  }

  /** Runs every `rollover.checkIntervalMs` until `stop()`; a failed run is counted, logged and tried again next time. */
  start(now: () => Date): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = this.run(now().getTime())
        .catch((error: unknown) => {
          const code = errorCode(error);
          this.#metrics.maintenanceFailures.inc({ code });
          if (this.#logOnce.shouldLog(code)) this.#logger.warn({ code, err: (error as Error).message }, 'events index maintenance failed; trying again later');
        })
        .finally(() => (this.#running = null));
    }, this.#config.rollover.checkIntervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  async #applyRetention(cutoff: number): Promise<string[]> {
    const { body } = await this.#http.request<{ index: string }[]>('list events indices', {
      method: 'GET',
      path: `/_cat/indices/${encodeURIComponent(this.#names.eventsPattern)}`,
      querystring: { format: 'json', h: 'index', expand_wildcards: 'open,closed' },
    });
    const expired = body
      .map((row) => row.index)
      .filter((index) => {
        const span = eventsIndexSpan(this.#names, index);
        return span !== null && span.end <= cutoff;
      })
      .sort();
    for (let i = 0; i < expired.length; i += DELETE_BATCH) {
      const batch = expired.slice(i, i + DELETE_BATCH);
      await this.#http.request('delete expired events indices', {
        method: 'DELETE',
        path: `/${batch.map(encodeURIComponent).join(',')}`,
        querystring: { ignore_unavailable: true },
      });
      for (const index of batch) this.#indices.forget(index);
      this.#metrics.indicesDeleted.inc(batch.length);
    }
    return expired;
  }
}
