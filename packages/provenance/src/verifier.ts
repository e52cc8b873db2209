import { X509Certificate, createHash, verify } from 'node:crypto';
import { decodeEventBatch, decodeSignedBatch, type EventBatch } from '@vigil/schema';
import type { VigilError } from '@vigil/runtime';
import { commonNameOf } from './ca.ts';
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
  isRevoked?: (edgeId: string, serialNumber: string) => boolean;
  now?: () => number;
}

interface TrustedCertificate {
  certificate: X509Certificate;
  edgeId: string;
  keyId: string;
}

/**
 * Checks signed batches: the certificate must chain to our CA, be valid now, not be revoked
 * and name the edge the batch claims; the signature must verify over the exact batch bytes.
 * Verified certificates are cached by their DER hash so the chain is checked once per edge.
 */
export class BatchVerifier {
  readonly #ca: X509Certificate;
  readonly #isRevoked: (edgeId: string, serialNumber: string) => boolean;
  readonly #now: () => number;
  readonly #trusted = new Map<string, TrustedCertificate>();

  constructor(options: VerifierOptions) {
    this.#ca = new X509Certificate(options.caCertificatePem);
    this.#isRevoked = options.isRevoked ?? (() => false);
    this.#now = options.now ?? Date.now;
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
    const trusted = this.#trust(signed.certificate);
    if ('code' in trusted) return reject(trusted, claimed);
    if (this.#isRevoked(trusted.edgeId, trusted.certificate.serialNumber)) {
      return reject(provenanceErrors.create('VIGIL_ERR_PROVENANCE_REVOKED', { edgeId: trusted.edgeId }), claimed);
    }
    const now = this.#now();
    if (now < Date.parse(trusted.certificate.validFrom) || now > Date.parse(trusted.certificate.validTo)) {
      return reject(
        provenanceErrors.create('VIGIL_ERR_PROVENANCE_CERT_EXPIRED', { edgeId: trusted.edgeId, at: new Date(now).toISOString() }),
        claimed,
      );
    }
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

  #trust(der: Uint8Array): TrustedCertificate | VigilError {
    const keyId = createHash('sha256').update(der).digest('hex');
    const cached = this.#trusted.get(keyId);
    if (cached) return cached;
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(der);
    } catch (error) {
      return provenanceErrors.create('VIGIL_ERR_PROVENANCE_MALFORMED', { reason: `certificate: ${(error as Error).message}` });
    }
    const edgeId = commonNameOf(certificate);
    if (!edgeId || !certificate.checkIssued(this.#ca) || !certificate.verify(this.#ca.publicKey)) {
      return provenanceErrors.create('VIGIL_ERR_PROVENANCE_UNKNOWN_EDGE', { subject: certificate.subject.replace(/\n/g, ', ') });
    }
    const trusted = { certificate, edgeId, keyId };
    this.#trusted.set(keyId, trusted);
    return trusted;
  }
}

function reject(error: VigilError, claimedEdgeId: string | null): RejectedBatch {
  return { ok: false, error, claimedEdgeId };
}
