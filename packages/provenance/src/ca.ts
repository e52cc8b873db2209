import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

/**
 * Vigil's own certificate authority. It issues the X.509 certificates that name each edge;
 * a batch is trusted only when its certificate chains to this CA. Keys are made by
 * node:crypto (fast, native); certificates are built and signed by node-forge.
 */
export interface CertificateAuthority {
  certificatePem: string;
  privateKeyPem: string;
}

export interface KeyPairPem {
  publicKeyPem: string;
  privateKeyPem: string;
}

/** An RSA key pair; 2048 bits for edges, 3072 for the CA. */
export function generateRsaKeyPair(bits = 2048): KeyPairPem {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export function createCertificateAuthority(options: { commonName?: string; validityDays?: number } = {}): CertificateAuthority {
  const keys = generateRsaKeyPair(3072);
  const attributes = [
    { name: 'commonName', value: options.commonName ?? 'Vigil CA' },
    { name: 'organizationName', value: 'Vigil' },
  ];
  const certificate = newCertificate(keys.publicKeyPem, options.validityDays ?? 3650);
  certificate.setSubject(attributes);
  certificate.setIssuer(attributes);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  certificate.sign(forge.pki.privateKeyFromPem(keys.privateKeyPem), forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(certificate), privateKeyPem: keys.privateKeyPem };
}

/**
 * Issues an edge certificate: subject CN is the edge id, usable for signing and for TLS as a
 * client (to the core) and as a server (the edge's syslog TLS listener).
 */
export function issueEdgeCertificate(
  ca: CertificateAuthority,
  request: { edgeId: string; publicKeyPem: string; validityDays?: number },
): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(request.edgeId)) throw new Error(`invalid edge id ${JSON.stringify(request.edgeId)}`);
  const caCertificate = forge.pki.certificateFromPem(ca.certificatePem);
  const certificate = newCertificate(request.publicKeyPem, request.validityDays ?? 365);
  certificate.setSubject([
    { name: 'commonName', value: request.edgeId },
    { name: 'organizationName', value: 'Vigil' },
    { name: 'organizationalUnitName', value: 'edge' },
  ]);
  certificate.setIssuer(caCertificate.subject.attributes);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, critical: true },
    { name: 'extKeyUsage', clientAuth: true, serverAuth: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  certificate.sign(forge.pki.privateKeyFromPem(ca.privateKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(certificate);
}

/** What a TLS certificate is for, and the names a peer checks it against. */
export interface TlsCertificateRequest {
  commonName: string;
  publicKeyPem: string;
  /** Extended key usage: `serverAuth` for a listener, `clientAuth` for a client (both allowed). */
  serverAuth?: boolean;
  clientAuth?: boolean;
  /** subjectAltName entries: IP addresses become iPAddress entries, anything else a dNSName. */
  altNames?: readonly string[];
  validityDays?: number;
  /** Start of validity; defaults to five minutes ago (a past date with a short validity makes an expired certificate). */
  notBefore?: Date;
}

/** Issues a TLS server and/or client certificate signed by `ca` (e.g. for a syslog TLS listener and its senders). */
export function issueTlsCertificate(ca: CertificateAuthority, request: TlsCertificateRequest): string {
  const caCertificate = forge.pki.certificateFromPem(ca.certificatePem);
  const certificate = newCertificate(request.publicKeyPem, request.validityDays ?? 365, request.notBefore);
  // Most general part first, as X.509 subjects usually are: it prints as `CN=…, O=Vigil`.
  certificate.setSubject([
    { name: 'organizationName', value: 'Vigil' },
    { name: 'commonName', value: request.commonName },
  ]);
  certificate.setIssuer(caCertificate.subject.attributes);
  const extensions: object[] = [
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: request.serverAuth === true, clientAuth: request.clientAuth === true },
    { name: 'subjectKeyIdentifier' },
  ];
  if (request.altNames && request.altNames.length > 0) {
    const altNames = request.altNames.map((name) => (isIP(name) !== 0 ? { type: 7, ip: name } : { type: 2, value: name }));
    extensions.push({ name: 'subjectAltName', altNames });
  }
  certificate.setExtensions(extensions);
  certificate.sign(forge.pki.privateKeyFromPem(ca.privateKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(certificate);
}

function newCertificate(publicKeyPem: string, validityDays: number, notBefore = new Date(Date.now() - 5 * 60_000)): forge.pki.Certificate {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  // Positive 128-bit serial: the leading bit is cleared so DER does not read it as negative.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  certificate.serialNumber = serial.toString('hex');
  certificate.validity.notBefore = notBefore;
  certificate.validity.notAfter = new Date(notBefore.getTime() + validityDays * 86_400_000);
  return certificate;
}

/** A PKCS#10 certificate signing request whose self-signature checked out: its sender holds the private key. */
export interface CertificateRequestInfo {
  /** Subject CN, or null when the request names none. */
  commonName: string | null;
  publicKeyPem: string;
  /** RSA modulus length. */
  keyBits: number;
}

/**
 * Reads a PEM PKCS#10 request (RSA keys only, as node-forge supports) and checks its signature
 * against its own public key. Throws when it is unreadable or the signature does not verify.
 */
export function readCertificateRequest(csrPem: string): CertificateRequestInfo {
  const csr = forge.pki.certificationRequestFromPem(csrPem, true);
  if (!csr.publicKey || !csr.verify()) throw new Error('the request\'s signature does not verify against its public key');
  const publicKey = csr.publicKey as forge.pki.rsa.PublicKey;
  const commonName: unknown = csr.subject.getField('CN')?.value;
  return {
    commonName: typeof commonName === 'string' ? commonName : null,
    publicKeyPem: forge.pki.publicKeyToPem(publicKey),
    keyBits: publicKey.n.bitLength(),
  };
}

/** A PKCS#10 request naming `commonName`, signed with `keys` (what an enrolling or renewing edge sends). */
export function createCertificateRequest(commonName: string, keys: KeyPairPem): string {
  const csr = forge.pki.createCertificationRequest();
  csr.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  csr.setSubject([{ name: 'commonName', value: commonName }]);
  csr.sign(forge.pki.privateKeyFromPem(keys.privateKeyPem), forge.md.sha256.create());
  return forge.pki.certificationRequestToPem(csr);
}

/** The edge id (certificate CN) of a certificate. */
export function commonNameOf(certificate: X509Certificate): string | null {
  const match = /(?:^|\n)CN=([^\n]+)/.exec(certificate.subject);
  return match ? match[1]! : null;
}
