import type { EcsEvent } from '@vigil/schema';
import { parseQuery } from '../query/parser.ts';
import type { EventSearchRequest, EventSearchResult } from '../store.ts';
import type { OpenSearchHttp } from './client.ts';
import { eventDslTarget } from './dsl-targets.ts';
import type { IndexNames } from './indices.ts';
import { MATCH_ALL, compileQuery, type Dsl } from './query-dsl.ts';
import { checkPageSize, requestInstant, searchPage } from './search-page.ts';

// Ids per lookup request: well inside OpenSearch's 10,000-hit result window.
const IDS_PER_REQUEST = 1000;

/** Reads events across every events index: search, lookup by id, count. */
export class EventSearch {
  readonly #http: OpenSearchHttp;
  readonly #names: IndexNames;

  constructor(http: OpenSearchHttp, names: IndexNames) {
    this.#http = http;
    this.#names = names;
  }

  async search(request: EventSearchRequest): Promise<EventSearchResult> {
    checkPageSize(request.size);
    const filters: Dsl[] = [];
    const time: Record<string, unknown> = {};
    if (request.from !== undefined) time.gte = requestInstant('from', request.from);
    if (request.to !== undefined) time.lt = requestInstant('to', request.to);
    if (Object.keys(time).length > 0) filters.push({ range: { '@timestamp': { ...time, format: 'epoch_millis' } } });
    const compiled = compileQuery(parseQuery(request.query ?? ''), eventDslTarget);
    if (compiled !== MATCH_ALL) filters.push(compiled);
    const page = await searchPage<EcsEvent>(this.#http, {
      kind: 'events',
      index: this.#names.eventsPattern,
      query: filters.length === 0 ? MATCH_ALL : { bool: { filter: filters } },
      sortField: '@timestamp',
      idField: 'event.id',
      size: request.size,
      cursor: request.cursor,
      order: request.order ?? 'desc',
    });
    return { total: page.total, events: page.docs, cursor: page.cursor };
  }

  /** Events by id in the order asked (an id asked twice comes twice); unknown ids are left out. */
  async get(ids: string[]): Promise<EcsEvent[]> {
    const unique = [...new Set(ids)];
    const byId = new Map<string, EcsEvent>();
    for (let i = 0; i < unique.length; i += IDS_PER_REQUEST) {
      const chunk = unique.slice(i, i + IDS_PER_REQUEST);
      // The index of an id is not known (it depends on the event's time), so this searches rather than uses _mget.
      const response = await this.#http.request<{ hits: { hits: { _id: string; _source: EcsEvent }[] } }>('get events', {
        method: 'POST',
        path: `/${encodeURIComponent(this.#names.eventsPattern)}/_search`,
        querystring: { ignore_unavailable: true, allow_no_indices: true },
        body: { query: { ids: { values: chunk } }, size: chunk.length, track_total_hits: false },
      });
      for (const hit of response.body.hits.hits) if (!byId.has(hit._id)) byId.set(hit._id, hit._source);
    }
    return ids.flatMap((id) => {
      const event = byId.get(id);
      return event === undefined ? [] : [event];
    });
  }

  async count(): Promise<number> {
    const response = await this.#http.request<{ count: number }>('count events', {
      method: 'GET',
      path: `/${encodeURIComponent(this.#names.eventsPattern)}/_count`,
      querystring: { ignore_unavailable: true, allow_no_indices: true },
    });
    return response.body.count;
  }
}
