import { defineErrors } from '@vigil/runtime';

/**
 * API and authentication errors. Every error a client sees has one of these codes (or the
 * code of a `VigilError` from the store, passed through with its status).
 */
export const apiErrors = defineErrors({
  VIGIL_ERR_API_UNAUTHENTICATED: { message: 'missing or invalid bearer token', status: 401, retryable: false },
  VIGIL_ERR_API_FORBIDDEN: { message: 'role {role} may not {action}', status: 403, retryable: false },
  VIGIL_ERR_API_BAD_REQUEST: { message: 'invalid request: {summary}', status: 400, retryable: false },
  VIGIL_ERR_API_NOT_FOUND: { message: 'no route {method} {url}', status: 404, retryable: false },
  VIGIL_ERR_API_ALERT_NOT_FOUND: { message: 'alert {id} does not exist', status: 404, retryable: false },
  VIGIL_ERR_API_SUPPRESSION_NOT_FOUND: { message: 'no alert suppression {id} is in force', status: 404, retryable: false },
  VIGIL_ERR_API_KEY_NOT_FOUND: { message: 'API key {id} does not exist', status: 404, retryable: false },
  VIGIL_ERR_API_LOGIN_FAILED: { message: 'invalid username or password', status: 401, retryable: false },
  VIGIL_ERR_API_LOGIN_RATE_LIMITED: {
    message: 'too many failed logins for this user from this address; retry in {retryAfterSeconds} s',
    status: 429,
    retryable: true,
  },
  VIGIL_ERR_API_BODY_TOO_LARGE: { message: 'request body is larger than {maxRequestBytes} bytes', status: 413, retryable: false },
  VIGIL_ERR_API_UNSUPPORTED_MEDIA_TYPE: { message: 'unsupported content type {contentType}; send application/json', status: 415, retryable: false },
  VIGIL_ERR_API_BACKTEST_BUSY: { message: '{running} backtests are already running (api.backtest.maxConcurrent); retry when one has finished', status: 429, retryable: true },
  VIGIL_ERR_API_INTERNAL: { message: 'internal error; the server log has the details under this code', status: 500, retryable: true },
  VIGIL_ERR_API_EDGE_NOT_FOUND: { message: 'edge {edgeId} is not known here', status: 404, retryable: false },
  VIGIL_ERR_API_EDGE_REVOKED: { message: 'edge {edgeId} is revoked', status: 409, retryable: false },
  VIGIL_ERR_API_ENROLL_TOKEN_INVALID: { message: 'enrollment token is unknown, expired or already used', status: 401, retryable: false },
  VIGIL_ERR_API_ENROLL_RATE_LIMITED: {
    message: 'too many failed enrollment or renewal attempts from this address; retry in {retryAfterSeconds} s',
    status: 429,
    retryable: true,
  },
  VIGIL_ERR_API_CSR_INVALID: { message: 'certificate signing request refused: {reason}', status: 400, retryable: false },
  VIGIL_ERR_API_RENEW_REFUSED: { message: 'certificate renewal refused: {reason}', status: 401, retryable: false },
  VIGIL_ERR_API_FLEET_NO_CA_KEY: {
    message: '{action} needs the Vigil CA key, which this API process does not have (set caKeyPath / VIGIL_CA_KEY)',
    status: 503,
    retryable: false,
  },
  VIGIL_ERR_API_FLEET_NO_BUS: { message: '{action} needs the bus, which this API process was started without', status: 503, retryable: false },
  VIGIL_ERR_API_FLEET_CA_KEY_MISMATCH: { message: 'the CA private key does not belong to the CA certificate', status: 500, retryable: false },
  VIGIL_ERR_API_FLEET_PUBLISH_FAILED: { message: '{what} could not be published to the bus: {reason}', status: 503, retryable: true },
  VIGIL_ERR_API_FLEET_BAD_MESSAGE: { message: 'message on vigil.heartbeats does not match the schema: {reason}', status: 400, retryable: false },
  VIGIL_ERR_API_FLEET_EDGE_MISMATCH: {
    message: 'message names edge {claimed} but is signed by the certificate of edge {edgeId}',
    status: 403,
    retryable: false,
  },
  VIGIL_ERR_API_FLEET_UNKNOWN_COMMAND: { message: 'result for unknown command {commandId} from edge {edgeId}', status: 404, retryable: false },
  VIGIL_ERR_AUTH_USER_EXISTS: { message: 'user {username} already exists', status: 409, retryable: false },
  VIGIL_ERR_AUTH_LAST_ADMIN: { message: '{username} is the last admin; make another user admin first', status: 409, retryable: false },
  VIGIL_ERR_API_AUDIT_WRITE_FAILED: { message: 'an audit entry could not be written: {reason}', status: 500, retryable: true },
  VIGIL_ERR_API_LIVE_STREAMS_FULL: { message: '{maxStreams} live streams are open on this API process (api.maxLiveStreams); retry later', status: 503, retryable: true },
  VIGIL_ERR_API_RULE_NOT_FOUND: { message: 'no loaded rule has id or name {id}', status: 404, retryable: false },
  VIGIL_ERR_API_RULE_TESTS_UNAVAILABLE: { message: 'this API process cannot run rule tests: it was started without the rule directories', status: 503, retryable: false },
  VIGIL_ERR_API_TLS_NO_CERTIFICATE: {
    message: 'api.tls is enabled but there is no certificate: set api.tls.certFile and keyFile, or give the API the Vigil CA key (caKeyPath) to issue one',
    status: 500,
    retryable: false,
  },
  VIGIL_ERR_API_TLS_UNREADABLE: { message: 'cannot read the API\'s TLS {what} {path}: {reason}', status: 500, retryable: false },
  VIGIL_ERR_API_SAVED_SEARCH_NOT_FOUND: { message: 'no saved search {id} that you can see', status: 404, retryable: false },
  VIGIL_ERR_API_CHANNEL_NOT_FOUND: { message: 'no notification channel is named {name}', status: 404, retryable: false },
  VIGIL_ERR_API_CHANNEL_TEST_FAILED: { message: 'the test notification on {name} was not delivered: {reason}', status: 502, retryable: true },
  VIGIL_ERR_API_USER_NOT_FOUND: { message: 'user {username} does not exist', status: 404, retryable: false },
  VIGIL_ERR_AUTH_BAD_USERNAME: {
    message: 'username {username} is not allowed: use 1 to 64 letters, digits, dots, dashes, underscores or @',
    status: 400,
    retryable: false,
  },
  VIGIL_ERR_AUTH_BAD_PASSWORD: { message: 'password must be {minLength} to {maxLength} characters', status: 400, retryable: false },
  VIGIL_ERR_AUTH_DB_UNUSABLE: { message: 'auth database {path} cannot be opened: {reason}', status: 500, retryable: false },
});

export type ApiErrorCode = keyof typeof apiErrors.specs;
