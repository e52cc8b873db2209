import { describeError, errorCode, type Component, type Logger } from '@vigil/runtime';
import type { IntelConfig, IntelFeedConfig, IntelFeedKind } from './config.ts';
import { parseCsvFeed } from './csv-feed.ts';
import { locationIn, textReader, type FeedAuth, type ReadText } from './feed-source.ts';
import type { Indicator, LoadResult } from './indicator.ts';
import type { IndicatorStore, ReplaceResult } from './indicator-store.ts';
import { loadMispFeed } from './misp-feed.ts';
import { parseStixBundle } from './stix-bundle.ts';
import { TaxiiClient } from './taxii-client.ts';
import { TaxiiFeed } from './taxii-feed.ts';

/** What the feeds component needs from its host. */
export interface IntelFeedsDeps {
  /** Where each feed's indicators go; the matcher reads the same store. */
  store: IndicatorStore;
  logger: Logger;
  /**
   * Called after every refresh, successful or not: the place to count
   * `vigil_engine_intel_refresh_failures_total` and friends without a metrics dependency here.
   */
  onRefresh?: (report: RefreshReport) => void;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
  now?: () => number;
}

/** The outcome of one refresh of one feed. */
export interface RefreshReport {
  readonly feed: string;
  readonly kind: IntelFeedKind;
  readonly ok: boolean;
  /** When the refresh started (ISO-8601). */
  readonly at: string;
  readonly durationMs: number;
  /** Indicators the feed serves now: the new set, or after a failure the previous one (0 if none). */
  readonly indicators: number;
  /** What was read (for TAXII: this poll's objects); absent when the refresh failed. */
  readonly load?: Omit<LoadResult, 'indicators'>;
  /** What the store kept of it; absent when the refresh failed. */
  readonly stored?: ReplaceResult;
  readonly error?: { readonly code: string; readonly message: string };
  /** Failures in a row; 0 after a success. */
  readonly consecutiveFailures: number;
  /** Failed refreshes of this feed since the component was made. */
  readonly failures: number;
}

interface FeedState {
  readonly config: IntelFeedConfig;
  readonly taxii: TaxiiFeed | undefined;
  timer: NodeJS.Timeout | undefined;
  running: Promise<RefreshReport> | undefined;
  consecutiveFailures: number;
  failures: number;
  last: RefreshReport | undefined;
}

/**
 * Loads every configured threat-intel feed at start and refreshes each on its own interval.
 * A refresh replaces the feed's indicators in the store as a whole; a failed one keeps the
 * previous set, is logged once per run of failures, and is reported to `onRefresh`.
 */
export class IntelFeeds implements Component {
  readonly name = 'intel-feeds';
  readonly #config: IntelConfig;
  readonly #deps: IntelFeedsDeps;
  readonly #now: () => number;
  readonly #feeds = new Map<string, FeedState>();
  #abort = new AbortController();
  #stopped = true;

  constructor(config: IntelConfig, deps: IntelFeedsDeps) {
    this.#config = config;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    for (const feed of config.feeds) {
      const taxii = feed.kind === 'taxii' ? new TaxiiFeed(this.#taxiiClient(feed), feed.taxii?.addedAfter) : undefined;
      this.#feeds.set(feed.name, { config: feed, taxii, timer: undefined, running: undefined, consecutiveFailures: 0, failures: 0, last: undefined });
    }
  }

