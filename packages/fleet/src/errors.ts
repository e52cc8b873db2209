import { defineErrors } from '@vigil/runtime';

/** Control-plane errors: heartbeats, revocation lists, commands. */
export const fleetErrors = defineErrors({
  VIGIL_ERR_FLEET_BAD_REVOCATION_LIST: { message: 'revocation list does not match the schema: {reason}', status: 400, retryable: false },
  VIGIL_ERR_FLEET_BAD_SUPPRESSION_LIST: { message: 'suppression list does not match the schema: {reason}', status: 400, retryable: false },
  VIGIL_ERR_FLEET_BAD_RULE_STATE_LIST: { message: 'list of disabled rules does not match the schema: {reason}', status: 400, retryable: false },
  VIGIL_ERR_FLEET_BAD_HEARTBEAT: { message: 'heartbeat does not match the schema or its signer: {reason}', status: 400, retryable: false },
  VIGIL_ERR_FLEET_HEARTBEAT_FAILED: { message: 'heartbeat could not be sent: {reason}', status: 503, retryable: true },
  VIGIL_ERR_FLEET_STATE_UNREADABLE: { message: 'fleet state file {path} is unreadable: {reason}', status: 500, retryable: false },
  VIGIL_ERR_FLEET_STATE_UNWRITABLE: { message: 'fleet state file {path} could not be written: {reason}', status: 500, retryable: true },
  VIGIL_ERR_FLEET_BAD_COMMAND: { message: 'command does not match the schema: {reason}', status: 400, retryable: false },
  VIGIL_ERR_FLEET_COMMAND_WRONG_EDGE: { message: 'command {commandId} is for edge {target}, not for this edge {edgeId}', status: 400, retryable: false },
  VIGIL_ERR_FLEET_COMMAND_EXPIRED: { message: 'command {commandId} expired at {expiresAt}, before this edge saw it', status: 400, retryable: false },
  VIGIL_ERR_FLEET_COMMAND_FAILED: { message: 'command {commandId} ({action}) failed: {reason}', status: 500, retryable: false },
  VIGIL_ERR_FLEET_RESULT_NOT_SENT: { message: 'the result of command {commandId} could not be sent: {reason}', status: 503, retryable: true },
  VIGIL_ERR_FLEET_AUDIT_UNWRITABLE: { message: 'the command record {path} could not be written: {reason}', status: 500, retryable: true },
  VIGIL_ERR_FLEET_RENEWAL_FAILED: { message: 'the edge certificate could not be renewed: {reason}', status: 503, retryable: true },
  VIGIL_ERR_FLEET_CERTIFICATE_EXPIRED: {
    message: 'the edge certificate expired at {notAfter}; the API renews only valid certificates: enroll again with `vigil enroll --force`',
    status: 401,
    retryable: true,
  },
  VIGIL_ERR_FLEET_BAD_CERTIFICATE: { message: 'the certificate the Vigil API issued cannot be used: {reason}', status: 502, retryable: true },
  VIGIL_ERR_FLEET_IDENTITY_UNWRITABLE: {
    message: 'the renewed identity is in use but could not be saved in {dir} ({reason}); after a restart the edge uses its old certificate',
    status: 500,
    retryable: true,
  },
  VIGIL_ERR_FLEET_IDENTITY_EXISTS: { message: 'an edge identity already exists in {dir}; pass --force to replace it', status: 409, retryable: false },
  VIGIL_ERR_FLEET_API_UNREACHABLE: { message: 'the Vigil API at {url} cannot be reached: {reason}', status: 503, retryable: true },
  VIGIL_ERR_FLEET_ENROLL_TOKEN_REFUSED: {
    message: 'the Vigil API refused the enrollment token (unknown, expired or already used): ask an admin for a new one ({reason})',
    status: 401,
    retryable: false,
  },
  VIGIL_ERR_FLEET_RENEWAL_REFUSED: { message: 'the Vigil API refused to renew the certificate: {reason}', status: 401, retryable: true },
  VIGIL_ERR_FLEET_EDGE_REVOKED: { message: 'the Vigil API says edge {edgeId} is revoked ({reason}): a revoked edge can neither enroll nor renew; ask an admin', status: 409, retryable: false },
  VIGIL_ERR_FLEET_NO_CA_CERTIFICATE: {
    message: 'no Vigil CA certificate at {path}: this edge ignores commands from the core until it has one (`vigil enroll` stores it, or set VIGIL_CA_CERT)',
    status: 500,
    retryable: false,
  },
  VIGIL_ERR_FLEET_API_ERROR: { message: 'the Vigil API answered {status} to {route}: {reason}', status: 502, retryable: true },
});

export type FleetErrorCode = keyof typeof fleetErrors.specs;
