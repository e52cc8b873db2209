import { verify } from 'node:crypto';
import { decodeEventBatch, decodeSignedBatch, type EventBatch } from '@vigil/schema';
import type { VigilError } from '@vigil/runtime';
import { CertificateTrust, type RevocationCheck } from './certificate-trust.ts';
import { provenanceErrors } from './errors.ts';
import { BATCH_SIGNATURE_ALGORITHM } from './signer.ts';

export interface VerifiedBatch {
  ok: true;
  batch: EventBatch;
  edgeId: string;
  /** SHA-256 fingerprint of the signing certificate (hex), recorded on events as `vigil.signature.key_id`. */
  keyId: string;
}

export interface RejectedBatch {
  ok: false;
  error: VigilError;
  /** The edge the batch claims to come from, when that much could be read. */
  claimedEdgeId: string | null;
}

export interface VerifierOptions {
  caCertificatePem: string;
  /** Revocation check by edge id and certificate serial; revoked edges are rejected at once. */
  isRevoked?: RevocationCheck;
  now?: () => number;
}

/**
 * Checks signed batches: the certificate must chain to our CA, be valid now, not be revoked
 * and name the edge the batch claims; the signature must verify over the exact batch bytes.
 */
export class BatchVerifier {
  readonly #trust: CertificateTrust;

  constructor(options: VerifierOptions) {
    this.#trust = new CertificateTrust(options);
  }

  verify(bytes: Uint8Array): VerifiedBatch | RejectedBatch {
    let signed;
    let batch: EventBatch;
    try {
      signed = decodeSignedBatch(bytes);
      batch = decodeEventBatch(signed.batch);
    } catch (error) {
      return reject(provenanceErrors.create('VIGIL_ERR_PROVENANCE_MALFORMED', { reason: (error as Error).message }), null);
    }
    const claimed = batch.edgeId || null;
    if (signed.algorithm !== BATCH_SIGNATURE_ALGORITHM) {
      return reject(provenanceErrors.create('VIGIL_ERR_PROVENANCE_MALFORMED', { reason: `unsupported algorithm ${signed.algorithm}` }), claimed);
    }
    const trusted = this.#trust.check(signed.certificate);
    if ('code' in trusted) return reject(trusted, claimed);
    if (!verify('sha256', signed.batch, trusted.certificate.publicKey, signed.signature)) {
      return reject(
        provenanceErrors.create('VIGIL_ERR_PROVENANCE_BAD_SIGNATURE', { edgeId: trusted.edgeId, sequence: batch.sequence.toString() }),
        claimed,
      );
    }
    if (batch.edgeId !== trusted.edgeId) {
      return reject(provenanceErrors.create('VIGIL_ERR_PROVENANCE_EDGE_MISMATCH', { claimed: batch.edgeId, edgeId: trusted.edgeId }), claimed);
    }
    return { ok: true, batch, edgeId: trusted.edgeId, keyId: trusted.keyId };
  }
}

function reject(error: VigilError, claimedEdgeId: string | null): RejectedBatch {
  return { ok: false, error, claimedEdgeId };
}
