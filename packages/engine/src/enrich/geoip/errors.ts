import { defineErrors, type VigilError } from '@vigil/runtime';

/**
 * GeoIP errors. A database that cannot be read or is not a valid MaxMind DB file stops
 * start-up; the same code on a lookup means a corrupt record, which is counted and skipped.
 * Permanent: the same file gives the same answer.
 */
export const geoipErrors = defineErrors({
  VIGIL_ERR_GEOIP_DATABASE_UNREADABLE: { message: 'GeoIP database {path} cannot be read: {reason}', status: 500, retryable: false },
  VIGIL_ERR_GEOIP_DATABASE_INVALID: { message: 'GeoIP database {path} is not a valid MaxMind DB file: {reason}', status: 500, retryable: false },
});

/** The codes of `geoipErrors`. */
export type GeoipErrorCode = keyof typeof geoipErrors.specs;

/** The error for a malformed `.mmdb` file; `path` names the file (or buffer) in the message. */
export function invalidDatabase(path: string, reason: string): VigilError {
  return geoipErrors.create('VIGIL_ERR_GEOIP_DATABASE_INVALID', { path, reason });
}
