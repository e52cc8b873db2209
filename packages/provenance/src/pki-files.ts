import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, generateRsaKeyPair, issueEdgeCertificate, type CertificateAuthority } from './ca.ts';
import type { EdgeIdentity } from './signer.ts';

/**
 * Where keys and certificates live on disk. Private keys are written 0600 and atomically
 * (write to a temporary file, then rename), so a crash never leaves half a key behind.
 *
 *   <pkiDir>/ca.crt, ca.key          the Vigil CA (core side)
 *   <identityDir>/edge.crt, edge.key  one edge's identity (edge side)
 */

/** Loads the CA from `pkiDir`, creating it on first start. */
export function loadOrCreateCa(pkiDir: string): CertificateAuthority {
  const certificatePath = join(pkiDir, 'ca.crt');
  const keyPath = join(pkiDir, 'ca.key');
  if (existsSync(certificatePath) && existsSync(keyPath)) {
    return { certificatePem: readFileSync(certificatePath, 'utf8'), privateKeyPem: readFileSync(keyPath, 'utf8') };
  }
  const ca = createCertificateAuthority();
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(keyPath, ca.privateKeyPem, 0o600);
  writeFileAtomic(certificatePath, ca.certificatePem, 0o644);
  return ca;
}

/** Loads an edge identity from `identityDir`, or null when the edge has not enrolled. */
export function loadEdgeIdentity(identityDir: string, edgeId: string): EdgeIdentity | null {
  const certificatePath = join(identityDir, 'edge.crt');
  const keyPath = join(identityDir, 'edge.key');
  if (!existsSync(certificatePath) || !existsSync(keyPath)) return null;
  return { edgeId, certificatePem: readFileSync(certificatePath, 'utf8'), privateKeyPem: readFileSync(keyPath, 'utf8') };
}

/** Stores an edge identity with its private key readable by the owner only. */
export function saveEdgeIdentity(identityDir: string, identity: EdgeIdentity): void {
  mkdirSync(identityDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(join(identityDir, 'edge.key'), identity.privateKeyPem, 0o600);
  writeFileAtomic(join(identityDir, 'edge.crt'), identity.certificatePem, 0o644);
}

/**
 * All-in-one mode: the edge enrolls itself with the local CA at first start (generates its
 * key, gets a certificate) and reuses that identity afterwards.
 */
export function loadOrEnrollLocalEdge(identityDir: string, ca: CertificateAuthority, edgeId: string): EdgeIdentity {
  const existing = loadEdgeIdentity(identityDir, edgeId);
  if (existing) return existing;
  const keys = generateRsaKeyPair();
  const identity = { edgeId, privateKeyPem: keys.privateKeyPem, certificatePem: issueEdgeCertificate(ca, { edgeId, publicKeyPem: keys.publicKeyPem }) };
  saveEdgeIdentity(identityDir, identity);
  return identity;
}

/** Writes a file so that readers see the old or the new content, never a torn one. */
export function writeFileAtomic(path: string, content: string | Uint8Array, mode = 0o644): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode, flush: true });
  renameSync(temporary, path);
}
