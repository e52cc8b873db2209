import { X509Certificate, createHash } from 'node:crypto';
import type { VigilError } from '@vigil/runtime';
import { commonNameOf } from './ca.ts';
import { provenanceErrors } from './errors.ts';

/** A certificate found to chain to the Vigil CA, with the edge it names. */
export interface TrustedCertificate {
  certificate: X509Certificate;
  edgeId: string;
  /** SHA-256 fingerprint of the certificate DER (hex); `vigil.signature.key_id` on events. */
  keyId: string;
}

/** Revocation check by edge id and certificate serial (hex, upper case as node:crypto prints it). */
export type RevocationCheck = (edgeId: string, serialNumber: string) => boolean;

/**
 * Decides whether an edge certificate may be believed right now: it must chain to the Vigil
 * CA, name an edge, be within its validity period and not be revoked. Chain checks are cached
 * by certificate fingerprint; validity and revocation are checked on every call, so a
 * revocation takes effect on the very next batch.
 */
export class CertificateTrust {
  readonly #ca: X509Certificate;
  readonly #isRevoked: RevocationCheck;
  readonly #now: () => number;
  readonly #chained = new Map<string, TrustedCertificate>();

  constructor(options: { caCertificatePem: string; isRevoked?: RevocationCheck; now?: () => number }) {
    this.#ca = new X509Certificate(options.caCertificatePem);
    this.#isRevoked = options.isRevoked ?? (() => false);
    this.#now = options.now ?? Date.now;
  }

  /** The trusted certificate for `der`, or the reason it is not trusted. */
  check(der: Uint8Array): TrustedCertificate | VigilError {
    const trusted = this.#chain(der);
    if ('code' in trusted) return trusted;
    if (this.#isRevoked(trusted.edgeId, trusted.certificate.serialNumber)) {
      return provenanceErrors.create('VIGIL_ERR_PROVENANCE_REVOKED', { edgeId: trusted.edgeId });
    }
    const now = this.#now();
    if (now < Date.parse(trusted.certificate.validFrom) || now > Date.parse(trusted.certificate.validTo)) {
      return provenanceErrors.create('VIGIL_ERR_PROVENANCE_CERT_EXPIRED', { edgeId: trusted.edgeId, at: new Date(now).toISOString() });
    }
    return trusted;
  }

  #chain(der: Uint8Array): TrustedCertificate | VigilError {
    const keyId = createHash('sha256').update(der).digest('hex');
    const cached = this.#chained.get(keyId);
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
    this.#chained.set(keyId, trusted);
    return trusted;
  }
}
