import { defineErrors, type VigilError } from '@vigil/runtime';

/**
 * Store and query-language errors. Query errors are the user's (400, permanent) and carry the
 * 1-based `column` where the problem is; store failures from the database are retryable.
 * Documents OpenSearch refuses (mapping or parse errors) are permanent and name the ids, so
 * the indexer can send them to the DLQ; overload (429) and conflicts are retryable.
 */
export const storeErrors = defineErrors({
  VIGIL_ERR_QUERY_SYNTAX: { message: '{detail} at column {column}', status: 400, retryable: false },
  VIGIL_ERR_QUERY_TOO_COMPLEX: { message: '{detail} at column {column}', status: 400, retryable: false },
  VIGIL_ERR_QUERY_UNSUPPORTED: { message: '{detail} at column {column}', status: 400, retryable: false },
  VIGIL_ERR_QUERY_INVALID_VALUE: { message: '{detail} at column {column}', status: 400, retryable: false },
  VIGIL_ERR_STORE_BAD_REQUEST: { message: 'invalid search request: {reason}', status: 400, retryable: false },
  VIGIL_ERR_STORE_BAD_CURSOR: { message: 'cursor is not one this store issued; start again without a cursor', status: 400, retryable: false },
  VIGIL_ERR_STORE_BAD_DOCUMENT: { message: '{kind} at position {position} cannot be stored: {reason}', status: 400, retryable: false },
  VIGIL_ERR_STORE_NOT_READY: { message: 'store is {state}; call init() after opening and do not use it after close()', status: 503, retryable: false },
  VIGIL_ERR_STORE_SCHEMA_VERSION: {
    message: 'database {path} has schema version {found}, newer than this Vigil understands ({supported}); upgrade Vigil or use another data directory',
    status: 500,
    retryable: false,
  },
  VIGIL_ERR_STORE_UNAVAILABLE: { message: 'store operation failed: {reason}', status: 503, retryable: true },
  VIGIL_ERR_STORE_OVERLOADED: {
    message: 'OpenSearch still rejected {count} of {total} documents as overloaded or failing after {attempts} attempts ({reason}); try again later',
    status: 503,
    retryable: true,
  },
  VIGIL_ERR_STORE_DOCUMENT_REJECTED: {
    message: 'OpenSearch refused {count} of {total} {kind}s, which were not stored: {failures}',
    status: 422,
    retryable: false,
  },
  VIGIL_ERR_STORE_CONFLICT: { message: 'alert {id} kept changing while it was being updated ({attempts} attempts); try again', status: 409, retryable: true },
  VIGIL_ERR_STORE_REFUSED: { message: 'OpenSearch refused the request ({operation}): {reason}', status: 500, retryable: false },
});

export type StoreErrorCode = keyof typeof storeErrors.specs;

/** Codes of errors in the user's query. */
export type QueryErrorCode = Extract<StoreErrorCode, `VIGIL_ERR_QUERY_${string}`>;

/**
 * An error in the user's query at a 1-based column. The column is also in `params.details`,
 * which the API returns as `error.details`, so a client can point at it.
 */
export function queryError(code: QueryErrorCode, detail: string, column: number): VigilError {
  return storeErrors.create(code, { detail, column, details: { column } });
}
