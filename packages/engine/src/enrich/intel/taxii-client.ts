import { describeError } from '@vigil/runtime';
import { intelErrors } from './errors.ts';
import { authorizationHeader, responseText, type FeedAuth } from './feed-source.ts';

/** The TAXII 2.1 media type, sent as `Accept`. */
export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';

/** Where and how to poll one TAXII 2.1 collection. */
export interface TaxiiClientOptions {
  /** The API root URL, e.g. `https://taxii.example.net/api1/`. */
  apiRoot: string;
  collectionId: string;
  auth?: FeedAuth;
  /** Objects asked for per page (`limit`); the server's default when unset. */
  pageLimit?: number;
  /** Pages read in one poll at most; the next poll continues where this one stopped. */
  maxPages: number;
  /** Per request. */
  timeoutMs: number;
  /** Largest response body accepted. */
  maxBytes: number;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

/** What one poll read. */
export interface TaxiiPoll {
  /** STIX objects, in the order the server sent them. */
  readonly objects: unknown[];
  readonly pages: number;
  /**
   * Where the next poll starts (`added_after`): the last `X-TAXII-Date-Added-Last` the server
   * sent, or the poll's own starting point when it sent none.
   */
  readonly addedAfter: string | undefined;
  /** True when `maxPages` stopped the poll with more objects waiting. */
  readonly truncated: boolean;
}

interface Envelope {
  more?: unknown;
  next?: unknown;
  objects?: unknown;
}

/**
 * Polls one TAXII 2.1 collection: `GET {apiRoot}/collections/{id}/objects/` with
 * `added_after`, following the envelope's `more`/`next` (or, when a server gives `more`
 * without `next`, `added_after` from its `X-TAXII-Date-Added-Last`).
 */
export class TaxiiClient {
  readonly #options: TaxiiClientOptions;
  readonly #objectsUrl: URL;

  constructor(options: TaxiiClientOptions) {
    this.#options = options;
    const root = options.apiRoot.endsWith('/') ? options.apiRoot : `${options.apiRoot}/`;
    this.#objectsUrl = new URL(`collections/${encodeURIComponent(options.collectionId)}/objects/`, root);
  }

  /** The objects endpoint polled. */
  get objectsUrl(): string {
    return this.#objectsUrl.toString();
  }

  /** Reads every object added after `addedAfter` (all objects when undefined). */
  async poll(addedAfter?: string, signal?: AbortSignal): Promise<TaxiiPoll> {
    const objects: unknown[] = [];
    let cursor = addedAfter;
    let next: string | undefined;
    for (let pages = 1; ; pages++) {
      const { envelope, addedLast } = await this.#page(cursor, next, signal);
      if (Array.isArray(envelope.objects)) objects.push(...envelope.objects);
      const lastSeen = addedLast ?? cursor;
      const more = envelope.more === true;
      if (!more) return { objects, pages, addedAfter: lastSeen, truncated: false };
      if (pages >= this.#options.maxPages) return { objects, pages, addedAfter: lastSeen, truncated: true };
      if (typeof envelope.next === 'string' && envelope.next !== '') {
        next = envelope.next;
      } else if (addedLast !== undefined && addedLast !== cursor) {
        next = undefined;
        cursor = addedLast;
      } else {
        // `more` with nothing to continue from: stop rather than read the same page again.
        return { objects, pages, addedAfter: lastSeen, truncated: true };
      }
    }
  }

  async #page(addedAfter: string | undefined, next: string | undefined, signal: AbortSignal | undefined): Promise<{ envelope: Envelope; addedLast: string | undefined }> {
    const url = new URL(this.#objectsUrl);
    if (addedAfter !== undefined) url.searchParams.set('added_after', addedAfter);
    if (this.#options.pageLimit !== undefined) url.searchParams.set('limit', String(this.#options.pageLimit));
    if (next !== undefined) url.searchParams.set('next', next);
    const location = url.toString();
    const signals = [AbortSignal.timeout(this.#options.timeoutMs), ...(signal ? [signal] : [])];
    let body: string;
    let addedLast: string | undefined;
    try {
      const response = await (this.#options.fetch ?? fetch)(url, {
        headers: { accept: TAXII_MEDIA_TYPE, ...authorizationHeader(this.#options.auth) },
        signal: AbortSignal.any(signals),
      });
      addedLast = response.headers.get('x-taxii-date-added-last') ?? undefined;
      body = await responseText(response, location, this.#options.maxBytes);
    } catch (error) {
      if (intelErrors.is(error)) throw error;
      throw intelErrors.create('VIGIL_ERR_INTEL_FEED_UNREADABLE', { location, reason: describeError(error) }, { cause: error });
    }
    // A collection with nothing new may answer with an empty body.
    if (body.trim() === '') return { envelope: {}, addedLast };
    let envelope: unknown;
    try {
      envelope = JSON.parse(body);
    } catch (error) {
      throw intelErrors.create('VIGIL_ERR_INTEL_FEED_UNREADABLE', { location, reason: `the envelope is not JSON (${(error as Error).message})` });
    }
    if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) {
      throw intelErrors.create('VIGIL_ERR_INTEL_FEED_UNREADABLE', { location, reason: 'the response is not a TAXII envelope' });
    }
    return { envelope: envelope as Envelope, addedLast };
  }
}
