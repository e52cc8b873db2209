import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedBus, type EmbeddedBus } from '@vigil/bus';
import { ControlVerifier, CoreControlSigner, EdgeControlSigner, createCertificateAuthority, generateRsaKeyPair, issueEdgeCertificate } from '@vigil/provenance';
import { Metrics, silentLogger } from '@vigil/runtime';
import { TOPICS } from '@vigil/schema';
import { HeartbeatPublisher } from './heartbeat-publisher.ts';
import { REVOCATIONS_KEY, heartbeatSchema, type RevocationList } from './messages.ts';
import { RevocationWatcher } from './revocation-watcher.ts';

const ca = createCertificateAuthority();
const keys = generateRsaKeyPair();
const identity = { edgeId: 'edge-1', privateKeyPem: keys.privateKeyPem, certificatePem: issueEdgeCertificate(ca, { edgeId: 'edge-1', publicKeyPem: keys.publicKeyPem }) };
const core = new CoreControlSigner(ca.privateKeyPem);

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('fleet control plane on the embedded bus', () => {
  let dir: string;
  let bus: EmbeddedBus;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-fleet-'));
    bus = await createEmbeddedBus({ directory: join(dir, 'bus'), pollIntervalMs: 20 });
    await bus.ensureTopics([
      { name: TOPICS.commands, partitions: 1, replicationFactor: 1 },
      { name: TOPICS.heartbeats, partitions: 1, replicationFactor: 1 },
    ]);
  });

  afterEach(async () => {
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  const watcher = (metrics = new Metrics({ defaultMetrics: false })) =>
    new RevocationWatcher({ bus, groupId: 'test-revocations', verifier: new ControlVerifier({ caCertificatePem: ca.certificatePem }), stateFile: join(dir, 'revocations.json'), metrics, logger: silentLogger() });
  const publishList = (list: RevocationList, signer: { sign(payload: object): string } = core) => bus.createProducer().send(TOPICS.commands, [{ key: REVOCATIONS_KEY, value: signer.sign(list) }]);

  it('applies the newest CA-signed revocation list and keeps it across restarts', async () => {
    const first = watcher();
    await first.start();
    expect(first.isRevoked('edge-1', 'ABC')).toBe(false);
    await publishList({ type: 'revocations', issuedAtMs: 1_000, revoked: [{ edgeId: 'edge-1', serial: '0ABC', revokedAtMs: 900, reason: 'laptop stolen' }] });
    await until(() => first.isRevoked('edge-1', 'abc'), 'the list to apply');
    expect(first.isRevoked('edge-1', 'DEF')).toBe(false);
    expect(first.isRevoked('edge-2', 'ABC')).toBe(false);
    // An older list arriving late does not undo a newer one; a whole-edge entry covers every certificate.
    await publishList({ type: 'revocations', issuedAtMs: 2_000, revoked: [{ edgeId: 'edge-2', revokedAtMs: 1_900, reason: 'decommissioned' }] });
    await publishList({ type: 'revocations', issuedAtMs: 1_500, revoked: [] });
    await until(() => first.issuedAtMs === 2_000, 'the newer list');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(first.isRevoked('edge-2', 'ANY')).toBe(true);
    expect(first.isRevoked('edge-1', 'ABC')).toBe(false);
    await first.stop();

    expect(existsSync(join(dir, 'revocations.json'))).toBe(true);
    const second = watcher();
    await second.start();
    expect(second.isRevoked('edge-2', 'X')).toBe(true);
    await second.stop();
  });

  it('ignores lists not signed by the CA and counts them', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const target = watcher(metrics);
    await target.start();
    const forger = new CoreControlSigner(createCertificateAuthority().privateKeyPem);
    await publishList({ type: 'revocations', issuedAtMs: 5_000, revoked: [{ edgeId: 'edge-1', revokedAtMs: 1, reason: 'forged' }] }, forger);
    await publishList({ type: 'revocations', issuedAtMs: 6_000, revoked: [{ edgeId: 'edge-1', revokedAtMs: 1, reason: 'edge-signed' }] }, new EdgeControlSigner(identity));
    const rejected = async () => (await metrics.render()).body.includes('vigil_fleet_revocation_lists_rejected_total{code="VIGIL_ERR_PROVENANCE_BAD_SIGNATURE"} 2');
    const deadline = Date.now() + 10_000;
    while (!(await rejected())) {
      if (Date.now() > deadline) throw new Error('both forged lists were not counted');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(target.isRevoked('edge-1', 'A')).toBe(false);
    expect(target.issuedAtMs).toBe(-1);
    await target.stop();
  });

  it('sends signed heartbeats with totals, EPS and the edge clock', async () => {
    let now = 1_700_000_000_000;
    let received = 0;
    const publisher = new HeartbeatPublisher({
      producer: bus.createProducer(),
      signer: new EdgeControlSigner(identity),
      edgeId: 'edge-1',
      bootId: 'boot-1',
      version: '0.1.0',
      intervalMs: 60_000,
      status: async () => ({ received, published: received, inFlight: 3, drops: { blocked_source: 2 }, certificate: { serial: '0A', notAfter: '2027-11-24T00:00:00.000Z' } }),
      metrics: new Metrics({ defaultMetrics: false }),
      logger: silentLogger(),
      now: () => now,
    });
    await publisher.start();
    now += 5_000;
    received = 5_000;
    await publisher.beat();
    await publisher.stop();

    const seen: unknown[] = [];
    const consumer = bus.createConsumer({ groupId: 'reader', topics: [TOPICS.heartbeats] });
    const verifier = new ControlVerifier({ caCertificatePem: ca.certificatePem });
    await consumer.run(async (batch) => {
      for (const message of batch.messages) {
        const verified = verifier.fromEdge(message.value);
        expect(verified.ok && verified.edgeId).toBe('edge-1');
        if (verified.ok) seen.push(heartbeatSchema.parse(verified.payload));
      }
    });
    await until(() => seen.length === 2, 'two heartbeats');
    await consumer.stop();
    expect(seen[1]).toMatchObject({ edgeId: 'edge-1', bootId: 'boot-1', sentAtMs: now, eventsPerSecond: 1000, received: 5000, inFlight: 3, drops: { blocked_source: 2 } });
  });
});
