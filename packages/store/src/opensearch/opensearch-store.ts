import { Metrics, parseConfig, silentLogger, type Logger } from '@vigil/runtime';
import type { Alert, EcsEvent } from '@vigil/schema';
import { storeErrors } from '../errors.ts';
import type {
  AlertPatch,
  AlertSearchRequest,
  AlertSearchResult,
  EventSearchRequest,
  EventSearchResult,
  StorableEvent,
  Store,
  WriteResult,
} from '../store.ts';
import { AlertIndex } from './alert-index.ts';
import { BulkSender } from './bulk.ts';
import { createHttp, type OpenSearchHttp } from './client.ts';
import { openSearchStoreConfigSchema, type OpenSearchStoreConfig, type OpenSearchStoreOptions } from './config.ts';
import { EventSearch } from './event-search.ts';
import { EventWriter } from './event-writer.ts';
import { IndexRegistry } from './index-registry.ts';
import { indexNames, type IndexNames } from './indices.ts';
import { EventsMaintenance, type MaintenanceReport } from './maintenance.ts';
import { storeMetrics } from './store-metrics.ts';
import { storeTemplates } from './templates.ts';

/** What the OpenSearch store needs from its host. */
export interface OpenSearchStoreDeps {
  /** Where its counters go (`vigil_opensearch_*`); a private registry when left out. */
  metrics?: Metrics;
  logger?: Logger;
  /** The clock for rollover and retention (tests move it). */
  now?: () => Date;
}

/** The OpenSearch store: a `Store`, plus index maintenance on demand. */
export interface OpenSearchStore extends Store {
  /**
   * Creates this and the next period's events index and applies retention now. `init()`
   * does this once and then every `rollover.checkIntervalMs`.
   */
  maintain(now?: Date): Promise<MaintenanceReport>;
}

class OpenSearchStoreImpl implements OpenSearchStore {
  readonly #http: OpenSearchHttp;
  readonly #names: IndexNames;
  readonly #config: OpenSearchStoreConfig;
  readonly #now: () => Date;
  readonly #indices: IndexRegistry;
  readonly #writer: EventWriter;
  readonly #events: EventSearch;
  readonly #alerts: AlertIndex;
  readonly #maintenance: EventsMaintenance;
  #state: 'opened' | 'ready' | 'closed' = 'opened';

  constructor(config: OpenSearchStoreConfig, http: OpenSearchHttp, deps: OpenSearchStoreDeps) {
    this.#config = config;
    this.#http = http;
    this.#names = indexNames(config.indexPrefix);
    this.#now = deps.now ?? (() => new Date());
    const metrics = storeMetrics(deps.metrics ?? new Metrics({ defaultMetrics: false }));
    const logger = deps.logger ?? silentLogger();
    const bulk = new BulkSender(http, config.bulk);
    this.#indices = new IndexRegistry(http);
    this.#writer = new EventWriter(bulk, this.#indices, this.#names, config, metrics);
    this.#events = new EventSearch(http, this.#names);
    this.#alerts = new AlertIndex(http, bulk, this.#indices, this.#names.alerts, config.retry, metrics);
    this.#maintenance = new EventsMaintenance(http, this.#names, this.#indices, config, metrics, logger);
  }

  /**
   * Writes the component and index templates (idempotent PUTs), creates the alerts index and
   * the current period's events index, applies retention and starts the maintenance timer.
   * OpenSearch being unreachable fails with `VIGIL_ERR_STORE_UNAVAILABLE` (retryable).
   */
  async init(): Promise<void> {
    if (this.#state === 'closed') throw storeErrors.create('VIGIL_ERR_STORE_NOT_READY', { state: 'closed' });
    const templates = storeTemplates(this.#names, this.#config);
    for (const { name, body } of templates.components) {
      await this.#http.request(`put component template ${name}`, { method: 'PUT', path: `/_component_template/${encodeURIComponent(name)}`, body });
    }
    for (const { name, body } of templates.indexTemplates) {
      await this.#http.request(`put index template ${name}`, { method: 'PUT', path: `/_index_template/${encodeURIComponent(name)}`, body });
    }
    await this.#indices.ensure([this.#names.alerts]);
    await this.#maintenance.run(this.#now().getTime());
    this.#maintenance.start(this.#now);
    this.#state = 'ready';
  }

  writeEvents(events: StorableEvent[]): Promise<WriteResult> {
    return this.#use(() => this.#writer.write(events));
  }

  searchEvents(request: EventSearchRequest): Promise<EventSearchResult> {
    return this.#use(() => this.#events.search(request));
  }

  getEvents(ids: string[]): Promise<EcsEvent[]> {
    return this.#use(() => (ids.length === 0 ? Promise.resolve([]) : this.#events.get(ids)));
  }

  countEvents(): Promise<number> {
    return this.#use(() => this.#events.count());
  }

  upsertAlerts(alerts: Alert[]): Promise<void> {
    return this.#use(() => (alerts.length === 0 ? Promise.resolve() : this.#alerts.upsert(alerts)));
  }

  searchAlerts(request: AlertSearchRequest): Promise<AlertSearchResult> {
    return this.#use(() => this.#alerts.search(request));
  }

  getAlert(id: string): Promise<Alert | null> {
    return this.#use(() => this.#alerts.get(id));
  }

  updateAlert(id: string, patch: AlertPatch, actor: string, now: Date = new Date()): Promise<Alert | null> {
    return this.#use(() => this.#alerts.update(id, patch, actor, now));
  }

  maintain(now: Date = this.#now()): Promise<MaintenanceReport> {
    return this.#use(() => this.#maintenance.run(now.getTime()));
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    await this.#maintenance.stop();
    await this.#http.close();
  }

  async #use<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#state !== 'ready') throw storeErrors.create('VIGIL_ERR_STORE_NOT_READY', { state: this.#state === 'closed' ? 'closed' : 'not initialised' });
    return operation();
  }
}

/**
 * Creates the OpenSearch store. Nothing is sent to OpenSearch until `init()`; bad options
 * and an unreadable CA file fail here, at start-up.
 */
export async function createOpenSearchStore(options: OpenSearchStoreOptions, deps: OpenSearchStoreDeps = {}): Promise<OpenSearchStore> {
  const config = parseConfig(openSearchStoreConfigSchema, options, 'OpenSearch store options');
  return new OpenSearchStoreImpl(config, createHttp(config), deps);
}
