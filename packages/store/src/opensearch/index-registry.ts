import { storeErrors } from '../errors.ts';
import { describeOpenSearchError, type OpenSearchHttp } from './client.ts';

/**
 * Creates indices on demand and remembers which exist. The cluster may refuse to create
 * indices by itself (`action.auto_create_index=false`), so the store creates each one
 * explicitly before its first write; the index template gives it its settings, mappings and
 * alias. Creating an index that another writer has just created is fine.
 */
export class IndexRegistry {
  readonly #http: OpenSearchHttp;
  readonly #known = new Set<string>();
  readonly #pending = new Map<string, Promise<boolean>>();

  constructor(http: OpenSearchHttp) {
    this.#http = http;
  }

  /** Makes sure every index exists; returns the ones this call created. */
  async ensure(indices: Iterable<string>): Promise<string[]> {
    const wanted = [...new Set(indices)].filter((index) => !this.#known.has(index));
    const created = await Promise.all(wanted.map((index) => this.#create(index)));
    return wanted.filter((_, i) => created[i]);
  }

  /** Forgets an index that turned out to be gone (deleted by retention or by hand). */
  forget(index: string): void {
    this.#known.delete(index);
  }

  #create(index: string): Promise<boolean> {
    let pending = this.#pending.get(index);
    if (!pending) {
      pending = this.#put(index).finally(() => this.#pending.delete(index));
      this.#pending.set(index, pending);
    }
    return pending;
  }

  async #put(index: string): Promise<boolean> {
    const { statusCode, body } = await this.#http.request<{ error?: { type?: string } }>('create index', {
      method: 'PUT',
      path: `/${encodeURIComponent(index)}`,
      ignore: [400],
    });
    if (statusCode === 400 && body.error?.type !== 'resource_already_exists_exception') {
      throw storeErrors.create('VIGIL_ERR_STORE_REFUSED', { operation: `create index ${index}`, reason: describeOpenSearchError(body.error) });
    }
    this.#known.add(index);
    return statusCode !== 400;
  }
}
