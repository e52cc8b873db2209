import { defineErrors } from '@vigil/runtime';

/**
 * Error codes of threat-intelligence feeds. A feed that cannot be read keeps its previous
 * indicators and is tried again at its next refresh, so every code is retryable.
 */
export const intelErrors = defineErrors({
  VIGIL_ERR_INTEL_FEED_UNREADABLE: { message: 'threat-intel feed {location} is unreadable: {reason}', status: 502, retryable: true },
  VIGIL_ERR_INTEL_FEED_TOO_LARGE: { message: 'threat-intel feed {location} is larger than {maxBytes} bytes; raise maxFeedBytes or trim the feed', status: 502, retryable: true },
});

/** A threat-intel error code. */
export type IntelErrorCode = keyof typeof intelErrors.specs;
