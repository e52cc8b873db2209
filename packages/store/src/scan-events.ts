import type { EcsEvent } from '@vigil/schema';
import type { Store } from './store.ts';

/** Which events to read through. */
export interface EventScan {
  /** Query in Vigil's query language; empty or absent reads every event. */
  query?: string;
  /** Inclusive lower bound on `@timestamp`, ISO-8601. */
  from?: string;
  /** Exclusive upper bound on `@timestamp`, ISO-8601. */
  to?: string;
  /** Events fetched per search, 1–1000; 1000 by default. */
  pageSize?: number;
}

/**
 * Every matching event, oldest `@timestamp` first (ties by `event.id`), fetched a page at a
 * time as the caller reads on: memory holds one page whatever the range. Stopping early (a
 * `break` in `for await`) fetches nothing more. Query and range errors reject the first read.
 */
export async function* scanEvents(store: Store, scan: EventScan): AsyncGenerator<EcsEvent, void, undefined> {
  const request = {
    query: scan.query ?? '',
    size: scan.pageSize ?? 1000,
    order: 'asc' as const,
    ...(scan.from !== undefined && { from: scan.from }),
    ...(scan.to !== undefined && { to: scan.to }),
  };
  let cursor: string | undefined;
  do {
    const page = await store.searchEvents(cursor === undefined ? request : { ...request, cursor });
    yield* page.events;
    cursor = page.cursor ?? undefined;
  } while (cursor !== undefined);
}
