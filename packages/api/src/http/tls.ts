import { readFileSync } from 'node:fs';
import { describeError } from '@vigil/runtime';
import { generateRsaKeyPair, issueTlsCertificate } from '@vigil/provenance';
import type { ApiConfig } from '../config.ts';
import { apiErrors } from '../errors.ts';

/** What the HTTPS server presents. */
export interface ServerCredentials {
  readonly cert: string;
  readonly key: string;
  readonly minVersion: ApiConfig['tls']['minVersion'];
}

/**
 * The API's certificate and key when `api.tls` is on: from certFile/keyFile, or issued now by the
 * Vigil CA for `hostnames` (a fresh key each start; clients trust the CA, not the certificate).
 * Throws VIGIL_ERR_API_TLS_NO_CERTIFICATE when there is neither, VIGIL_ERR_API_TLS_UNREADABLE
 * when a file cannot be read.
 */
export function serverCredentials(tls: ApiConfig['tls'], ca: { readonly certificatePem: string; readonly privateKeyPem?: string } | undefined): ServerCredentials | undefined {
  if (!tls.enabled) return undefined;
  if (tls.certFile !== undefined && tls.keyFile !== undefined) {
    return { cert: readPem('certificate', tls.certFile), key: readPem('key', tls.keyFile), minVersion: tls.minVersion };
  }
  if (ca?.privateKeyPem === undefined) throw apiErrors.create('VIGIL_ERR_API_TLS_NO_CERTIFICATE');
  const keys = generateRsaKeyPair();
  const cert = issueTlsCertificate(
    { certificatePem: ca.certificatePem, privateKeyPem: ca.privateKeyPem },
    { commonName: tls.hostnames[0]!, altNames: tls.hostnames, publicKeyPem: keys.publicKeyPem, serverAuth: true, validityDays: 365 },
  );
  return { cert: `${cert}${ca.certificatePem}`, key: keys.privateKeyPem, minVersion: tls.minVersion };
}

function readPem(what: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw apiErrors.create('VIGIL_ERR_API_TLS_UNREADABLE', { what, path, reason: describeError(error) }, { cause: error });
  }
}
