import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PackedEventsWriter, ScratchBuffer, decodeSignedBatch, encodeSignedBatch, type EventBatch } from '@vigil/schema';
import { createCertificateAuthority, generateRsaKeyPair, issueEdgeCertificate } from './ca.ts';
import { loadOrCreateCa, loadOrEnrollLocalEdge } from './pki-files.ts';
import { SequenceCounter } from './sequence-counter.ts';
import { SequenceTracker } from './sequence-tracker.ts';
import { BatchSigner } from './signer.ts';
import { BatchVerifier } from './verifier.ts';

const ca = createCertificateAuthority();
const edgeKeys = generateRsaKeyPair();
const identity = { edgeId: 'edge-1', privateKeyPem: edgeKeys.privateKeyPem, certificatePem: issueEdgeCertificate(ca, { edgeId: 'edge-1', publicKeyPem: edgeKeys.publicKeyPem }) };

function batch(overrides: Partial<EventBatch> = {}): EventBatch {
  return { edgeId: 'edge-1', bootId: 'boot-a', sequence: 7n, sentAtMs: 1_700_000_000_000, events: [Buffer.from('{"message":"hi"}')], ...overrides };
}

describe('batch signatures', () => {
  const signer = new BatchSigner(identity);
  const verifier = new BatchVerifier({ caCertificatePem: ca.certificatePem });

  it('verifies a batch signed by an enrolled edge and returns its content', () => {
    const result = verifier.verify(signer.sign(batch()));
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.edgeId).toBe('edge-1');
    expect(result.batch.sequence).toBe(7n);
    expect(Buffer.from(result.batch.events[0]!).toString()).toBe('{"message":"hi"}');
    expect(result.keyId).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects a batch whose content was changed after signing', () => {
    const signed = decodeSignedBatch(signer.sign(batch()));
    const tampered = Buffer.from(signed.batch);
    const at = tampered.length - 3;
    tampered.writeUInt8(tampered.readUInt8(at) ^ 0x01, at);
    const result = verifier.verify(encodeSignedBatch({ ...signed, batch: tampered }));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('VIGIL_ERR_PROVENANCE_BAD_SIGNATURE');
  });

  describe('compressed as edges publish them (the signature over the zstd frame)', () => {
    const compressed = (overrides: Partial<EventBatch> = {}) => {
      const { events, ...header } = batch(overrides);
      const packed = new PackedEventsWriter();
      for (const event of events) packed.addBytes(event);
      return signer.signPackedCompressed(header, packed, new ScratchBuffer());
    };

    it('verifies them and returns their content', () => {
      const result = verifier.verify(compressed());
      expect(result.ok && result.batch.sequence).toBe(7n);
      expect(result.ok && Buffer.from(result.batch.events[0]!).toString()).toBe('{"message":"hi"}');
    });

    it('rejects a changed frame, naming the batch it claims to be', () => {
      const signed = decodeSignedBatch(compressed());
      // A byte of the frame's content changed: it still decompresses, to other events.
      const tampered = Buffer.from(signed.zstdBatch);
      tampered.writeUInt8(tampered.readUInt8(tampered.length - 3) ^ 0x01, tampered.length - 3);
      const result = verifier.verify(encodeSignedBatch({ ...signed, zstdBatch: tampered }));
      expect(!result.ok && result.error.code).toBe('VIGIL_ERR_PROVENANCE_BAD_SIGNATURE');
      expect(!result.ok && result.claimedEdgeId).toBe('edge-1');
    });

    it('rejects a compressed batch that is not a zstd frame as malformed', () => {
      const signed = decodeSignedBatch(compressed());
      const notZstd = verifier.verify(encodeSignedBatch({ ...signed, zstdBatch: Buffer.from('not a frame') }));
      expect(!notZstd.ok && notZstd.error.code).toBe('VIGIL_ERR_PROVENANCE_MALFORMED');
    });
  });

  it('rejects an edge whose certificate comes from another CA', () => {
    const otherCa = createCertificateAuthority({ commonName: 'Rogue CA' });
    const keys = generateRsaKeyPair();
    const rogue = new BatchSigner({ edgeId: 'edge-1', privateKeyPem: keys.privateKeyPem, certificatePem: issueEdgeCertificate(otherCa, { edgeId: 'edge-1', publicKeyPem: keys.publicKeyPem }) });
    const result = verifier.verify(rogue.sign(batch()));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('VIGIL_ERR_PROVENANCE_UNKNOWN_EDGE');
  });

  it('rejects a revoked edge and garbage bytes', () => {
    const strict = new BatchVerifier({ caCertificatePem: ca.certificatePem, isRevoked: (edgeId) => edgeId === 'edge-1' });
    const revoked = strict.verify(signer.sign(batch()));
    expect(!revoked.ok && revoked.error.code).toBe('VIGIL_ERR_PROVENANCE_REVOKED');
    const garbage = verifier.verify(Buffer.from('not a protobuf at all'));
    expect(!garbage.ok && garbage.error.code).toBe('VIGIL_ERR_PROVENANCE_MALFORMED');
  });
});