  /** Loads every feed once (a feed that fails stays empty and is retried on its interval), then schedules refreshes. */
  async start(): Promise<void> {
    this.#stopped = false;
    this.#abort = new AbortController();
    await Promise.all([...this.#feeds.keys()].map((name) => this.refresh(name)));
    for (const state of this.#feeds.values()) this.#schedule(state);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    for (const state of this.#feeds.values()) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
    await Promise.allSettled([...this.#feeds.values()].map((state) => state.running));
  }

  /** Refreshes one feed now; a refresh already running is shared rather than doubled. Never throws for a feed error. */
  refresh(name: string): Promise<RefreshReport> {
    const state = this.#feeds.get(name);
    if (state === undefined) return Promise.reject(new Error(`no threat-intel feed named '${name}'`));
    state.running ??= this.#run(state).finally(() => (state.running = undefined));
    return state.running;
  }

  /** The last refresh report of each feed that has had one. */
  lastReports(): RefreshReport[] {
    return [...this.#feeds.values()].flatMap((state) => (state.last ? [state.last] : []));
  }

  #schedule(state: FeedState): void {
    if (this.#stopped) return;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void this.refresh(state.config.name).then(() => this.#schedule(state));
    }, state.config.refreshIntervalMs);
    // Refresh timers alone must not keep the process alive.
    state.timer.unref();
  }

  async #run(state: FeedState): Promise<RefreshReport> {
    const { config } = state;
    const startedMs = this.#now();
    const base = { feed: config.name, kind: config.kind, at: new Date(startedMs).toISOString() };
    let report: RefreshReport;
    try {
      const { load, indicators } = await this.#load(state, startedMs);
      const stored = this.#deps.store.replaceFeed(config.name, indicators, config.maxIndicators ?? this.#config.maxIndicatorsPerFeed);
      if (state.consecutiveFailures > 0) this.#deps.logger.info({ feed: config.name, failures: state.consecutiveFailures }, 'threat-intel feed readable again');
      state.consecutiveFailures = 0;
      const { indicators: _read, ...counts } = load;
      report = { ...base, ok: true, durationMs: this.#now() - startedMs, indicators: stored.stored, load: counts, stored, consecutiveFailures: 0, failures: state.failures };
      this.#deps.logger.info(
        { feed: config.name, indicators: stored.stored, rejected: load.rejected, unsupported: load.unsupported, expired: load.expired, refused: stored.refused, problems: load.problems.slice(0, 3) },
        'threat-intel feed loaded',
      );
    } catch (error) {
      state.failures++;
      state.consecutiveFailures++;
      const code = errorCode(error);
      const message = describeError(error);
      if (state.consecutiveFailures === 1 && !this.#stopped) {
        this.#deps.logger.warn({ code, feed: config.name, reason: message }, 'threat-intel feed refresh failed; keeping its previous indicators');
      }
      report = {
        ...base,
        ok: false,
        durationMs: this.#now() - startedMs,
        indicators: this.#deps.store.feedSize(config.name) ?? 0,
        error: { code, message },
        consecutiveFailures: state.consecutiveFailures,
        failures: state.failures,
      };
    }
    state.last = report;
    try {
      this.#deps.onRefresh?.(report);
    } catch (error) {
      this.#deps.logger.warn({ feed: config.name, reason: describeError(error) }, 'onRefresh callback failed');
    }
    return report;
  }

  async #load(state: FeedState, nowMs: number): Promise<{ load: LoadResult; indicators: Iterable<Indicator> }> {
    const { config } = state;
    const common = { source: config.name, defaultConfidence: config.defaultConfidence, nowMs };
    if (state.taxii !== undefined) {
      const polled = await state.taxii.refresh({ ...common, location: config.url }, this.#abort.signal);
      return { load: polled.load, indicators: polled.indicators };
    }
    const location = (config.url ?? config.path)!;
    const read = this.#reader(config);
    let load: LoadResult;
    if (config.kind === 'csv') load = parseCsvFeed(await read(location), { ...common, location, ...(config.columns && { columns: config.columns }) });
    else if (config.kind === 'stix') load = parseStixBundle(await read(location), { ...common, location });
    else load = await loadMispFeed((name) => read(locationIn(location, name)), { ...common, location });
    return { load, indicators: load.indicators };
  }

  #reader(config: IntelFeedConfig): ReadText {
    return textReader({
      maxBytes: this.#config.maxFeedBytes,
      timeoutMs: config.timeoutMs,
      signal: this.#abort.signal,
      ...feedAuth(config),
      ...(this.#deps.fetch && { fetch: this.#deps.fetch }),
    });
  }

  #taxiiClient(config: IntelFeedConfig): TaxiiClient {
    return new TaxiiClient({
      apiRoot: config.url!,
      collectionId: config.taxii!.collectionId,
      maxPages: config.taxii!.maxPages,
      timeoutMs: config.timeoutMs,
      maxBytes: this.#config.maxFeedBytes,
      ...(config.taxii!.pageLimit !== undefined && { pageLimit: config.taxii!.pageLimit }),
      ...feedAuth(config),
      ...(this.#deps.fetch && { fetch: this.#deps.fetch }),
    });
  }
}

function feedAuth(config: IntelFeedConfig): { auth?: FeedAuth } {
  const auth = config.auth;
  if (auth === undefined) return {};
  if (auth.token !== undefined) return { auth: { token: auth.token } };
  return { auth: { username: auth.username!, password: auth.password! } };
}
