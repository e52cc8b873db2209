import { X509Certificate, createPublicKey, sign, verify } from 'node:crypto';
import {
  commonNameOf,
  createCertificateRequest,
  generateRsaKeyPair,
  issueEdgeCertificate,
  readCertificateRequest,
  saveEdgeIdentity,
  type CertificateAuthority,
  type EdgeIdentity,
  type KeyPairPem,
} from '@vigil/provenance';
import { backoffDelayMs, describeError, errorCode, type Component, type Logger, type Metrics } from '@vigil/runtime';
import { fleetErrors } from './errors.ts';

const DAY_MS = 86_400_000;

/** What an edge sends to renew (`POST /api/v1/edges/renew`): proof that it holds the current key, and a CSR for the next one. */
export interface RenewalRequest {
  /** The certificate in use now (PEM). */
  certificatePem: string;
  /** PKCS#10 request for the new key, CN = edge id. */
  csrPem: string;
  /** Base64 RSA-SHA256 signature over the UTF-8 bytes of `csrPem`, made with the current key. */
  signature: string;
}

/** What the API answers to an enrollment or a renewal (201). */
export interface IssuedCertificate {
  edgeId: string;
  certificatePem: string;
  caCertificatePem: string;
  /** Serial number, hex upper case. */
  serial: string;
  /** ISO 8601 end of validity. */
  notAfter: string;
}

/** Asks the CA for a certificate for a new key: over HTTP for a standalone edge, the local CA in all-in-one mode. */
export type RenewCertificate = (request: RenewalRequest) => Promise<IssuedCertificate>;

/** When to check and renew (the edge's `identity` config section). */
export interface RenewalSchedule {
  checkIntervalMs: number;
  /** Renew when less than this remains; a third of the lifetime when that is shorter. */
  renewBeforeMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

export const DEFAULT_RENEWAL_SCHEDULE: Readonly<RenewalSchedule> = Object.freeze({
  checkIntervalMs: 3_600_000,
  renewBeforeMs: 30 * DAY_MS,
  retryBaseMs: 60_000,
  retryMaxMs: 3_600_000,
});

export interface CertificateRenewerOptions {
  identity: EdgeIdentity;
  /** Where the identity lives (`edge.key`, `edge.crt`); the renewed one replaces it atomically. */
  identityDir: string;
  /**
   * The Vigil CA certificate new certificates must chain to. Without it, the CA named in the
   * answer is trusted only if it also issued the certificate in use now.
   */
  caCertificatePem?: string | undefined;
  renew: RenewCertificate;
  /** Called with the renewed identity: swap every signer here. */
  onRenewed(identity: EdgeIdentity): void;
  schedule?: Partial<RenewalSchedule>;
  metrics: Metrics;
  logger: Logger;
  now?: () => number;
  /** Key generation; RSA-2048 by default. */
  generateKeys?: () => KeyPairPem;
}

/** What one check did. */
export type RenewalOutcome = 'not-due' | 'renewed' | 'failed';

/** Serial and end of validity of the certificate in use, as heartbeats report it. */
export interface CertificateStatus {
  serial: string;
  notAfter: string;
}

/**
 * Keeps the edge certificate fresh. At start and every `checkIntervalMs` it looks at the
 * certificate's end of validity; when less than `renewBeforeMs` (or a third of the lifetime)
 * remains, it makes a new key and CSR, proves it holds the current key, asks `renew`, checks
 * the answer (CN, chain to the CA, public key), saves the identity and hands it to
 * `onRenewed`. A failure is logged with its code and retried with backoff; the edge keeps
 * running on its current certificate either way.
 */
export class CertificateRenewer implements Component {
  readonly name = 'certificate-renewer';
  readonly #options: CertificateRenewerOptions;
  readonly #now: () => number;
  readonly #renewals: ReturnType<Metrics['counter']>;
  readonly #expiry: ReturnType<Metrics['gauge']>;
  #schedule: RenewalSchedule;
  #identity: EdgeIdentity;
  #certificate: X509Certificate;
  #failures = 0;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<RenewalOutcome> | undefined;
  #running = false;

  constructor(options: CertificateRenewerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#schedule = { ...DEFAULT_RENEWAL_SCHEDULE, ...options.schedule };
    this.#identity = options.identity;
    this.#certificate = new X509Certificate(options.identity.certificatePem);
    this.#renewals = options.metrics.counter('vigil_edge_certificate_renewals_total', 'Edge certificate renewal attempts, by outcome (renewed, failed).', ['outcome']);
    this.#expiry = options.metrics.gauge('vigil_edge_certificate_expiry_seconds', 'Unix time (seconds) at which the edge certificate in use expires.');
    this.#expiry.set(this.#notAfterMs() / 1000);
  }

