import { defineErrors } from '@vigil/runtime';

/**
 * The edge's error codes. Frame and header codes end up on quarantined events (`error.code`);
 * HTTP codes are what an integrator sees in `{ "error": { "code", "message" } }` and in the
 * per-event `errors` of a 202 answer.
 */
export const edgeErrors = defineErrors({
  VIGIL_ERR_EDGE_SYSLOG_HEADER: { message: 'syslog header cannot be parsed: {reason}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_FRAME_TOO_LARGE: {
    message: 'syslog frame of {size} bytes exceeds maxMessageBytes {max}; the first {kept} bytes were kept',
    status: 413,
    retryable: false,
  },
  VIGIL_ERR_EDGE_FRAME_MALFORMED: { message: 'bytes that are not a valid octet-counted syslog frame: {reason}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_FRAME_TRUNCATED: {
    message: 'connection ended {missing} bytes before the end of an octet-counted frame',
    status: 400,
    retryable: false,
  },
  VIGIL_ERR_EDGE_HTTP_UNAUTHORIZED: { message: 'a valid ingest key is required ({reason})', status: 401, retryable: false },
  VIGIL_ERR_EDGE_HTTP_AUTH_UNAVAILABLE: { message: 'the ingest key could not be checked; retry later', status: 503, retryable: true },
  VIGIL_ERR_EDGE_HTTP_INVALID_JSON: { message: 'request body is not valid JSON: {reason}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_HTTP_INVALID_NDJSON: { message: '{count} NDJSON line(s) are not valid JSON, first at index {index}: {reason}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_HTTP_INVALID_NDJSON_LINE: { message: 'line is not valid JSON: {reason}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_HTTP_BAD_BODY: { message: 'request body must be a JSON object, a JSON array or NDJSON: {reason}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_HTTP_BAD_GZIP: { message: 'request body is not valid gzip: {reason}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_HTTP_BODY_TOO_LARGE: { message: 'request body exceeds {max} bytes', status: 413, retryable: false },
  VIGIL_ERR_EDGE_HTTP_UNSUPPORTED_MEDIA_TYPE: {
    message: 'content type {type} is not accepted; send application/json or application/x-ndjson',
    status: 415,
    retryable: false,
  },
  VIGIL_ERR_EDGE_HTTP_UNSUPPORTED_ENCODING: { message: 'content encoding {encoding} is not accepted; send gzip or none', status: 415, retryable: false },
  VIGIL_ERR_EDGE_HTTP_NOT_FOUND: { message: 'no route {method} {url}', status: 404, retryable: false },
  VIGIL_ERR_EDGE_HTTP_BAD_REQUEST: { message: 'bad request: {reason}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_HTTP_NO_VALID_EVENTS: { message: 'none of the {rejected} event(s) was accepted; see errors', status: 400, retryable: false },
  VIGIL_ERR_EDGE_EVENT_INVALID_FIELD: { message: '{reason}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_EVENT_UNKNOWN_FIELD: { message: 'unknown field', status: 400, retryable: false },
  VIGIL_ERR_EDGE_EVENT_RESERVED_FIELD: { message: 'field is set by Vigil and cannot be sent by a client', status: 400, retryable: false },
  VIGIL_ERR_EDGE_EVENT_UNSAFE_KEY: { message: 'key {key} is not allowed', status: 400, retryable: false },
  VIGIL_ERR_EDGE_EVENT_TOO_DEEP: { message: 'event nests deeper than {max} levels', status: 400, retryable: false },
  VIGIL_ERR_EDGE_EVENT_TOO_LARGE: { message: 'event of {size} bytes exceeds maxEventBytes {max}', status: 413, retryable: false },
  VIGIL_ERR_EDGE_QUEUE_FULL: { message: 'the edge holds {inFlight} unpublished events (limit {max}); retry later', status: 429, retryable: true },
  VIGIL_ERR_EDGE_BUS_UNAVAILABLE: { message: 'the bus did not accept the batch: {reason}', status: 503, retryable: true },
  VIGIL_ERR_EDGE_SEAL_FAILED: { message: 'the batch could not be numbered or signed: {reason}', status: 503, retryable: true },
  VIGIL_ERR_EDGE_STOPPING: { message: 'the edge is stopping', status: 503, retryable: true },
  VIGIL_ERR_EDGE_SHUTDOWN_DROPPED: {
    message: '{count} event(s) were not published within shutdownTimeoutMs {timeoutMs}',
    status: 503,
    retryable: true,
  },
  VIGIL_ERR_EDGE_UDP_BUFFER_CAPPED: { message: 'UDP receive buffer capped by the kernel at {granted} bytes', status: 500, retryable: false },
  VIGIL_ERR_EDGE_KEY_CHECK_UNAVAILABLE: { message: 'cannot check the API key with the Vigil API: {reason}', status: 503, retryable: true },
  VIGIL_ERR_EDGE_INTERNAL: { message: 'internal error: {reason}', status: 500, retryable: true },
});

/** Every code the edge can report. */
export type EdgeErrorCode = keyof typeof edgeErrors.specs;
