import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createCertificateAuthority, generateRsaKeyPair, issueEdgeCertificate } from './ca.ts';
import { ControlVerifier, CoreControlSigner, EdgeControlSigner } from './control-envelope.ts';

const ca = createCertificateAuthority();
const otherCa = createCertificateAuthority({ commonName: 'Someone else' });
const edgeKeys = generateRsaKeyPair();
const identity = { edgeId: 'edge-7', privateKeyPem: edgeKeys.privateKeyPem, certificatePem: issueEdgeCertificate(ca, { edgeId: 'edge-7', publicKeyPem: edgeKeys.publicKeyPem }) };

describe('control envelopes', () => {
  it('carries an edge message whose signer the core can name', () => {
    const signed = new EdgeControlSigner(identity).sign({ type: 'heartbeat', edgeId: 'edge-7' });
    const verified = new ControlVerifier({ caCertificatePem: ca.certificatePem }).fromEdge(signed);
    const certificate = new X509Certificate(identity.certificatePem);
    expect(verified).toEqual({
      ok: true,
      edgeId: 'edge-7',
      // The certificate that signed, whatever the payload claims about it.
      certificate: { serial: certificate.serialNumber, notAfter: new Date(certificate.validTo).toISOString() },
      payload: { type: 'heartbeat', edgeId: 'edge-7' },
    });
  });

  it('rejects an edge message changed after signing, from another CA, or from a revoked edge', () => {
    const signed = JSON.parse(new EdgeControlSigner(identity).sign({ eps: 10 })) as { payload: string };
    signed.payload = Buffer.from(JSON.stringify({ eps: 99999 })).toString('base64');
    const verifier = new ControlVerifier({ caCertificatePem: ca.certificatePem });
    expect(verifier.fromEdge(JSON.stringify(signed))).toMatchObject({ ok: false, error: { code: 'VIGIL_ERR_PROVENANCE_BAD_SIGNATURE' } });

    const foreign = { ...identity, certificatePem: issueEdgeCertificate(otherCa, { edgeId: 'edge-7', publicKeyPem: edgeKeys.publicKeyPem }) };
    expect(verifier.fromEdge(new EdgeControlSigner(foreign).sign({}))).toMatchObject({ ok: false, error: { code: 'VIGIL_ERR_PROVENANCE_UNKNOWN_EDGE' } });

    const revoking = new ControlVerifier({ caCertificatePem: ca.certificatePem, isRevoked: (edgeId) => edgeId === 'edge-7' });
    expect(revoking.fromEdge(new EdgeControlSigner(identity).sign({}))).toMatchObject({ ok: false, error: { code: 'VIGIL_ERR_PROVENANCE_REVOKED' } });
  });

  it('lets an edge check that a command comes from its core', () => {
    const command = new CoreControlSigner(ca.privateKeyPem).sign({ type: 'command', action: 'set-log-level' });
    const verifier = new ControlVerifier({ caCertificatePem: ca.certificatePem });
    expect(verifier.fromCore(command)).toEqual({ ok: true, payload: { type: 'command', action: 'set-log-level' } });
    // Signed by another CA, or by an edge (whose envelope carries a certificate): not a core command.
    expect(verifier.fromCore(new CoreControlSigner(otherCa.privateKeyPem).sign({ type: 'command' }))).toMatchObject({ ok: false });
    expect(verifier.fromCore(new EdgeControlSigner(identity).sign({ type: 'command' }))).toMatchObject({ ok: false });
  });

  it('answers malformed envelopes with a code instead of throwing', () => {
    const verifier = new ControlVerifier({ caCertificatePem: ca.certificatePem });
    for (const bytes of ['not json', '{}', '{"v":2}', JSON.stringify({ v: 1, alg: 'rsa-sha256', payload: 1, signature: 'x' }), Buffer.from([0xff, 0x00])]) {
      expect(verifier.fromEdge(bytes)).toMatchObject({ ok: false, error: { code: 'VIGIL_ERR_PROVENANCE_MALFORMED' } });
      expect(verifier.fromCore(bytes)).toMatchObject({ ok: false, error: { code: 'VIGIL_ERR_PROVENANCE_MALFORMED' } });
    }
  });

  it('signs with a renewed identity after replaceIdentity', () => {
    const renewedKeys = generateRsaKeyPair();
    const renewed = { edgeId: 'edge-7', privateKeyPem: renewedKeys.privateKeyPem, certificatePem: issueEdgeCertificate(ca, { edgeId: 'edge-7', publicKeyPem: renewedKeys.publicKeyPem }) };
    const signer = new EdgeControlSigner(identity);
    signer.replaceIdentity(renewed);
    const envelope = JSON.parse(signer.sign({})) as { certificate: string };
    expect(envelope.certificate).not.toBe(JSON.parse(new EdgeControlSigner(identity).sign({})).certificate);
    expect(new ControlVerifier({ caCertificatePem: ca.certificatePem }).fromEdge(JSON.stringify(envelope))).toMatchObject({ ok: true, edgeId: 'edge-7' });
  });
});
