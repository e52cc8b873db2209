import { X509Certificate, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { VigilError } from '@vigil/runtime';
import { CertificateTrust, type RevocationCheck } from './certificate-trust.ts';
import { provenanceErrors } from './errors.ts';
import { BATCH_SIGNATURE_ALGORITHM, type EdgeIdentity } from './signer.ts';

/**
 * Control messages (heartbeats, commands, command results, revocation lists) travel as JSON
 * envelopes: the payload's exact UTF-8 bytes (base64), a signature over them, and — for an
 * edge's messages — the edge certificate. The core signs with the CA key, so an edge needs
 * nothing but the CA certificate it got at enrollment to check a command.
 *
 *   { "v": 1, "alg": "rsa-sha256", "payload": "<base64>", "signature": "<base64>", "certificate": "<base64 DER>"? }
 */
interface ControlEnvelope {
  v: 1;
  alg: string;
  payload: string;
  signature: string;
  certificate?: string;
}

/** A control message whose signature checked out. */
export interface VerifiedControl {
  ok: true;
  payload: unknown;
  /** For edge-signed messages: the edge named by the certificate. */
  edgeId?: string;
  /** For edge-signed messages: the certificate that made the signature (serial as node:crypto prints it). */
  certificate?: { serial: string; notAfter: string };
}

export interface RejectedControl {
  ok: false;
  error: VigilError;
}

/** Signs an edge's control messages with its identity (the key can be replaced after rotation). */
export class EdgeControlSigner {
  #key: KeyObject;
  #certificate: string;

  constructor(identity: EdgeIdentity) {
    this.#key = createPrivateKey(identity.privateKeyPem);
    this.#certificate = new X509Certificate(identity.certificatePem).raw.toString('base64');
  }

  /** Starts signing with a renewed identity. */
  replaceIdentity(identity: EdgeIdentity): void {
    this.#key = createPrivateKey(identity.privateKeyPem);
    this.#certificate = new X509Certificate(identity.certificatePem).raw.toString('base64');
  }

  sign(payload: object): string {
    return seal(payload, this.#key, this.#certificate);
  }
}

/** Signs the core's control messages (commands, revocation lists) with the CA key. */
export class CoreControlSigner {
  readonly #key: KeyObject;

  constructor(caPrivateKeyPem: string) {
    this.#key = createPrivateKey(caPrivateKeyPem);
  }

  sign(payload: object): string {
    return seal(payload, this.#key, undefined);
  }
}

/** Checks control messages: edge-signed ones against the CA and revocations, core-signed ones against the CA key. */
export class ControlVerifier {
  readonly #trust: CertificateTrust;
  readonly #caKey: KeyObject;

  constructor(options: { caCertificatePem: string; isRevoked?: RevocationCheck; now?: () => number }) {
    this.#trust = new CertificateTrust(options);
    this.#caKey = createPublicKey(new X509Certificate(options.caCertificatePem).publicKey.export({ type: 'spki', format: 'pem' }));
  }

  /** A message an edge signed: heartbeat or command result. */
  fromEdge(bytes: Uint8Array | string): VerifiedControl | RejectedControl {
    const envelope = open(bytes);
    if ('code' in envelope) return { ok: false, error: envelope };
    if (envelope.certificate === undefined) return malformed('edge message without a certificate');
    const trusted = this.#trust.check(Buffer.from(envelope.certificate, 'base64'));
    if ('code' in trusted) return { ok: false, error: trusted };
    const payload = Buffer.from(envelope.payload, 'base64');
    if (!verify('sha256', payload, trusted.certificate.publicKey, Buffer.from(envelope.signature, 'base64'))) {
      return { ok: false, error: provenanceErrors.create('VIGIL_ERR_PROVENANCE_BAD_SIGNATURE', { edgeId: trusted.edgeId, sequence: 'control' }) };
    }
    const verified = decodePayload(payload, trusted.edgeId);
    if (verified.ok) verified.certificate = { serial: trusted.certificate.serialNumber, notAfter: new Date(trusted.certificate.validTo).toISOString() };
    return verified;
  }

  /** A message the core signed with the CA key: command or revocation list. */
  fromCore(bytes: Uint8Array | string): VerifiedControl | RejectedControl {
    const envelope = open(bytes);
    if ('code' in envelope) return { ok: false, error: envelope };
    const payload = Buffer.from(envelope.payload, 'base64');
    if (envelope.certificate !== undefined || !verify('sha256', payload, this.#caKey, Buffer.from(envelope.signature, 'base64'))) {
      return { ok: false, error: provenanceErrors.create('VIGIL_ERR_PROVENANCE_BAD_SIGNATURE', { edgeId: 'core', sequence: 'control' }) };
    }
    return decodePayload(payload, undefined);
  }
}

function seal(payload: object, key: KeyObject, certificate: string | undefined): string {
  const bytes = Buffer.from(JSON.stringify(payload), 'utf8');
  const envelope: ControlEnvelope = { v: 1, alg: BATCH_SIGNATURE_ALGORITHM, payload: bytes.toString('base64'), signature: sign('sha256', bytes, key).toString('base64') };
  if (certificate !== undefined) envelope.certificate = certificate;
  return JSON.stringify(envelope);
}

function open(bytes: Uint8Array | string): ControlEnvelope | VigilError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    return provenanceErrors.create('VIGIL_ERR_PROVENANCE_MALFORMED', { reason: `control envelope: ${(error as Error).message}` });
  }
  const envelope = parsed as Partial<ControlEnvelope> | null;
  if (
    envelope === null ||
    typeof envelope !== 'object' ||
    envelope.v !== 1 ||
    envelope.alg !== BATCH_SIGNATURE_ALGORITHM ||
    typeof envelope.payload !== 'string' ||
    typeof envelope.signature !== 'string' ||
    (envelope.certificate !== undefined && typeof envelope.certificate !== 'string')
  ) {
    return provenanceErrors.create('VIGIL_ERR_PROVENANCE_MALFORMED', { reason: 'not a version 1 rsa-sha256 control envelope' });
  }
  return envelope as ControlEnvelope;
}

function decodePayload(payload: Buffer, edgeId: string | undefined): VerifiedControl | RejectedControl {
  try {
    const verified: VerifiedControl = { ok: true, payload: JSON.parse(payload.toString('utf8')) };
    if (edgeId !== undefined) verified.edgeId = edgeId;
    return verified;
  } catch (error) {
    return malformed(`control payload: ${(error as Error).message}`);
  }
}

function malformed(reason: string): RejectedControl {
  return { ok: false, error: provenanceErrors.create('VIGIL_ERR_PROVENANCE_MALFORMED', { reason }) };
}
