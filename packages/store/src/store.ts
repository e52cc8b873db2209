import type { Alert, AlertResolution, AlertSeverity, AlertStatus, EcsEvent } from '@vigil/schema';

/**
 * The store seam. Two implementations: SQLite (embedded, `node:sqlite` with FTS5) and
 * OpenSearch (distributed). Both pass the contract suite in `contract/store-contract.ts`:
 * the same query gives the same events in the same order on either.
 */

/** An event ready to store: it always has an id and a timestamp. */
export type StorableEvent = EcsEvent & { '@timestamp': string; event: NonNullable<EcsEvent['event']> & { id: string } };

/** Order of a search's results by time: `desc` newest first, `asc` oldest first (ties by id, in the same direction). */
export type SortOrder = 'asc' | 'desc';

export interface EventSearchRequest {
  /** Query in Vigil's query language (see `query/README` in this package); empty matches all. */
  query: string;
  /** Inclusive lower bound on `@timestamp`, ISO-8601. */
  from?: string;
  /** Exclusive upper bound on `@timestamp`, ISO-8601. */
  to?: string;
  /** Page size, 1–1000. */
  size: number;
  /** Opaque cursor from the previous page (of a search in the same order). */
  cursor?: string;
  /** `desc` (newest first, the default) or `asc` (oldest first: reading a time range through, as a backtest does). */
  order?: SortOrder;
}

export interface EventSearchResult {
  /** Events matching the query and time range (all pages), as counted for the first page: later pages repeat that count. */
  total: number;
  /** In the requested order of `@timestamp` (an instant); ties broken by `event.id` in the same direction. */
  events: EcsEvent[];
  /** Cursor for the next page, or null at the end. */
  cursor: string | null;
}

export interface AlertSearchRequest {
  status?: AlertStatus;
  severity?: AlertSeverity;
  /** Rule id or exact rule name. */
  rule?: string;
  /** Query in Vigil's query language over the alert documents. */
  q?: string;
  size: number;
  cursor?: string;
}

export interface AlertSearchResult {
  /** Alerts matching (all pages), as counted for the first page: later pages repeat that count. */
  total: number;
  /** Most recently seen first. */
  alerts: Alert[];
  cursor: string | null;
}

/** An analyst's change to an alert. */
export interface AlertPatch {
  status?: AlertStatus;
  /** Why the alert is closed; goes with `status: 'closed'` (reopening clears it). */
  resolution?: AlertResolution;
  assignee?: string | null;
  comment?: string;
}

export interface WriteResult {
  /** Events written for the first time. */
  created: number;
  /** Events whose id was already stored (a replay or redelivery): left as they were. */
  duplicates: number;
}

export interface Store {
  /** Creates tables/indices/templates; idempotent. */
  init(): Promise<void>;
  /** Writes events idempotently by `event.id`; resolves once durable. */
  writeEvents(events: StorableEvent[]): Promise<WriteResult>;
  searchEvents(request: EventSearchRequest): Promise<EventSearchResult>;
  /** Events by id, in the order given; unknown ids are left out. */
  getEvents(ids: string[]): Promise<EcsEvent[]>;
  /** Number of stored events (all time). */
  countEvents(): Promise<number>;
  /**
   * Creates or updates alerts from the engine. An update merges (see `mergeAlert`): it never
   * overwrites the analyst's status, assignee, comments or history.
   */
  upsertAlerts(alerts: Alert[]): Promise<void>;
  searchAlerts(request: AlertSearchRequest): Promise<AlertSearchResult>;
  getAlert(id: string): Promise<Alert | null>;
  /** Applies an analyst's change and records it in the alert's history; null when unknown. */
  updateAlert(id: string, patch: AlertPatch, actor: string, now?: Date): Promise<Alert | null>;
  close(): Promise<void>;
}
