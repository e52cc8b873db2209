import { backoffDelayMs, sleep, type VigilError } from '@vigil/runtime';
import type { Alert } from '@vigil/schema';
import { applyAlertPatch, mergeAlert } from '../alert-merge.ts';
import { storeErrors } from '../errors.ts';
import { parseQuery } from '../query/parser.ts';
import { parseInstant } from '../query/values.ts';
import type { AlertPatch, AlertSearchRequest, AlertSearchResult } from '../store.ts';
import { refusedError, type BulkAction, type BulkSender, type RefusedDocument } from './bulk.ts';
import type { OpenSearchHttp } from './client.ts';
import type { OpenSearchStoreConfig } from './config.ts';
import type { IndexRegistry } from './index-registry.ts';
import { alertDslTarget } from './dsl-targets.ts';
import { MATCH_ALL, compileQuery, type Dsl } from './query-dsl.ts';
import { checkPageSize, searchPage } from './search-page.ts';
import type { StoreMetrics } from './store-metrics.ts';

interface Versioned {
  alert: Alert;
  version: { seqNo: number; primaryTerm: number };
}

interface StoredDoc {
  _id: string;
  found: boolean;
  _seq_no?: number;
  _primary_term?: number;
  _source?: Alert;
}

/**
 * The alerts index (`<prefix>-alerts`, `_id` = alert id). Every change is read, merged and
 * written back with optimistic concurrency (`if_seq_no`/`if_primary_term`): when another
 * writer got there first the write gets 409 and the alert is read and merged again, so an
 * engine update never overwrites an analyst's change and two analysts never lose each
 * other's comments.
 */
export class AlertIndex {
  readonly #http: OpenSearchHttp;
  readonly #bulk: BulkSender;
  readonly #indices: IndexRegistry;
  readonly #index: string;
  readonly #retry: OpenSearchStoreConfig['retry'];
  readonly #metrics: StoreMetrics;

  constructor(http: OpenSearchHttp, bulk: BulkSender, indices: IndexRegistry, index: string, retry: OpenSearchStoreConfig['retry'], metrics: StoreMetrics) {
    this.#http = http;
    this.#bulk = bulk;
    this.#indices = indices;
    this.#index = index;
    this.#retry = retry;
    this.#metrics = metrics;
  }

