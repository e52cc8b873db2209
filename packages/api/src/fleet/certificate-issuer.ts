import { X509Certificate, verify } from 'node:crypto';
import { CertificateTrust, issueEdgeCertificate, readCertificateRequest, type CertificateAuthority } from '@vigil/provenance';
import { describeError } from '@vigil/runtime';
import { apiErrors } from '../errors.ts';

/** Smallest RSA key an edge may enroll with. */
const MIN_KEY_BITS = 2048;

/** A certificate issued at enrollment or renewal, as the edge receives it. */
export interface IssuedCertificate {
  readonly edgeId: string;
  readonly certificatePem: string;
  readonly caCertificatePem: string;
  /** Serial number, hex upper case. */
  readonly serial: string;
  readonly notAfterMs: number;
}

/**
 * The CA side of enrollment and renewal: checks certificate signing requests (the requester
 * must hold the key and name the right edge) and renewal proofs (a signature made with the
 * current, still trusted certificate's key), and issues edge certificates.
 */
export class CertificateIssuer {
  readonly #ca: CertificateAuthority;
  readonly #validityDays: number;
  readonly #trust: CertificateTrust;

  constructor(options: { ca: CertificateAuthority; validityDays: number; now: () => number }) {
    this.#ca = options.ca;
    this.#validityDays = options.validityDays;
    // Revocation is checked by the caller against the fleet repository, which is asynchronous.
    this.#trust = new CertificateTrust({ caCertificatePem: options.ca.certificatePem, now: options.now });
  }

  /** The public key of a CSR that proves possession of its key and names `edgeId`; throws VIGIL_ERR_API_CSR_INVALID. */
  checkRequest(csrPem: string, edgeId: string): string {
    let request: ReturnType<typeof readCertificateRequest>;
    try {
      request = readCertificateRequest(csrPem);
    } catch (error) {
      throw apiErrors.create('VIGIL_ERR_API_CSR_INVALID', { reason: `not a valid signed PKCS#10 request with an RSA key (${describeError(error)})` });
    }
    if (request.commonName !== edgeId) {
      throw apiErrors.create('VIGIL_ERR_API_CSR_INVALID', { reason: `it names CN ${JSON.stringify(request.commonName)}, but must name edge ${JSON.stringify(edgeId)}` });
    }
    if (request.keyBits < MIN_KEY_BITS) {
      throw apiErrors.create('VIGIL_ERR_API_CSR_INVALID', { reason: `its RSA key has ${request.keyBits} bits; at least ${MIN_KEY_BITS} are needed` });
    }
    return request.publicKeyPem;
  }

  /**
   * The edge a renewal request comes from: `certificatePem` must chain to the CA and be valid
   * now, and `signatureBase64` must be its key's RSA-SHA256 signature over `csrPem`'s UTF-8
   * bytes. Throws VIGIL_ERR_API_RENEW_REFUSED. Does not check revocation.
   */
  authenticateRenewal(certificatePem: string, csrPem: string, signatureBase64: string): string {
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(certificatePem);
    } catch (error) {
      throw apiErrors.create('VIGIL_ERR_API_RENEW_REFUSED', { reason: `the current certificate is unreadable (${describeError(error)})` });
    }
    const trusted = this.#trust.check(certificate.raw);
    if ('code' in trusted) throw apiErrors.create('VIGIL_ERR_API_RENEW_REFUSED', { reason: `${trusted.message} (${trusted.code})` });
    if (!verifies(csrPem, trusted.certificate, signatureBase64)) throw apiErrors.create('VIGIL_ERR_API_RENEW_REFUSED', { reason: 'the signature over csrPem does not verify with the current certificate\'s key' });
    return trusted.edgeId;
  }

  /** Issues a certificate for `edgeId` with the given public key. */
  issue(edgeId: string, publicKeyPem: string): IssuedCertificate {
    const certificatePem = issueEdgeCertificate(this.#ca, { edgeId, publicKeyPem, validityDays: this.#validityDays });
    const certificate = new X509Certificate(certificatePem);
    return {
      edgeId,
      certificatePem,
      caCertificatePem: this.#ca.certificatePem,
      serial: certificate.serialNumber,
      notAfterMs: Date.parse(certificate.validTo),
    };
  }
}

function verifies(csrPem: string, certificate: X509Certificate, signatureBase64: string): boolean {
  try {
    return verify('sha256', Buffer.from(csrPem, 'utf8'), certificate.publicKey, Buffer.from(signatureBase64, 'base64'));
  } catch {
    // A signature node:crypto cannot even parse is simply a signature that does not verify.
    return false;
  }
}
