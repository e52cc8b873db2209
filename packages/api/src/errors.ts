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
  VIGIL_ERR_API_KEY_NOT_FOUND: { message: 'API key {id} does not exist', status: 404, retryable: false },
  VIGIL_ERR_API_LOGIN_FAILED: { message: 'invalid username or password', status: 401, retryable: false },
  VIGIL_ERR_API_LOGIN_RATE_LIMITED: {
    message: 'too many failed logins for this user from this address; retry in {retryAfterSeconds} s',
    status: 429,
    retryable: true,
  },
  VIGIL_ERR_API_BODY_TOO_LARGE: { message: 'request body is larger than {maxRequestBytes} bytes', status: 413, retryable: false },
  VIGIL_ERR_API_UNSUPPORTED_MEDIA_TYPE: { message: 'unsupported content type {contentType}; send application/json', status: 415, retryable: false },
  VIGIL_ERR_API_INTERNAL: { message: 'internal error; the server log has the details under this code', status: 500, retryable: true },
  VIGIL_ERR_AUTH_USER_EXISTS: { message: 'user {username} already exists', status: 409, retryable: false },
  VIGIL_ERR_AUTH_BAD_USERNAME: {
    message: 'username {username} is not allowed: use 1 to 64 letters, digits, dots, dashes, underscores or @',
    status: 400,
    retryable: false,
  },
  VIGIL_ERR_AUTH_BAD_PASSWORD: { message: 'password must be {minLength} to {maxLength} characters', status: 400, retryable: false },
  VIGIL_ERR_AUTH_DB_UNUSABLE: { message: 'auth database {path} cannot be opened: {reason}', status: 500, retryable: false },
});

export type ApiErrorCode = keyof typeof apiErrors.specs;
