import { X509Certificate, createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { PackedEventsWriter, encodeCompressedSignedEventBatch, encodeSignedEventBatch, type EventBatch, type PackedEvents, type ScratchBuffer, type SignedBatchParts } from '@vigil/schema';

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
  #signatureBytes: number;

  constructor(identity: EdgeIdentity) {
    this.edgeId = identity.edgeId;
    this.#privateKey = createPrivateKey(identity.privateKeyPem);
    this.#certificateDer = new X509Certificate(identity.certificatePem).raw;
    this.#signatureBytes = rsaSignatureBytes(this.#privateKey);
  }

  /** Signs every later batch with a renewed identity of the same edge (key and certificate swap together). */
  replaceIdentity(identity: EdgeIdentity): void {
    if (identity.edgeId !== this.edgeId) throw new Error(`identity of edge ${identity.edgeId} cannot replace this signer's edge ${this.edgeId}`);
    const privateKey = createPrivateKey(identity.privateKeyPem);
    const certificateDer = new X509Certificate(identity.certificatePem).raw;
    const signatureBytes = rsaSignatureBytes(privateKey);
    this.#privateKey = privateKey;
    this.#certificateDer = certificateDer;
    this.#signatureBytes = signatureBytes;
  }

  /** Encodes, signs and wraps a batch: the bytes to publish on `vigil.events`. */
  sign(batch: EventBatch): Buffer {
    const events = new PackedEventsWriter(batch.events.reduce((sum, event) => sum + event.length, 0));
    for (const event of batch.events) events.addBytes(event);
    return this.signPacked(batch, events);
  }

  /**
   * The same for events already JSON-encoded end to end (the edge's path: no copy per event);
   * written into `into` when given (the bytes are then valid until its next use).
   */
  signPacked(header: Omit<EventBatch, 'events'>, events: PackedEvents, into?: ScratchBuffer): Buffer {
    return encodeSignedEventBatch(this.#parts(header, events), into);
  }

  /**
   * The same with the batch compressed as one zstd frame and the signature made over the frame
   * (what edges publish); `scratch` holds the plain batch meanwhile, the result is a new buffer.
   */
  signPackedCompressed(header: Omit<EventBatch, 'events'>, events: PackedEvents, scratch: ScratchBuffer): Buffer {
    return encodeCompressedSignedEventBatch(this.#parts(header, events), scratch);
  }

  #parts(header: Omit<EventBatch, 'events'>, events: PackedEvents): SignedBatchParts {
    if (header.edgeId !== this.edgeId) throw new Error(`batch edge ${header.edgeId} is not this signer's edge ${this.edgeId}`);
    const privateKey = this.#privateKey;
    return {
      header,
      events,
      algorithm: BATCH_SIGNATURE_ALGORITHM,
      certificate: this.#certificateDer,
      signatureBytes: this.#signatureBytes,
      sign: (bytes) => sign('sha256', bytes, privateKey),
    };
  }
}

/** Length of an RSA signature made with `key`: its modulus in bytes. */
function rsaSignatureBytes(key: KeyObject): number {
  const modulusBits = key.asymmetricKeyType === 'rsa' ? key.asymmetricKeyDetails?.modulusLength : undefined;
  if (modulusBits === undefined) throw new Error(`edge keys must be RSA for ${BATCH_SIGNATURE_ALGORITHM}, not ${key.asymmetricKeyType ?? 'unknown'}`);
  return Math.ceil(modulusBits / 8);
}
