import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
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

/** Issues an edge certificate: subject CN is the edge id, usable for signing and TLS client auth. */
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
    { name: 'extKeyUsage', clientAuth: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  certificate.sign(forge.pki.privateKeyFromPem(ca.privateKeyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(certificate);
}

function newCertificate(publicKeyPem: string, validityDays: number): forge.pki.Certificate {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  // Positive 128-bit serial: the leading bit is cleared so DER does not read it as negative.
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f;
  certificate.serialNumber = serial.toString('hex');
  const notBefore = new Date(Date.now() - 5 * 60_000);
  certificate.validity.notBefore = notBefore;
  certificate.validity.notAfter = new Date(notBefore.getTime() + validityDays * 86_400_000);
  return certificate;
}

/** The edge id (certificate CN) of a certificate. */
export function commonNameOf(certificate: X509Certificate): string | null {
  const match = /(?:^|\n)CN=([^\n]+)/.exec(certificate.subject);
  return match ? match[1]! : null;
}
