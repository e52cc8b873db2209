import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BatchSigner,
  BatchVerifier,
  ControlVerifier,
  EdgeControlSigner,
  createCertificateAuthority,
  generateRsaKeyPair,
  issueEdgeCertificate,
  loadEdgeIdentity,
  saveEdgeIdentity,
  type EdgeIdentity,
} from '@vigil/provenance';
import { Metrics, silentLogger } from '@vigil/runtime';
import { CertificateRenewer, checkIssuedCertificate, localCaRenewal, type RenewCertificate } from './certificate-renewer.ts';

const DAY_MS = 86_400_000;
const ca = createCertificateAuthority();
const current = generateRsaKeyPair();
const next = generateRsaKeyPair();
const identity: EdgeIdentity = { edgeId: 'dc1-syslog', privateKeyPem: current.privateKeyPem, certificatePem: issueEdgeCertificate(ca, { edgeId: 'dc1-syslog', publicKeyPem: current.publicKeyPem }) };
const notAfterMs = Date.parse(new X509Certificate(identity.certificatePem).validTo);

const batch = (sequence: bigint) => ({ edgeId: 'dc1-syslog', bootId: 'boot-1', sequence, sentAtMs: Date.now(), events: [Buffer.from('{"message":"Accepted password for root from 198.51.100.4"}')] });

