import { getField, type Alert, type EcsEvent } from '@vigil/schema';
import {
  applyAlertPatch,
  mergeAlert,
  storeErrors,
  type AlertPatch,
  type AlertSearchRequest,
  type AlertSearchResult,
  type EventSearchRequest,
  type EventSearchResult,
  type StorableEvent,
  type Store,
  type WriteResult,
} from '@vigil/store';

/**
 * An in-memory `Store` for the API's unit tests. Its query language is a small subset of the
 * real one (space-separated terms, all must match: `field:value` with `*` wildcards, quoted
 * phrases, free text), enough to exercise the API; the real stores run the contract suite.
 * It throws the store's own error codes, which the API passes through.
 */

type Matcher = (document: unknown) => boolean;

export class FakeStore implements Store {
  readonly #events = new Map<string, StorableEvent>();
  readonly #alerts = new Map<string, Alert>();
  /** Every event search request received, in order. */
  readonly eventSearches: EventSearchRequest[] = [];
  /** Every alert search request received, in order. */
  readonly alertSearches: AlertSearchRequest[] = [];
  /** When set, every call fails with this error (a store outage). */
  failure: Error | null = null;

  async init(): Promise<void> {}

  async writeEvents(events: StorableEvent[]): Promise<WriteResult> {
    this.#check();
    let created = 0;
    for (const event of events) {
      if (this.#events.has(event.event.id)) continue;
      this.#events.set(event.event.id, structuredClone(event));
      created += 1;
    }
    return { created, duplicates: events.length - created };
  }

  async searchEvents(request: EventSearchRequest): Promise<EventSearchResult> {
    this.#check();
    this.eventSearches.push({ ...request });
    const matches = parseQuery(request.query);
    const from = request.from === undefined ? -Infinity : Date.parse(request.from);
    const to = request.to === undefined ? Infinity : Date.parse(request.to);
    const hits = [...this.#events.values()]
      .filter((event) => {
        const at = Date.parse(event['@timestamp']);
        return at >= from && at < to && matches(event);
      })
      .sort((a, b) => Date.parse(b['@timestamp']) - Date.parse(a['@timestamp']) || a.event.id.localeCompare(b.event.id));
    if (request.order === 'asc') hits.reverse();
    const { page, cursor } = paginate(hits, request.size, request.cursor);
    return { total: hits.length, events: structuredClone(page), cursor };
  }

  async getEvents(ids: string[]): Promise<EcsEvent[]> {
    this.#check();
    return ids.flatMap((id) => {
      const event = this.#events.get(id);
      return event ? [structuredClone(event)] : [];
    });
  }

  async countEvents(): Promise<number> {
    this.#check();
    return this.#events.size;
  }

  async upsertAlerts(alerts: Alert[]): Promise<void> {
    this.#check();
    for (const alert of alerts) {
      const stored = this.#alerts.get(alert.id);
      this.#alerts.set(alert.id, structuredClone(stored ? mergeAlert(stored, alert) : alert));
    }
  }

  async searchAlerts(request: AlertSearchRequest): Promise<AlertSearchResult> {
    this.#check();
    this.alertSearches.push({ ...request });
    const matches = parseQuery(request.q ?? '');
    const hits = [...this.#alerts.values()]
      .filter((alert) => {
        const state = alert.vigil.alert;
        if (request.status !== undefined && state.status !== request.status) return false;
        if (request.severity !== undefined && state.severity !== request.severity) return false;
        if (request.rule !== undefined && alert.rule.id !== request.rule && alert.rule.name !== request.rule) return false;
        return matches(alert);
      })
      .sort((a, b) => Date.parse(b.vigil.alert.last_seen) - Date.parse(a.vigil.alert.last_seen) || a.id.localeCompare(b.id));
    const { page, cursor } = paginate(hits, request.size, request.cursor);
    return { total: hits.length, alerts: structuredClone(page), cursor };
  }

  async getAlert(id: string): Promise<Alert | null> {
    this.#check();
    const alert = this.#alerts.get(id);
    return alert ? structuredClone(alert) : null;
  }

  async updateAlert(id: string, patch: AlertPatch, actor: string, now = new Date()): Promise<Alert | null> {
    this.#check();
    const alert = this.#alerts.get(id);
    if (!alert) return null;
    const updated = applyAlertPatch(alert, patch, actor, now);
    this.#alerts.set(id, updated);
    return structuredClone(updated);
  }

  async close(): Promise<void> {}

  #check(): void {
    if (this.failure) throw this.failure;
  }
}

function paginate<T>(hits: T[], size: number, cursor: string | undefined): { page: T[]; cursor: string | null } {
  let offset = 0;
  if (cursor !== undefined) {
    const match = /^o(\d+)$/.exec(cursor);
    if (!match) throw storeErrors.create('VIGIL_ERR_STORE_BAD_CURSOR');
    offset = Number(match[1]);
  }
  const page = hits.slice(offset, offset + size);
  return { page, cursor: offset + size < hits.length ? `o${offset + size}` : null };
}

/** Parses the subset described above; an unterminated quote or a term like `field:` is a syntax error. */
function parseQuery(query: string): Matcher {
  const quotes = [...query.matchAll(/"/g)];
  if (quotes.length % 2 === 1) {
    throw storeErrors.create('VIGIL_ERR_QUERY_SYNTAX', { column: quotes.at(-1)!.index + 1, detail: 'unterminated quoted phrase' });
  }
  const terms: Matcher[] = [];
  const pattern = /\s*(?:([\w.@]+):("([^"]*)"|[^\s"]+)|"([^"]*)"|([^\s"]+))/y;
  let position = 0;
  while (position < query.length) {
    if (/^\s*$/.test(query.slice(position))) break;
    pattern.lastIndex = position;
    const match = pattern.exec(query);
    if (!match) throw storeErrors.create('VIGIL_ERR_QUERY_SYNTAX', { column: position + 1, detail: 'unexpected character' });
    if (match[5]?.endsWith(':')) {
      throw storeErrors.create('VIGIL_ERR_QUERY_SYNTAX', { column: position + match[0].length + 1, detail: `field ${match[5].slice(0, -1)} has no value` });
    }
    const [, field, rawValue, quoted, phrase, word] = match;
    if (field !== undefined) terms.push(fieldMatcher(field, quoted ?? rawValue!));
    else terms.push(textMatcher((phrase ?? word)!));
    position = pattern.lastIndex;
  }
  return (document) => terms.every((term) => term(document));
}

function fieldMatcher(field: string, value: string): Matcher {
  const regex = new RegExp(`^${value.split('*').map(escapeRegex).join('.*')}$`, 'i');
  return (document) => {
    const actual = getField(document, field);
    const values = Array.isArray(actual) ? actual : [actual];
    return values.some((item) => item !== undefined && item !== null && regex.test(String(item)));
  };
}

function textMatcher(text: string): Matcher {
  const needle = text.toLowerCase();
  return (document) => {
    const haystack = [getField(document, 'message'), getField(document, 'event.original')].filter((v) => typeof v === 'string').join('\n');
    return haystack.toLowerCase().includes(needle);
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
