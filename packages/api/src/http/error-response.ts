import { VigilError } from '@vigil/runtime';
import { apiErrors } from '../errors.ts';

/** What a client receives for an error: status, the one error body shape, and Retry-After when it helps. */
export interface ErrorResponse {
  readonly status: number;
  readonly body: { error: { code: string; message: string; details?: unknown } };
  readonly retryAfterSeconds?: number;
  /** True when the cause is ours (5xx), so it is worth a log line. */
  readonly internal: boolean;
}

/** Seconds suggested to clients for retryable errors that do not name their own delay. */
const DEFAULT_RETRY_AFTER_SECONDS = 5;

/** Maps anything thrown while serving a request to the response the client gets. */
export function toErrorResponse(error: unknown, limits: { maxRequestBytes: number }): ErrorResponse {
  const vigil = error instanceof VigilError ? error : fromFramework(error, limits);
  const status = vigil.status >= 400 && vigil.status <= 599 ? vigil.status : 500;
  const details = vigil.params.details;
  const explicit = vigil.params.retryAfterSeconds;
  const retryAfterSeconds =
    typeof explicit === 'number' ? explicit : vigil.retryable && (status === 429 || status === 503) ? DEFAULT_RETRY_AFTER_SECONDS : undefined;
  return {
    status,
    body: { error: { code: vigil.code, message: vigil.message, ...(details !== undefined && { details }) } },
    ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
    internal: status >= 500,
  };
}

/** fastify's own errors (bad JSON, body too large, wrong content type) and anything unexpected. */
function fromFramework(error: unknown, limits: { maxRequestBytes: number }): VigilError {
  const statusCode = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    if (statusCode === 413) return apiErrors.create('VIGIL_ERR_API_BODY_TOO_LARGE', { maxRequestBytes: limits.maxRequestBytes });
    if (statusCode === 415) {
      const contentType = /'([^']*)'/.exec((error as Error).message)?.[1] ?? 'of this request';
      return apiErrors.create('VIGIL_ERR_API_UNSUPPORTED_MEDIA_TYPE', { contentType });
    }
    return apiErrors.create('VIGIL_ERR_API_BAD_REQUEST', { summary: (error as Error).message });
  }
  return apiErrors.create('VIGIL_ERR_API_INTERNAL', {}, { cause: error });
}
