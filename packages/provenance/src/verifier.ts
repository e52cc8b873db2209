import { verify } from 'node:crypto';
import { decodeEventBatch, decodeSignedBatch, eventBatchBytes, signedBytes, type EventBatch, type SignedBatch } from '@vigil/schema';
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
 * and name the edge the batch claims; the signature must verify over the exact batch bytes. A
 * batch signed compressed is decompressed only once its signature holds.
 */
export class BatchVerifier {
  readonly #trust: CertificateTrust;

  constructor(options: VerifierOptions) {
    this.#trust = new CertificateTrust(options);
  }

  verify(bytes: Uint8Array): VerifiedBatch | RejectedBatch {
    let signed: SignedBatch;
    try {
      signed = decodeSignedBatch(bytes);
    } catch (error) {
      return reject(malformed(error), null);
    }
    if (signed.algorithm !== BATCH_SIGNATURE_ALGORITHM) {
      return reject(provenanceErrors.create('VIGIL_ERR_PROVENANCE_MALFORMED', { reason: `unsupported algorithm ${signed.algorithm}` }), claimedEdgeId(readBatch(signed)));
    }
    const trusted = this.#trust.check(signed.certificate);
    if ('code' in trusted) return reject(trusted, claimedEdgeId(readBatch(signed)));
    if (!verify('sha256', signedBytes(signed), trusted.certificate.publicKey, signed.signature)) {
      const batch = readBatch(signed);
      const sequence = 'code' in batch ? 'unreadable' : batch.sequence.toString();
      return reject(provenanceErrors.create('VIGIL_ERR_PROVENANCE_BAD_SIGNATURE', { edgeId: trusted.edgeId, sequence }), claimedEdgeId(batch));
    }
    const batch = readBatch(signed);
    if ('code' in batch) return reject(batch, trusted.edgeId);
    if (batch.edgeId !== trusted.edgeId) {
      return reject(provenanceErrors.create('VIGIL_ERR_PROVENANCE_EDGE_MISMATCH', { claimed: batch.edgeId, edgeId: trusted.edgeId }), claimedEdgeId(batch));
    }
    return { ok: true, batch, edgeId: trusted.edgeId, keyId: trusted.keyId };
  }
}

/** The batch inside a signed batch (decompressed when it is held compressed), or why it cannot be read. */
function readBatch(signed: SignedBatch): EventBatch | VigilError {
  try {
    return decodeEventBatch(eventBatchBytes(signed));
  } catch (error) {
    return malformed(error);
  }
}

/** The edge a rejected batch claims to come from, when its batch could be read. */
function claimedEdgeId(batch: EventBatch | VigilError): string | null {
  return 'code' in batch ? null : batch.edgeId || null;
}

function malformed(error: unknown): VigilError {
  return provenanceErrors.create('VIGIL_ERR_PROVENANCE_MALFORMED', { reason: (error as Error).message });
}

function reject(error: VigilError, claimedEdgeId: string | null): RejectedBatch {
  return { ok: false, error, claimedEdgeId };
}
