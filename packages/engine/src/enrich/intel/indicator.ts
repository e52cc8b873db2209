import type { AlertSeverity } from '@vigil/schema';

/** The kinds of indicator Vigil matches events against. */
export const INDICATOR_TYPES = ['ipv4', 'ipv6', 'cidr', 'domain', 'url', 'md5', 'sha1', 'sha256'] as const;
/** One kind of indicator: an address, a network (IPv4 or IPv6), a domain, a URL or a file hash. */
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

/**
 * One threat-intelligence indicator. `value` is already normalized (domains and hashes in lower
 * case, URLs with a lower-case scheme and host and no default port), so it is also what an
 * enrichment shows. Dates are ISO-8601.
 */
export interface Indicator {
  readonly type: IndicatorType;
  readonly value: string;
  /** The feed's name; a refresh replaces every indicator of one source. */
  readonly source: string;
  /** 0–100, the STIX confidence scale. */
  readonly confidence: number;
  readonly severity?: AlertSeverity;
  readonly description?: string;
  readonly first_seen?: string;
  readonly last_seen?: string;
  /** After this time the indicator no longer matches. */
  readonly valid_until?: string;
  readonly tags?: readonly string[];
  /** A link to more about the indicator. */
  readonly reference?: string;
  /** The feed's own id of the indicator (STIX id, MISP attribute uuid, CSV id column). */
  readonly id?: string;
}

/** One entry of a feed that did not become an indicator. */
export interface LoadProblem {
  /** `rejected`: malformed; `unsupported`: valid, but not expressible as a single indicator. */
  readonly kind: 'rejected' | 'unsupported';
  /** 1-based line of a CSV record. */
  readonly line?: number;
  /** The entry in a JSON feed, e.g. `objects[3] (indicator--…)` or `event 5f1c… Attribute[2]`. */
  readonly entry?: string;
  readonly reason: string;
}

/** What a loader read from one feed. */
export interface LoadResult {
  readonly indicators: Indicator[];
  /** Entries looked at: CSV records, STIX indicator objects, MISP attributes. */
  entries: number;
  /** Malformed entries (bad value, bad confidence, unparseable pattern…). */
  rejected: number;
  /** Entries or pattern parts Vigil cannot express as single indicators. */
  unsupported: number;
  /** Entries whose `valid_until` has passed. */
  expired: number;
  /** STIX indicators marked `revoked`. */
  revoked: number;
  /** The first {@link MAX_LISTED_PROBLEMS} rejected and unsupported entries, with where and why. */
  readonly problems: LoadProblem[];
}

/** The most problems a load result lists; the counters keep counting past it. */
export const MAX_LISTED_PROBLEMS = 100;

/** Where an entry sits in its feed. */
export type EntryLocation = { line: number } | { entry: string };

/** Collects a loader's indicators and counters. */
export class LoadTally {
  readonly result: LoadResult = { indicators: [], entries: 0, rejected: 0, unsupported: 0, expired: 0, revoked: 0, problems: [] };
  readonly #nowMs: number;

  constructor(nowMs: number) {
    this.#nowMs = nowMs;
  }

  /** Keeps the indicator unless it has already expired (counted). */
  add(indicator: Indicator): void {
    if (indicator.valid_until !== undefined && Date.parse(indicator.valid_until) <= this.#nowMs) this.result.expired++;
    else this.result.indicators.push(indicator);
  }

  reject(where: EntryLocation, reason: string): void {
    this.result.rejected++;
    this.#note({ kind: 'rejected', ...where, reason });
  }

  unsupported(where: EntryLocation, reason: string): void {
    this.result.unsupported++;
    this.#note({ kind: 'unsupported', ...where, reason });
  }

  #note(problem: LoadProblem): void {
    if (this.result.problems.length < MAX_LISTED_PROBLEMS) this.result.problems.push(problem);
  }
}

/** Turns a date given as ISO-8601 text or Unix seconds into ISO-8601; undefined when it is neither. */
export function toIsoDate(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value * 1000).toISOString();
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const text = value.trim();
  const ms = /^\d{9,10}$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
