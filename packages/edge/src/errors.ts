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
  VIGIL_ERR_EDGE_HTTP_UNSUPPORTED_MEDIA_TYPE: { message: 'content type {type} is not accepted here; send {expected}', status: 415, retryable: false },
  VIGIL_ERR_EDGE_HTTP_UNSUPPORTED_ENCODING: { message: 'content encoding {encoding} is not accepted; send gzip or none', status: 415, retryable: false },
  VIGIL_ERR_EDGE_HTTP_NOT_FOUND: { message: 'no route {method} {url}', status: 404, retryable: false },
  VIGIL_ERR_EDGE_HTTP_BAD_REQUEST: { message: 'bad request: {reason}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_HTTP_NO_VALID_EVENTS: { message: 'none of the {rejected} event(s) was accepted; see errors', status: 400, retryable: false },
  VIGIL_ERR_EDGE_HTTP_EMPTY_BODY: { message: 'request body has no {what}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_HTTP_TOO_MANY_LINES: { message: 'request has more than {max} lines or items (maxLinesPerRequest)', status: 413, retryable: false },
  VIGIL_ERR_EDGE_HTTP_UNKNOWN_FORMAT: { message: 'unknown format {format}; known formats: {known}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_HTTP_BAD_PARAMETER: { message: 'query parameter {name} {reason}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_HTTP_RATE_LIMITED: {
    message: 'ingest key {key} is over its rate limit of {rate} events/s (burst {burst}); retry in {seconds}s',
    status: 429,
    retryable: true,
  },
  VIGIL_ERR_EDGE_BULK_MALFORMED_ACTION: { message: 'line {line} is not a bulk action line: {reason}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_BULK_MISSING_SOURCE: { message: 'the {action} action on line {line} has no source line', status: 400, retryable: false },
  VIGIL_ERR_EDGE_BULK_UNSUPPORTED_ACTION: {
    message: 'the {action} action is not supported: Vigil keeps received events immutable',
    status: 400,
    retryable: false,
  },
  VIGIL_ERR_EDGE_BULK_BAD_SOURCE: { message: 'the source on line {line} is not a JSON object: {reason}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_EVENT_INVALID_FIELD: { message: '{reason}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_EVENT_UNKNOWN_FIELD: { message: 'unknown field', status: 400, retryable: false },
  VIGIL_ERR_EDGE_EVENT_RESERVED_FIELD: { message: 'field is set by Vigil and cannot be sent by a client', status: 400, retryable: false },
  VIGIL_ERR_EDGE_EVENT_UNSAFE_KEY: { message: 'key {key} is not allowed', status: 400, retryable: false },
  VIGIL_ERR_EDGE_EVENT_TOO_DEEP: { message: 'event nests deeper than {max} levels', status: 400, retryable: false },
  VIGIL_ERR_EDGE_EVENT_TOO_MANY_FIELDS: { message: 'event has {count} fields, more than {max}', status: 400, retryable: false },
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
  VIGIL_ERR_EDGE_TLS_NO_CERTIFICATE: {
    message: 'syslog TLS is enabled but has no certificate: set syslog.tls.certFile and syslog.tls.keyFile, or enroll the edge so it has an identity certificate',
    status: 500,
    retryable: false,
  },
  VIGIL_ERR_EDGE_TLS_NO_CA: {
    message: 'syslog.tls.clientAuth is {clientAuth} but there is no CA to check client certificates against: set syslog.tls.caFile',
    status: 500,
    retryable: false,
  },
  VIGIL_ERR_EDGE_TLS_FILE_UNREADABLE: { message: 'cannot read syslog.tls.{setting} {path}: {reason}', status: 500, retryable: false },
  VIGIL_ERR_EDGE_TLS_BAD_CREDENTIALS: { message: 'the syslog TLS certificate, key or CA cannot be used: {reason}', status: 500, retryable: false },
  VIGIL_ERR_EDGE_TLS_CLIENT_REFUSED: { message: 'syslog TLS client {peer} refused: {reason}', status: 401, retryable: false },
  VIGIL_ERR_EDGE_TLS_HANDSHAKE_FAILED: { message: 'syslog TLS handshake with {peer} failed ({reason}): {detail}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_UDP_BUFFER_CAPPED: { message: 'UDP receive buffer capped by the kernel at {granted} bytes', status: 500, retryable: false },
  VIGIL_ERR_EDGE_KEY_CHECK_UNAVAILABLE: { message: 'cannot check the API key with the Vigil API: {reason}', status: 503, retryable: true },
  VIGIL_ERR_EDGE_INTERNAL: { message: 'internal error: {reason}', status: 500, retryable: true },
  VIGIL_ERR_EDGE_SOURCE_BLOCKED: { message: 'source address {address} is blocked on this edge', status: 403, retryable: false },
  VIGIL_ERR_EDGE_BAD_SOURCE_ADDRESS: { message: '{address} is not an IP address or CIDR block', status: 400, retryable: false },
  VIGIL_ERR_EDGE_BLOCKLIST_UNREADABLE: {
    message: 'the blocked-source list {path} is unreadable ({reason}); the edge does not start without it: fix the file, or remove it to unblock every source blocked by commands',
    status: 500,
    retryable: false,
  },
  VIGIL_ERR_EDGE_BLOCKLIST_UNWRITABLE: { message: 'the blocked-source list {path} could not be saved, so nothing was changed: {reason}', status: 500, retryable: true },
  VIGIL_ERR_EDGE_CONFIG_RELOAD_FAILED: { message: 'the configuration could not be reloaded, nothing was changed: {reason}', status: 400, retryable: false },
  VIGIL_ERR_EDGE_SPOOL_FULL: { message: 'the spool holds {usedBytes} of {maxBytes} bytes the bus has not acknowledged; retry later', status: 503, retryable: true },
  VIGIL_ERR_EDGE_SPOOL_WRITE_FAILED: { message: 'the spool could not write a batch durably: {reason}', status: 503, retryable: true },
  VIGIL_ERR_EDGE_SPOOL_READ_FAILED: { message: 'the spool could not read segment {segment}: {reason}', status: 503, retryable: true },
  VIGIL_ERR_EDGE_SPOOL_RECORD_TOO_LARGE: { message: 'a batch of {size} bytes cannot be spooled (limit {max})', status: 413, retryable: false },
  VIGIL_ERR_EDGE_SPOOL_OPEN_FAILED: { message: 'cannot open the spool in {dir}: {reason}', status: 500, retryable: false },
  VIGIL_ERR_EDGE_SPOOL_CORRUPT: {
    message: '{bytes} corrupt byte(s) in spool segment {segment} at offset {offset} were skipped; {records} batch(es) lost, the records after them were recovered',
    status: 500,
    retryable: false,
  },
  VIGIL_ERR_EDGE_SPOOL_TORN_TAIL: {
    message: 'cut {bytes} byte(s) of a torn record from the end of spool segment {segment}: a write interrupted by a crash, never acknowledged, so no acknowledged data is lost',
    status: 500,
    retryable: false,
  },
  VIGIL_ERR_EDGE_SPOOL_CURSOR_INVALID: {
    message: 'the spool ack cursor is unreadable ({reason}); every spooled batch is delivered again (the bus consumer drops duplicates)',
    status: 500,
    retryable: false,
  },
  VIGIL_ERR_EDGE_SPOOL_CURSOR_AHEAD: {
    message: 'the spool ack cursor points past the end of segment {segment} ({offset} > {size} bytes): batches already delivered are missing from it (lost to a power failure with fsync never?); nothing in it is pending',
    status: 500,
    retryable: false,
  },
  VIGIL_ERR_EDGE_SPOOL_CURSOR_WRITE_FAILED: {
    message: 'the spool ack cursor could not be saved ({reason}); after a restart, batches acknowledged since are delivered again',
    status: 500,
    retryable: true,
  },
  VIGIL_ERR_EDGE_SPOOL_DELETE_FAILED: { message: 'acknowledged spool segment {segment} could not be deleted: {reason}', status: 500, retryable: true },
});

/** Every code the edge can report. */
export type EdgeErrorCode = keyof typeof edgeErrors.specs;
