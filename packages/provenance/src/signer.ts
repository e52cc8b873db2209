import { X509Certificate, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { encodeEventBatch, encodeSignedBatch, type EventBatch } from '@vigil/schema';

/** The signature algorithm Vigil uses for batches: RSA PKCS#1 v1.5 over SHA-256. */
export const BATCH_SIGNATURE_ALGORITHM = 'rsa-sha256';

/** What an edge signs with: its id, private key and certificate. */
export interface EdgeIdentity {
  edgeId: string;
  privateKeyPem: string;
  certificatePem: string;
}

/** Signs encoded batches with an edge's key; one signature per batch, never per event. */
export class BatchSigner {
  readonly edgeId: string;
  #privateKey: KeyObject;
  #certificateDer: Buffer;

  constructor(identity: EdgeIdentity) {
    this.edgeId = identity.edgeId;
    this.#privateKey = createPrivateKey(identity.privateKeyPem);
    this.#certificateDer = new X509Certificate(identity.certificatePem).raw;
  }

  /** Signs every later batch with a renewed identity of the same edge (key and certificate swap together). */
  replaceIdentity(identity: EdgeIdentity): void {
    if (identity.edgeId !== this.edgeId) throw new Error(`identity of edge ${identity.edgeId} cannot replace this signer's edge ${this.edgeId}`);
    const privateKey = createPrivateKey(identity.privateKeyPem);
    const certificateDer = new X509Certificate(identity.certificatePem).raw;
    this.#privateKey = privateKey;
    this.#certificateDer = certificateDer;
  }

  /** Encodes, signs and wraps a batch: the bytes to publish on `vigil.events`. */
  sign(batch: EventBatch): Uint8Array {
    if (batch.edgeId !== this.edgeId) throw new Error(`batch edge ${batch.edgeId} is not this signer's edge ${this.edgeId}`);
    const encoded = encodeEventBatch(batch);
    const signature = sign('sha256', encoded, this.#privateKey);
    return encodeSignedBatch({ batch: encoded, signature, algorithm: BATCH_SIGNATURE_ALGORITHM, certificate: this.#certificateDer });
  }
}
