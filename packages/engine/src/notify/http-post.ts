import { describeError } from '@vigil/runtime';
import { oneLine } from './alert-text.ts';
import { notifyErrors } from './errors.ts';
import type { DeliveryReceipt } from './types.ts';

/** One HTTP POST attempt of a JSON body. */
export interface JsonPost {
  readonly url: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Aborts the attempt (shutdown). */
  readonly signal: AbortSignal;
}

/**
 * POSTs `body` with the global fetch and classifies the answer: 2xx is delivered; 408, 429,
 * 5xx, network errors and timeouts are retryable (`params.retryAfterMs` carries the receiver's
 * `Retry-After`); redirects, other 4xx and TLS verification failures are permanent. Messages
 * name the URL's origin only, because webhook paths often carry a token.
 */
export async function postJson(post: JsonPost): Promise<DeliveryReceipt> {
  const target = new URL(post.url).origin;
  const timeout = AbortSignal.timeout(post.timeoutMs);
  const signal = AbortSignal.any([post.signal, timeout]);
  let response: Response;
  try {
    response = await fetch(post.url, {
      method: 'POST',
      body: post.body,
      headers: { ...post.headers, 'content-type': 'application/json; charset=utf-8' },
      redirect: 'manual',
      signal,
    });
  } catch (error) {
    throw requestError(error, target, timeout.aborted, post.timeoutMs);
  }
  const snippet = await readSnippet(response);
  if (response.status >= 200 && response.status < 300) return {};
  const detail = snippet ? ` ${snippet}` : '';
  if (response.status === 408 || response.status === 429 || response.status >= 500) {
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
    throw notifyErrors.create('VIGIL_ERR_NOTIFY_UNAVAILABLE', { status: response.status, detail, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });
  }
  throw notifyErrors.create('VIGIL_ERR_NOTIFY_REJECTED', { status: response.status, detail });
}

/**
 * `Retry-After` in milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3); undefined
 * when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** True for the errors Node reports when a peer's certificate does not verify. */
export function isCertificateError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|HOSTNAME/.test(code);
}

function requestError(error: unknown, target: string, timedOut: boolean, timeoutMs: number): Error {
  if (timedOut) return notifyErrors.create('VIGIL_ERR_NOTIFY_TIMEOUT', { target, timeoutMs, step: 'HTTP request' }, { cause: error });
  // fetch wraps the socket error: the useful code and message are on its cause.
  const cause = (error as { cause?: unknown }).cause ?? error;
  if (isCertificateError(cause)) return notifyErrors.create('VIGIL_ERR_NOTIFY_TLS', { target, reason: describeError(cause) }, { cause: error });
  return notifyErrors.create('VIGIL_ERR_NOTIFY_NETWORK', { target, reason: describeError(cause) }, { cause: error });
}

/** The start of a response body (receivers explain refusals there), then the rest is discarded. */
async function readSnippet(response: Response, maxBytes = 300): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut short does not change what the status code says.
  } finally {
    await reader.cancel().catch(() => {});
  }
  return oneLine(Buffer.concat(chunks).toString('utf8', 0, Math.min(size, maxBytes)), 200);
}
