import { LoadTally, type Indicator, type LoadResult } from './indicator.ts';
import { readStixIndicator, stixLocation, type StixOptions } from './stix-bundle.ts';
import type { TaxiiClient } from './taxii-client.ts';

interface Version {
  /** `modified` in ms; -Infinity when the object has none. */
  readonly modified: number;
  readonly indicators: Indicator[];
}

/** The outcome of one poll: what it read, and the collection's whole indicator set afterwards. */
export interface TaxiiRefresh {
  /** Counters of the objects this poll read (not of the whole set). */
  readonly load: LoadResult;
  /** Every unexpired indicator of the collection known so far. */
  readonly indicators: Indicator[];
  readonly pages: number;
  readonly truncated: boolean;
}

/**
 * A TAXII collection as a feed. Polls only fetch what was added since the last one, so the
 * indicators of earlier polls are kept by STIX id: a newer version (by `modified`) replaces
 * an older one, a revoked version removes it, and expired ones drop out at each poll.
 */
export class TaxiiFeed {
  readonly #client: TaxiiClient;
  readonly #byId = new Map<string, Version>();
  // Revocation is final in STIX, so an older version arriving later must not bring the id back.
  readonly #revoked = new Set<string>();
  #addedAfter: string | undefined;

  constructor(client: TaxiiClient, addedAfter?: string) {
    this.#client = client;
    this.#addedAfter = addedAfter;
  }

  /** Where the next poll starts (`added_after`). */
  get addedAfter(): string | undefined {
    return this.#addedAfter;
  }

  /**
   * Polls for new objects and merges them. A failed poll throws and changes nothing, so the
   * next one asks again from the same point.
   */
  async refresh(options: StixOptions, signal?: AbortSignal): Promise<TaxiiRefresh> {
    const nowMs = options.nowMs ?? Date.now();
    const poll = await this.#client.poll(this.#addedAfter, signal);
    const tally = new LoadTally(nowMs);
    poll.objects.forEach((object, position) => {
      const read = readStixIndicator(object, stixLocation(object, position), options, tally);
      if (read === undefined || read.id === '' || this.#revoked.has(read.id)) return;
      const known = this.#byId.get(read.id);
      const modified = read.modified === undefined ? Number.NEGATIVE_INFINITY : Date.parse(read.modified);
      // An older version arriving after a newer one is ignored.
      if (known !== undefined && known.modified > modified) return;
      if (read.revoked) {
        this.#byId.delete(read.id);
        this.#revoked.add(read.id);
      } else {
        this.#byId.set(read.id, { modified, indicators: read.indicators });
      }
      for (const indicator of read.indicators) tally.add(indicator);
    });
    this.#addedAfter = poll.addedAfter;
    const indicators: Indicator[] = [];
    for (const [id, version] of this.#byId) {
      const live = version.indicators.filter((indicator) => indicator.valid_until === undefined || Date.parse(indicator.valid_until) > nowMs);
      if (live.length === 0) this.#byId.delete(id);
      else indicators.push(...live);
    }
    return { load: tally.result, indicators, pages: poll.pages, truncated: poll.truncated };
  }
}
