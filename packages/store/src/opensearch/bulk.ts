import type { VigilError } from '@vigil/runtime';
import { storeErrors } from '../errors.ts';
import type { OpenSearchStoreConfig } from './config.ts';
import { describeOpenSearchError, toStoreError, type OpenSearchHttp } from './client.ts';

/** One document write in a bulk request. */
export interface BulkAction {
  /** `create` fails with 409 when the id exists (idempotent writes); `index` replaces, optionally only at a known version. */
  op: 'create' | 'index';
  index: string;
  id: string;
  doc: unknown;
  /** Optimistic concurrency: write only if the stored document is still at this sequence number and primary term. */
  version?: { seqNo: number; primaryTerm: number };
}

/** What happened to one action. */
export type BulkOutcome =
  /** Written (200/201). */
  | { kind: 'written' }
  /** 409: the id exists (`create`) or the document changed since it was read (`index` with a version). */
  | { kind: 'conflict' }
  /**
   * Worth retrying after a pause: 429 (`es_rejected_execution_exception`), a 5xx, or the
   * request as a whole failed transiently; `unavailable` holds the error when OpenSearch could
   * not be reached at all.
   */
  | { kind: 'retry'; reason: string; unavailable?: VigilError }
  /** The index is gone (retention deleted it, or it was never created): create it and retry. */
  | { kind: 'missing-index'; reason: string }
  /** Refused for good (mapping or parse error, 400): retrying the same document cannot help. */
  | { kind: 'refused'; status: number; reason: string };

/** One document OpenSearch refused for good. */
export interface RefusedDocument {
  id: string;
  status: number;
  reason: string;
}

interface BulkItemResult {
  status: number;
  error?: unknown;
}

interface BulkResponse {
  items?: Record<string, BulkItemResult>[];
}

interface Prepared {
  action: BulkAction;
  lines: string;
  bytes: number;
}

/**
 * Sends bulk writes: splits them into requests of at most `maxBulkDocs` documents and
 * `maxBulkBytes` bytes, runs up to `concurrency` requests at once with `refresh=wait_for`
 * (a write resolves once searches see it), and reports an outcome for every action,
 * never dropping a failure. Retrying is the caller's decision. (Not the client's
 * `helpers.bulk`: it retries 429s itself but hands every other failed document only to an
 * `onDrop` callback, which makes a silent drop one forgotten callback away.)
 */
export class BulkSender {
  readonly #http: OpenSearchHttp;
  readonly #limits: OpenSearchStoreConfig['bulk'];
  // Serialised once: an action retried after a 429 is not stringified again.
  readonly #prepared = new WeakMap<BulkAction, Prepared>();

  constructor(http: OpenSearchHttp, limits: OpenSearchStoreConfig['bulk']) {
    this.#http = http;
    this.#limits = limits;
  }

  /** Outcomes in the order of `actions`. */
  async send(actions: readonly BulkAction[]): Promise<BulkOutcome[]> {
    const outcomes = new Array<BulkOutcome>(actions.length);
    const chunks = this.#chunks(actions.map((action, position) => ({ position, prepared: this.#prepare(action) })));
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const chunk = chunks[next++]!;
        const results = await this.#request(chunk.map((entry) => entry.prepared));
        chunk.forEach((entry, i) => (outcomes[entry.position] = results[i]!));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#limits.concurrency, chunks.length) }, worker));
    return outcomes;
  }

  #prepare(action: BulkAction): Prepared {
    let prepared = this.#prepared.get(action);
    if (!prepared) {
      prepared = prepare(action);
      this.#prepared.set(action, prepared);
    }
    return prepared;
  }

  #chunks<T extends { prepared: Prepared }>(entries: T[]): T[][] {
    const chunks: T[][] = [];
    let current: T[] = [];
    let bytes = 0;
    for (const entry of entries) {
      if (current.length > 0 && (current.length >= this.#limits.maxBulkDocs || bytes + entry.prepared.bytes > this.#limits.maxBulkBytes)) {
        chunks.push(current);
        current = [];
        bytes = 0;
      }
      current.push(entry);
      bytes += entry.prepared.bytes;
    }
    if (current.length > 0) chunks.push(current);
    return chunks;
  }

  async #request(chunk: Prepared[]): Promise<BulkOutcome[]> {
    let body: BulkResponse;
    try {
      ({ body } = await this.#http.request<BulkResponse>('bulk write', {
        method: 'POST',
        path: '/_bulk',
        querystring: { refresh: 'wait_for' },
        ndjson: chunk.map((entry) => entry.lines).join(''),
      }));
    } catch (error) {
      const failure = toStoreError(error, 'bulk write');
      const status = (failure.cause as { statusCode?: number } | undefined)?.statusCode;
      const reason = failure.message;
      if (!failure.retryable) return chunk.map(() => ({ kind: 'refused', status: status ?? 400, reason }));
      return chunk.map(() => (status === 429 ? { kind: 'retry', reason } : { kind: 'retry', reason, unavailable: failure }));
    }
    const items = body.items ?? [];
    return chunk.map((entry, i) => {
      const item = items[i];
      const result = item ? Object.values(item)[0] : undefined;
      // OpenSearch answers one item per action, in order; anything else is a broken response, so try again.
      if (!result || typeof result.status !== 'number') return { kind: 'retry', reason: `no result for ${entry.action.id} in the bulk response` };
      return outcomeOf(result);
    });
  }
}

function outcomeOf(result: BulkItemResult): BulkOutcome {
  const { status, error } = result;
  if (status >= 200 && status < 300) return { kind: 'written' };
  const reason = describeOpenSearchError(error);
  if (status === 409) return { kind: 'conflict' };
  if (status === 429 || status >= 500) return { kind: 'retry', reason };
  if (status === 404 && (error as { type?: string } | undefined)?.type === 'index_not_found_exception') return { kind: 'missing-index', reason };
  return { kind: 'refused', status, reason };
}

function prepare(action: BulkAction): Prepared {
  const meta: Record<string, unknown> = { _index: action.index, _id: action.id };
  if (action.version) {
    meta.if_seq_no = action.version.seqNo;
    meta.if_primary_term = action.version.primaryTerm;
  }
  const lines = `${JSON.stringify({ [action.op]: meta })}\n${JSON.stringify(action.doc)}\n`;
  return { action, lines, bytes: Buffer.byteLength(lines) };
}

/** The error for documents OpenSearch refused: ids and reasons in the message (first few) and in full in `params`. */
export function refusedError(kind: 'event' | 'alert', refused: RefusedDocument[], total: number, extra: Record<string, unknown> = {}) {
  const shown = refused.slice(0, 5).map((doc) => `${doc.id} (${doc.status} ${doc.reason})`);
  if (refused.length > shown.length) shown.push(`and ${refused.length - shown.length} more`);
  const ids = refused.map((doc) => doc.id);
  return storeErrors.create('VIGIL_ERR_STORE_DOCUMENT_REJECTED', {
    kind,
    count: refused.length,
    total,
    failures: shown.join('; '),
    ids,
    refused,
    ...extra,
    details: { ids, refused },
  });
}
