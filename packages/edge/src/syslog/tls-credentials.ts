import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { describeError } from '@vigil/runtime';
import { edgeErrors } from '../errors.ts';

/** Who may connect to the syslog TLS listener: anyone, anyone whose certificate (if sent) verifies, or only clients with a verified certificate. */
export type TlsClientAuth = 'none' | 'optional' | 'required';

/** The edge's own identity (from enrollment), used when no certificate files are configured. */
export interface TlsIdentity {
  certPem: string;
  keyPem: string;
  /** The Vigil CA: client certificates it signed are trusted when no caFile is configured. */
  caPem: string;
}

/** Where the listener's certificate, key and client CA come from. */
export interface TlsCredentialSources {
  certFile?: string | undefined;
  keyFile?: string | undefined;
  caFile?: string | undefined;
  clientAuth: TlsClientAuth;
  identity?: TlsIdentity | undefined;
}

/** PEM texts ready for `tls.createServer`. */
export interface TlsCredentials {
  cert: string;
  key: string;
  /** Present when client certificates are requested. */
  ca?: string;
}

/**
 * Reads the listener's certificate and key from the configured files, else takes the edge's
 * identity; the client CA likewise from caFile, else the Vigil CA. Throws a VigilError that
 * says what to set when something is missing, unreadable or unusable (start-up fails).
 */
export function resolveTlsCredentials(sources: TlsCredentialSources): TlsCredentials {
  const { certFile, keyFile, caFile, clientAuth, identity } = sources;
  let cert: string;
  let key: string;
  if (certFile !== undefined && keyFile !== undefined) {
    cert = readPem('certFile', certFile);
    key = readPem('keyFile', keyFile);
  } else if (certFile === undefined && keyFile === undefined && identity) {
    cert = identity.certPem;
    key = identity.keyPem;
  } else {
    throw edgeErrors.create('VIGIL_ERR_EDGE_TLS_NO_CERTIFICATE');
  }
  const credentials: TlsCredentials = { cert, key };
  if (clientAuth !== 'none') {
    const ca = caFile !== undefined ? readPem('caFile', caFile) : identity?.caPem;
    if (!ca) throw edgeErrors.create('VIGIL_ERR_EDGE_TLS_NO_CA', { clientAuth });
    credentials.ca = ca;
  }
  try {
    createSecureContext(credentials);
  } catch (error) {
    throw edgeErrors.create('VIGIL_ERR_EDGE_TLS_BAD_CREDENTIALS', { reason: describeError(error) }, { cause: error });
  }
  return credentials;
}

function readPem(setting: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw edgeErrors.create('VIGIL_ERR_EDGE_TLS_FILE_UNREADABLE', { setting, path, reason: describeError(error) }, { cause: error });
  }
}
