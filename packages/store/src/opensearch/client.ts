import { readFileSync } from 'node:fs';
import { Client, errors } from '@opensearch-project/opensearch';
import { describeError, type VigilError } from '@vigil/runtime';
import { queryError, storeErrors } from '../errors.ts';
import type { OpenSearchStoreConfig } from './config.ts';

/** One request to OpenSearch's REST API. */
export interface HttpRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';
  path: string;
  querystring?: Record<string, string | number | boolean>;
  body?: unknown;
  /** A ready NDJSON body for `_bulk`. */
  ndjson?: string;
  /** Statuses answered normally instead of thrown (e.g. 404 for "not there"). */
  ignore?: number[];
  /**
   * The client moves to another node and retries when a connection fails or a node answers
   * 502/503/504. A write that must not be sent twice (an alert update with a comment) sets 0.
   */
  maxRetries?: number;
}

/** A response: its status and parsed JSON body. */
export interface HttpResponse<T> {
  statusCode: number;
  body: T;
}

/**
 * The REST calls the store makes, through `@opensearch-project/opensearch`'s transport
 * (node selection, TLS, auth, timeouts) with every failure turned into a store error code.
 */
export class OpenSearchHttp {
  readonly #client: Client;

  constructor(client: Client) {
    this.#client = client;
  }

  async request<T>(operation: string, request: HttpRequest): Promise<HttpResponse<T>> {
    try {
      const response = await this.#client.transport.request(
        {
          method: request.method,
          path: request.path,
          ...(request.querystring !== undefined && { querystring: request.querystring }),
          ...(request.body !== undefined && { body: request.body as Record<string, unknown> }),
          ...(request.ndjson !== undefined && { bulkBody: request.ndjson }),
        },
        { ...(request.ignore && { ignore: request.ignore }), ...(request.maxRetries !== undefined && { maxRetries: request.maxRetries }) },
      );
      return { statusCode: response.statusCode ?? 0, body: response.body as T };
    } catch (error) {
      throw toStoreError(error, operation);
    }
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

/** Builds the client from the config; an unreadable CA file fails here, at start-up. */
export function createHttp(config: OpenSearchStoreConfig): OpenSearchHttp {
  const ca = config.tls.caPath === undefined ? undefined : readCa(config.tls.caPath);
  const client = new Client({
    nodes: config.nodes ? [...config.nodes] : [config.url],
    requestTimeout: config.requestTimeoutMs,
    maxRetries: 2,
    ssl: { rejectUnauthorized: config.tls.rejectUnauthorized, ...(ca && { ca }) },
    ...(config.auth && { auth: { username: config.auth.username, password: config.auth.password } }),
  });
  return new OpenSearchHttp(client);
}

function readCa(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`OpenSearch store options: tls.caPath ${path} cannot be read: ${describeError(error)}`, { cause: error });
  }
}

/** OpenSearch's description of a failed request or item: `type: reason`. */
export function describeOpenSearchError(error: unknown): string {
  if (error === null || typeof error !== 'object') return String(error);
  const { type, reason, caused_by: cause } = error as { type?: unknown; reason?: unknown; caused_by?: { reason?: unknown } };
  const text = `${String(type ?? 'error')}: ${String(reason ?? '')}`;
  return cause?.reason !== undefined && cause.reason !== reason ? `${text} (${String(cause.reason)})` : text;
}

/**
 * Maps a client failure to a store error. Unreachable nodes, timeouts, overload (429), server
 * errors and missing permissions are retryable (`VIGIL_ERR_STORE_UNAVAILABLE`): they need time
 * or an operator, and nothing may be dropped meanwhile. A request OpenSearch refuses as wrong
 * is permanent (`VIGIL_ERR_STORE_REFUSED`), except a query that expands to too many terms,
 * which is the user's (`VIGIL_ERR_QUERY_TOO_COMPLEX`).
 */
export function toStoreError(error: unknown, operation: string): VigilError {
  if (storeErrors.is(error)) return error;
  if (error instanceof errors.ResponseError) {
    const status = error.statusCode;
    const body = error.body as { error?: unknown } | string | undefined;
    const detail = typeof body === 'object' && body?.error !== undefined ? describeOpenSearchError(body.error) : describeError(error);
    if (/maxClauseCount|too_many_clauses|too many clauses/i.test(detail)) {
      return queryError(
        'VIGIL_ERR_QUERY_TOO_COMPLEX',
        'the query needs more clauses than OpenSearch allows (indices.query.bool.max_clause_count); use fewer terms, or a longer prefix',
        1,
      );
    }
    if (status === 401 || status === 403 || status === 408 || status === 429 || status >= 500) {
      return storeErrors.create('VIGIL_ERR_STORE_UNAVAILABLE', { reason: `${operation}: OpenSearch answered ${status} (${detail})` }, { cause: error });
    }
    return storeErrors.create('VIGIL_ERR_STORE_REFUSED', { operation, reason: `${status} ${detail}` }, { cause: error });
  }
  const what = error instanceof errors.ConnectionError || error instanceof errors.NoLivingConnectionsError ? 'OpenSearch is unreachable' : 'request failed';
  return storeErrors.create('VIGIL_ERR_STORE_UNAVAILABLE', { reason: `${operation}: ${what}: ${describeError(error)}` }, { cause: error });
}
