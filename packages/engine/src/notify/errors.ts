import { defineErrors } from '@vigil/runtime';

/**
 * Error codes of alert notifications. A retryable error makes the channel back off and try
 * again (up to `retry.maxAttempts`); a permanent one ends the delivery at once.
 */
export const notifyErrors = defineErrors({
  VIGIL_ERR_NOTIFY_REJECTED: { message: 'receiver refused the notification: HTTP {status}{detail}', status: 502, retryable: false },
  VIGIL_ERR_NOTIFY_UNAVAILABLE: { message: 'receiver is unavailable: HTTP {status}{detail}', status: 503, retryable: true },
  VIGIL_ERR_NOTIFY_NETWORK: { message: 'could not reach {target}: {reason}', status: 503, retryable: true },
  VIGIL_ERR_NOTIFY_TLS: { message: 'TLS with {target} failed: {reason}; check `ca` and `rejectUnauthorized`', status: 502, retryable: false },
  VIGIL_ERR_NOTIFY_TIMEOUT: { message: '{target} did not answer within {timeoutMs} ms ({step})', status: 504, retryable: true },
  VIGIL_ERR_NOTIFY_SMTP_TEMPORARY: { message: 'SMTP server deferred {step}: {reply}', status: 503, retryable: true },
  VIGIL_ERR_NOTIFY_SMTP_REJECTED: { message: 'SMTP server refused {step}: {reply}', status: 502, retryable: false },
  VIGIL_ERR_NOTIFY_SMTP_PROTOCOL: { message: 'SMTP server broke the protocol during {step}: {reason}', status: 502, retryable: true },
  VIGIL_ERR_NOTIFY_SMTP_NO_TLS: { message: 'SMTP server {target} does not offer STARTTLS and `startTls` is `required`', status: 502, retryable: false },
  VIGIL_ERR_NOTIFY_SMTP_NO_AUTH: { message: 'cannot authenticate to {target}: {reason}', status: 502, retryable: false },
  VIGIL_ERR_NOTIFY_RATE_LIMITED: { message: 'not sent: channel {channel} is over its limit of {maxPerMinute} notifications per minute', status: 429, retryable: false },
  VIGIL_ERR_NOTIFY_DROPPED: { message: 'not sent: {reason}', status: 503, retryable: false },
  VIGIL_ERR_NOTIFY_CA_UNREADABLE: { message: 'notification channel {channel}: CA file {path} is unreadable ({reason})', status: 500, retryable: false },
});

export type NotifyErrorCode = keyof typeof notifyErrors.specs;