describe('certificate renewal', () => {
  let dir: string;
  let metrics: Metrics;
  let clock: number;
  const renewers: CertificateRenewer[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-renew-'));
    saveEdgeIdentity(dir, identity);
    metrics = new Metrics({ defaultMetrics: false });
    clock = Date.now();
  });

  afterEach(async () => {
    for (const renewer of renewers.splice(0)) await renewer.stop();
    await rm(dir, { recursive: true, force: true });
  });

  function renewer(renew: RenewCertificate, onRenewed: (renewed: EdgeIdentity) => void = () => {}, schedule = {}): CertificateRenewer {
    const created = new CertificateRenewer({
      identity,
      identityDir: dir,
      caCertificatePem: ca.certificatePem,
      renew,
      onRenewed,
      schedule: { checkIntervalMs: 3_600_000, retryBaseMs: 20, retryMaxMs: 80, ...schedule },
      metrics,
      logger: silentLogger(),
      now: () => clock,
      generateKeys: () => next,
    });
    renewers.push(created);
    return created;
  }
  const sample = async (text: string) => (await metrics.render()).body.match(new RegExp(`^${text} (\\S+)$`, 'm'))?.[1];

  it('renews 30 days before expiry, saves the new identity 0600 and swaps the signers live', async () => {
    const signer = new BatchSigner(identity);
    const control = new EdgeControlSigner(identity);
    const target = renewer(localCaRenewal(ca), (renewed) => {
      signer.replaceIdentity(renewed);
      control.replaceIdentity(renewed);
    });
    const before = target.certificateStatus();
    expect(await target.check()).toBe('not-due');
    expect(target.dueAtMs()).toBe(notAfterMs - 30 * DAY_MS);

    clock = notAfterMs - 29 * DAY_MS;
    expect(await target.check()).toBe('renewed');
    const after = target.certificateStatus();
    expect(after.serial).not.toBe(before.serial);
    expect(Date.parse(after.notAfter)).toBeGreaterThan(notAfterMs - DAY_MS);

    const saved = loadEdgeIdentity(dir, 'dc1-syslog')!;
    expect(saved.privateKeyPem).toBe(next.privateKeyPem);
    expect(new X509Certificate(saved.certificatePem).serialNumber).toBe(after.serial);
    expect(statSync(join(dir, 'edge.key')).mode & 0o777).toBe(0o600);

    // A batch signed now carries the new certificate and verifies against the CA.
    const verified = new BatchVerifier({ caCertificatePem: ca.certificatePem }).verify(signer.sign(batch(1n)));
    expect(verified.ok).toBe(true);
    expect(verified.ok && verified.keyId).toBe(createHash('sha256').update(new X509Certificate(saved.certificatePem).raw).digest('hex'));
    const heartbeat = new ControlVerifier({ caCertificatePem: ca.certificatePem }).fromEdge(control.sign({ type: 'heartbeat' }));
    expect(heartbeat.ok && heartbeat.edgeId).toBe('dc1-syslog');

    expect(await sample('vigil_edge_certificate_renewals_total\\{outcome="renewed"\\}')).toBe('1');
    expect(Number(await sample('vigil_edge_certificate_expiry_seconds'))).toBe(Date.parse(after.notAfter) / 1000);
    clock = Date.now();
    expect(await target.check()).toBe('not-due');
  });

  it('renews short-lived certificates after two thirds of their lifetime', async () => {
    const shortLived = issueEdgeCertificate(ca, { edgeId: 'dc1-syslog', publicKeyPem: current.publicKeyPem, validityDays: 3 });
    const target = new CertificateRenewer({ identity: { ...identity, certificatePem: shortLived }, identityDir: dir, renew: localCaRenewal(ca), onRenewed: () => {}, metrics, logger: silentLogger() });
    expect(target.dueAtMs()).toBe(Date.parse(new X509Certificate(shortLived).validTo) - DAY_MS);
  });

  it('keeps the current certificate and retries with backoff while renewal fails', async () => {
    let attempts = 0;
    const local = localCaRenewal(ca);
    const renewed: EdgeIdentity[] = [];
    clock = notAfterMs - 10 * DAY_MS;
    const target = renewer(
      async (request) => {
        attempts++;
        if (attempts <= 2) throw new Error('connect ECONNREFUSED 10.0.0.5:8080');
        return local(request);
      },
      (identity) => renewed.push(identity),
    );
    await target.start();
    const deadline = Date.now() + 10_000;
    while (renewed.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(attempts).toBe(3);
    expect(renewed).toHaveLength(1);
    expect(await sample('vigil_edge_certificate_renewals_total\\{outcome="failed"\\}')).toBe('2');
    expect(await sample('vigil_edge_certificate_renewals_total\\{outcome="renewed"\\}')).toBe('1');
  });

  it('refuses a certificate for another edge or another key, and keeps the old identity', async () => {
    const renewed: EdgeIdentity[] = [];
    clock = notAfterMs - DAY_MS;
    const target = renewer(async () => {
      const certificatePem = issueEdgeCertificate(ca, { edgeId: 'dc2-syslog', publicKeyPem: next.publicKeyPem });
      return { edgeId: 'dc2-syslog', certificatePem, caCertificatePem: ca.certificatePem, serial: '01', notAfter: new Date(clock + 365 * DAY_MS).toISOString() };
    }, (identity) => renewed.push(identity));
    expect(await target.check()).toBe('failed');
    expect(renewed).toEqual([]);
    expect(readFileSync(join(dir, 'edge.crt'), 'utf8')).toBe(identity.certificatePem);
    expect(target.identity).toBe(identity);

    const wrongKey = issueEdgeCertificate(ca, { edgeId: 'dc1-syslog', publicKeyPem: current.publicKeyPem });
    expect(() => checkIssuedCertificate({ certificatePem: wrongKey }, { edgeId: 'dc1-syslog', publicKeyPem: next.publicKeyPem, caCertificatePem: ca.certificatePem })).toThrow(/another public key/);
    expect(() => checkIssuedCertificate({ certificatePem: wrongKey }, { edgeId: 'dc1-syslog', publicKeyPem: current.publicKeyPem, caCertificatePem: identity.certificatePem })).toThrow(/not a CA/);
    expect(() => checkIssuedCertificate({ certificatePem: 'garbage' }, { edgeId: 'dc1-syslog', publicKeyPem: current.publicKeyPem, caCertificatePem: ca.certificatePem })).toThrow(/unreadable/);
  });
});
