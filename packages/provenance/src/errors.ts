import { defineErrors } from '@vigil/runtime';

/** Provenance errors: why a signed batch was not accepted. All permanent: the batch goes to the DLQ. */
export const provenanceErrors = defineErrors({
  VIGIL_ERR_PROVENANCE_MALFORMED: { message: 'signed batch cannot be decoded: {reason}', status: 400, retryable: false },
  VIGIL_ERR_PROVENANCE_UNKNOWN_EDGE: {
    message: 'batch certificate was not issued by this Vigil CA ({subject})',
    status: 403,
    retryable: false,
  },
  VIGIL_ERR_PROVENANCE_CERT_EXPIRED: { message: 'edge certificate for {edgeId} is not valid at {at}', status: 403, retryable: false },
  VIGIL_ERR_PROVENANCE_REVOKED: { message: 'edge {edgeId} is revoked', status: 403, retryable: false },
  VIGIL_ERR_PROVENANCE_BAD_SIGNATURE: { message: 'signature of batch {sequence} from edge {edgeId} does not verify', status: 403, retryable: false },
  VIGIL_ERR_PROVENANCE_EDGE_MISMATCH: {
    message: 'batch claims edge {claimed} but is signed by certificate for {edgeId}',
    status: 403,
    retryable: false,
  },
  VIGIL_ERR_PROVENANCE_REPLAY: { message: 'batch {sequence} from edge {edgeId} was already seen (replay)', status: 409, retryable: false },
  VIGIL_ERR_PROVENANCE_PKI_CORRUPT: { message: 'PKI file {path} is unreadable: {reason}', status: 500, retryable: false },
});

export type ProvenanceErrorCode = keyof typeof provenanceErrors.specs;