describe('files and sequences', () => {
  it('creates the CA and a local edge identity once, with private keys readable by the owner only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-pki-'));
    const first = loadOrCreateCa(join(dir, 'pki'));
    expect(loadOrCreateCa(join(dir, 'pki')).certificatePem).toBe(first.certificatePem);
    const edge = loadOrEnrollLocalEdge(join(dir, 'edge'), first, 'local');
    expect(loadOrEnrollLocalEdge(join(dir, 'edge'), first, 'local').certificatePem).toBe(edge.certificatePem);
    expect(statSync(join(dir, 'pki', 'ca.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'edge', 'edge.key')).mode & 0o777).toBe(0o600);
  });

  it('keeps sequence numbers increasing across restarts', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'vigil-seq-')), 'sequence');
    const first = new SequenceCounter(path, 3);
    const seen = [first.next(), first.next(), first.next(), first.next()];
    const restarted = new SequenceCounter(path, 3);
    expect(restarted.next()).toBeGreaterThan(seen[3]!);
  });

  it('takes back only the number it handed out last, unused, so the sequence has no gap', () => {
    const counter = new SequenceCounter(join(mkdtempSync(join(tmpdir(), 'vigil-seq-')), 'sequence'), 3);
    const first = counter.next();
    const second = counter.next();
    expect(() => counter.giveBack(first)).toThrow(RangeError);
    counter.giveBack(second);
    expect(counter.next()).toBe(second);
  });

  it('tells a byte-identical resend from a replay, also after a restore', () => {
    const tracker = new SequenceTracker();
    const at = (offset: number) => ({ topic: 'vigil.events', partition: 0, offset: String(offset) });
    expect(tracker.observe('e', 'b1', 1n, at(0), 'digest-1').kind).toBe('in-order');
    expect(tracker.observe('e', 'b1', 2n, at(1), 'digest-2').kind).toBe('in-order');
    expect(tracker.observe('e', 'b1', 1n, at(2), 'digest-1').kind).toBe('resend');
    expect(tracker.observe('e', 'b1', 1n, at(3), 'digest-forged').kind).toBe('replay');
    const restored = new SequenceTracker();
    restored.restore(JSON.parse(JSON.stringify(tracker.snapshot())));
    expect(restored.observe('e', 'b1', 2n, at(4), 'digest-2').kind).toBe('resend');
    expect(restored.observe('e', 'b1', 2n, at(5)).kind).toBe('replay');
  });

  it('tells in-order, gaps, replays and redeliveries apart', () => {
    const tracker = new SequenceTracker();
    const at = (offset: number) => ({ topic: 'vigil.events', partition: 0, offset: String(offset) });
    expect(tracker.observe('e', 'b1', 1n, at(0)).kind).toBe('in-order');
    expect(tracker.observe('e', 'b1', 2n, at(1)).kind).toBe('in-order');
    expect(tracker.observe('e', 'b1', 2n, at(1)).kind).toBe('redelivery');
    expect(tracker.observe('e', 'b1', 5n, at(2))).toEqual({ kind: 'gap', missing: 2n });
    expect(tracker.observe('e', 'b1', 4n, at(3)).kind).toBe('replay');
    expect(tracker.observe('e', 'b2', 10_001n, at(4)).kind).toBe('new-boot');
    const copy = new SequenceTracker();
    copy.restore(tracker.snapshot());
    expect(copy.observe('e', 'b2', 10_001n, at(4)).kind).toBe('redelivery');
  });
});