  async upsert(alerts: Alert[]): Promise<void> {
    alerts.forEach((alert, position) => lastSeenMs(alert, position));
    // Several updates of one alert in one call are merged in order, as if upserted one by one.
    const updates = new Map<string, Alert[]>();
    for (const alert of alerts) updates.set(alert.id, [...(updates.get(alert.id) ?? []), alert]);
    let pending = [...updates.keys()];
    const refused: RefusedDocument[] = [];
    let lastRetry = '';
    let unavailable: VigilError | undefined;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= this.#retry.maxAttempts) {
        if (unavailable) throw unavailable;
        throw lastRetry
          ? storeErrors.create('VIGIL_ERR_STORE_OVERLOADED', { count: pending.length, total: updates.size, attempts: attempt, reason: lastRetry, ids: pending })
          : storeErrors.create('VIGIL_ERR_STORE_CONFLICT', { id: pending.join(', '), attempts: attempt });
      }
      await this.#indices.ensure([this.#index]);
      const stored = await this.#read(pending);
      const actions: BulkAction[] = pending.map((id) => {
        const current = stored.get(id);
        const merged = updates.get(id)!.reduce<Alert | null>((acc, update) => (acc ? mergeAlert(acc, update) : update), current?.alert ?? null)!;
        return current
          ? { op: 'index', index: this.#index, id, doc: merged, version: current.version }
          : { op: 'create', index: this.#index, id, doc: merged };
      });
      const outcomes = await this.#bulk.send(actions);
      const again: string[] = [];
      lastRetry = '';
      unavailable = undefined;
      outcomes.forEach((outcome, i) => {
        const { id } = actions[i]!;
        if (outcome.kind === 'written') return;
        if (outcome.kind === 'refused') {
          refused.push({ id, status: outcome.status, reason: outcome.reason });
          return;
        }
        again.push(id);
        if (outcome.kind === 'conflict') {
          this.#metrics.alertConflicts.inc();
        } else {
          if (outcome.kind === 'missing-index') this.#indices.forget(this.#index);
          lastRetry = outcome.kind === 'retry' ? outcome.reason : 'alerts index missing';
          if (outcome.kind === 'retry' && outcome.unavailable) unavailable = outcome.unavailable;
          this.#metrics.retried.inc({ kind: 'alert' });
        }
      });
      pending = again;
      // Jitter also spreads writers that keep colliding on one alert.
      if (pending.length > 0) await sleep(backoffDelayMs(attempt, this.#retry.baseDelayMs, this.#retry.maxDelayMs));
    }
    if (refused.length > 0) {
      this.#metrics.refused.inc({ kind: 'alert' }, refused.length);
      throw refusedError('alert', refused, updates.size);
    }
  }

  async get(id: string): Promise<Alert | null> {
    return (await this.#read([id])).get(id)?.alert ?? null;
  }

  async update(id: string, patch: AlertPatch, actor: string, now: Date): Promise<Alert | null> {
    for (let attempt = 0; attempt < this.#retry.maxAttempts; attempt++) {
      const stored = (await this.#read([id])).get(id);
      if (!stored) return null;
      const updated = applyAlertPatch(stored.alert, patch, actor, now);
      const { statusCode } = await this.#http.request('update alert', {
        method: 'PUT',
        path: `/${encodeURIComponent(this.#index)}/_doc/${encodeURIComponent(id)}`,
        querystring: { if_seq_no: stored.version.seqNo, if_primary_term: stored.version.primaryTerm, refresh: 'wait_for' },
        body: updated,
        ignore: [409],
        // A resend after a lost response would add the comment twice; a conflict is retried here instead.
        maxRetries: 0,
      });
      if (statusCode !== 409) return updated;
      this.#metrics.alertConflicts.inc();
      await sleep(backoffDelayMs(attempt, this.#retry.baseDelayMs, this.#retry.maxDelayMs));
    }
    throw storeErrors.create('VIGIL_ERR_STORE_CONFLICT', { id, attempts: this.#retry.maxAttempts });
  }

  async search(request: AlertSearchRequest): Promise<AlertSearchResult> {
    checkPageSize(request.size);
    // The filters compare exactly (case-sensitive), as SQLite's columns do.
    const filters: Dsl[] = [];
    if (request.status !== undefined) filters.push({ term: { 'vigil.alert.status': request.status } });
    if (request.severity !== undefined) filters.push({ term: { 'vigil.alert.severity': request.severity } });
    if (request.rule !== undefined) {
      filters.push({ bool: { should: [{ term: { 'rule.id': request.rule } }, { term: { 'rule.name': request.rule } }], minimum_should_match: 1 } });
    }
    const compiled = compileQuery(parseQuery(request.q ?? ''), alertDslTarget);
    if (compiled !== MATCH_ALL) filters.push(compiled);
    const page = await searchPage<Alert>(this.#http, {
      kind: 'alerts',
      index: this.#index,
      query: filters.length === 0 ? MATCH_ALL : { bool: { filter: filters } },
      sortField: 'vigil.alert.last_seen',
      idField: 'id',
      size: request.size,
      cursor: request.cursor,
    });
    return { total: page.total, alerts: page.docs, cursor: page.cursor };
  }

  /** Stored alerts with their versions (real-time: sees writes before a refresh). */
  async #read(ids: string[]): Promise<Map<string, Versioned>> {
    const response = await this.#http.request<{ docs?: StoredDoc[] }>('read alerts', {
      method: 'POST',
      path: `/${encodeURIComponent(this.#index)}/_mget`,
      body: { ids },
      // The index deleted by hand reads as empty; the next write creates it again.
      ignore: [404],
    });
    const found = new Map<string, Versioned>();
    for (const doc of response.body.docs ?? []) {
      if (!doc.found || !doc._source || doc._seq_no === undefined || doc._primary_term === undefined) continue;
      found.set(doc._id, { alert: doc._source, version: { seqNo: doc._seq_no, primaryTerm: doc._primary_term } });
    }
    return found;
  }
}

function lastSeenMs(alert: Alert, position: number): number {
  const ms = parseInstant(alert?.vigil?.alert?.last_seen ?? '');
  if (ms === null || typeof alert.id !== 'string' || alert.id.length === 0 || Buffer.byteLength(alert.id) > 512) {
    throw storeErrors.create('VIGIL_ERR_STORE_BAD_DOCUMENT', { kind: 'alert', position, reason: 'id or vigil.alert.last_seen is missing or invalid' });
  }
  return ms;
}