  /** The identity in use (the renewed one after a renewal). */
  get identity(): EdgeIdentity {
    return this.#identity;
  }

  /** Serial and end of validity of the certificate in use. */
  certificateStatus(): CertificateStatus {
    return { serial: this.#certificate.serialNumber, notAfter: new Date(this.#notAfterMs()).toISOString() };
  }

  /** When renewal becomes due: `renewBeforeMs` before the end of validity, or a third of the lifetime if that is shorter. */
  dueAtMs(): number {
    const notAfter = this.#notAfterMs();
    const lifetime = notAfter - Date.parse(this.#certificate.validFrom);
    return notAfter - Math.min(this.#schedule.renewBeforeMs, Math.max(0, lifetime) / 3);
  }

  /** Changes the schedule (a configuration reload); the next check follows it. */
  configure(schedule: Partial<RenewalSchedule>): void {
    this.#schedule = { ...this.#schedule, ...schedule };
    if (this.#running && this.#checking === undefined) this.#plan(this.#delayAfter('not-due'));
  }

  async start(): Promise<void> {
    this.#running = true;
    // The first check runs in the background: a slow or absent API must not hold up the edge.
    this.#plan(0);
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#checking;
  }

  /** Checks now and renews when due. Never throws; one check at a time. */
  check(): Promise<RenewalOutcome> {
    this.#checking ??= this.#check().finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  #plan(delayMs: number): void {
    clearTimeout(this.#timer);
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      void this.check().then((outcome) => this.#plan(this.#delayAfter(outcome)));
    }, delayMs);
    this.#timer.unref();
  }

  #delayAfter(outcome: RenewalOutcome): number {
    const { checkIntervalMs, retryBaseMs, retryMaxMs } = this.#schedule;
    if (outcome === 'failed') return Math.max(retryBaseMs, backoffDelayMs(this.#failures - 1, retryBaseMs, retryMaxMs));
    // Wake up at the due time when it comes before the next regular check.
    return Math.min(checkIntervalMs, Math.max(1_000, this.dueAtMs() - this.#now()));
  }

  async #check(): Promise<RenewalOutcome> {
    const now = this.#now();
    this.#expiry.set(this.#notAfterMs() / 1000);
    if (now < this.dueAtMs()) return 'not-due';
    const { logger } = this.#options;
    try {
      const renewed = await this.#renew();
      this.#failures = 0;
      this.#renewals.inc({ outcome: 'renewed' });
      logger.info({ serial: renewed.serialNumber, notAfter: new Date(renewed.validTo).toISOString() }, 'edge certificate renewed');
      return 'renewed';
    } catch (error) {
      this.#failures++;
      this.#renewals.inc({ outcome: 'failed' });
      const expired = now >= this.#notAfterMs();
      const failure = expired
        ? fleetErrors.create('VIGIL_ERR_FLEET_CERTIFICATE_EXPIRED', { notAfter: new Date(this.#notAfterMs()).toISOString() })
        : fleetErrors.is(error)
          ? error
          : fleetErrors.create('VIGIL_ERR_FLEET_RENEWAL_FAILED', { reason: describeError(error) });
      logger.error(
        { code: errorCode(failure), reason: describeError(error), attempt: this.#failures, notAfter: new Date(this.#notAfterMs()).toISOString() },
        `${failure.message}; retrying with backoff`,
      );
      return 'failed';
    }
  }

  async #renew(): Promise<X509Certificate> {
    const { renew, identityDir, logger, onRenewed } = this.#options;
    const current = this.#identity;
    const keys = (this.#options.generateKeys ?? generateRsaKeyPair)();
    const csrPem = createCertificateRequest(current.edgeId, keys);
    const signature = sign('sha256', Buffer.from(csrPem, 'utf8'), current.privateKeyPem).toString('base64');
    const answer = await renew({ certificatePem: current.certificatePem, csrPem, signature });
    const anchor = this.#options.caCertificatePem ?? answer.caCertificatePem;
    if (this.#options.caCertificatePem === undefined && !issuedBy(this.#certificate, anchor)) {
      throw fleetErrors.create('VIGIL_ERR_FLEET_BAD_CERTIFICATE', { reason: 'the CA in the answer did not issue the certificate in use' });
    }
    const certificate = checkIssuedCertificate(answer, { edgeId: current.edgeId, publicKeyPem: keys.publicKeyPem, caCertificatePem: anchor, now: this.#now() });
    const identity: EdgeIdentity = { edgeId: current.edgeId, privateKeyPem: keys.privateKeyPem, certificatePem: answer.certificatePem };
    try {
      saveEdgeIdentity(identityDir, identity);
    } catch (error) {
      // The new certificate is valid either way: use it now, and say that a restart falls back.
      logger.error({ code: 'VIGIL_ERR_FLEET_IDENTITY_UNWRITABLE', dir: identityDir, reason: describeError(error) }, fleetErrors.create('VIGIL_ERR_FLEET_IDENTITY_UNWRITABLE', { dir: identityDir, reason: describeError(error) }).message);
    }
    onRenewed(identity);
    this.#identity = identity;
    this.#certificate = certificate;
    this.#expiry.set(this.#notAfterMs() / 1000);
    return certificate;
  }

  #notAfterMs(): number {
    return Date.parse(this.#certificate.validTo);
  }
}

/**
 * Checks a certificate the API issued before the edge uses it: it must name `edgeId` (CN),
 * be signed by the CA, carry the public key the edge asked for and be valid now. Returns it
 * parsed; throws VIGIL_ERR_FLEET_BAD_CERTIFICATE saying what is wrong.
 */
export function checkIssuedCertificate(
  answer: Pick<IssuedCertificate, 'certificatePem'>,
  expected: { edgeId: string; publicKeyPem: string; caCertificatePem: string; now?: number },
): X509Certificate {
  const bad = (reason: string) => fleetErrors.create('VIGIL_ERR_FLEET_BAD_CERTIFICATE', { reason });
  let certificate: X509Certificate;
  let ca: X509Certificate;
  try {
    certificate = new X509Certificate(answer.certificatePem);
  } catch (error) {
    throw bad(`the certificate is unreadable (${describeError(error)})`);
  }
  try {
    ca = new X509Certificate(expected.caCertificatePem);
  } catch (error) {
    throw bad(`the CA certificate is unreadable (${describeError(error)})`);
  }
  const commonName = commonNameOf(certificate);
  if (commonName !== expected.edgeId) throw bad(`it names CN ${JSON.stringify(commonName)}, not this edge ${JSON.stringify(expected.edgeId)}`);
  if (!ca.ca) throw bad('the CA certificate is not a CA certificate');
  if (!issuedBy(certificate, ca)) throw bad(`it was not issued by the CA ${ca.subject.replace(/\n/g, ', ')}`);
  const expectedKey = createPublicKey(expected.publicKeyPem).export({ type: 'spki', format: 'der' });
  if (!certificate.publicKey.export({ type: 'spki', format: 'der' }).equals(expectedKey)) throw bad('it carries another public key than the one this edge generated');
  const now = expected.now ?? Date.now();
  if (now < Date.parse(certificate.validFrom) - 5 * 60_000 || now >= Date.parse(certificate.validTo)) {
    throw bad(`it is not valid now (valid from ${certificate.validFrom} to ${certificate.validTo})`);
  }
  return certificate;
}

function issuedBy(certificate: X509Certificate, ca: X509Certificate | string): boolean {
  try {
    const issuer = typeof ca === 'string' ? new X509Certificate(ca) : ca;
    return certificate.checkIssued(issuer) && certificate.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * Renewal from a CA held in this process (all-in-one mode): checks the CSR and the proof of
 * the current key as the API does, and issues from the local CA.
 */
export function localCaRenewal(ca: CertificateAuthority, validityDays?: number): RenewCertificate {
  return async (request) => {
    const current = new X509Certificate(request.certificatePem);
    const edgeId = commonNameOf(current);
    if (!edgeId || !issuedBy(current, ca.certificatePem)) throw fleetErrors.create('VIGIL_ERR_FLEET_RENEWAL_REFUSED', { reason: 'the current certificate is not from this CA' });
    if (!verify('sha256', Buffer.from(request.csrPem, 'utf8'), current.publicKey, Buffer.from(request.signature, 'base64'))) {
      throw fleetErrors.create('VIGIL_ERR_FLEET_RENEWAL_REFUSED', { reason: 'the signature over the CSR does not verify with the current key' });
    }
    const csr = readCertificateRequest(request.csrPem);
    if (csr.commonName !== edgeId) throw fleetErrors.create('VIGIL_ERR_FLEET_RENEWAL_REFUSED', { reason: `the CSR names ${JSON.stringify(csr.commonName)}, not ${edgeId}` });
    const certificatePem = issueEdgeCertificate(ca, { edgeId, publicKeyPem: csr.publicKeyPem, ...(validityDays !== undefined && { validityDays }) });
    const issued = new X509Certificate(certificatePem);
    return { edgeId, certificatePem, caCertificatePem: ca.certificatePem, serial: issued.serialNumber, notAfter: new Date(issued.validTo).toISOString() };
  };
}
