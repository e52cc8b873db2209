import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEmbeddedBus, type EmbeddedBus } from '@vigil/bus';
import type { Heartbeat } from '@vigil/fleet';
import { ControlVerifier, EdgeControlSigner, createCertificateAuthority, generateRsaKeyPair, issueEdgeCertificate } from '@vigil/provenance';
import { Metrics, silentLogger } from '@vigil/runtime';
import { TOPICS, type Alert } from '@vigil/schema';
import { engineConfigSchema } from './config.ts';
import { FleetMonitor } from './fleet-monitor.ts';
import { ProvenanceAlerts } from './provenance-alerts.ts';

const ca = createCertificateAuthority();
const keys = generateRsaKeyPair();
const identity = { edgeId: 'edge-9', privateKeyPem: keys.privateKeyPem, certificatePem: issueEdgeCertificate(ca, { edgeId: 'edge-9', publicKeyPem: keys.publicKeyPem }) };
const signer = new EdgeControlSigner(identity);

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function heartbeat(sentAtMs: number): Heartbeat {
  return {
    type: 'heartbeat', edgeId: 'edge-9', bootId: 'b', version: '0.1.0', sentAtMs, startedAtMs: sentAtMs, intervalMs: 5_000,
    eventsPerSecond: 0, received: 0, published: 0, inFlight: 0, drops: {}, certificate: { serial: '01', notAfter: '2030-01-01T00:00:00.000Z' },
  };
}

describe('fleet monitor', () => {
  let dir: string;
  let bus: EmbeddedBus;
  let now: number;
  let alerts: Alert[];
  let monitor: FleetMonitor;
  let revoked: boolean;
  const metrics = new Metrics({ defaultMetrics: false });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vigil-fleet-monitor-'));
    bus = await createEmbeddedBus({ directory: join(dir, 'bus'), pollIntervalMs: 20 });
    await bus.ensureTopics([TOPICS.heartbeats, TOPICS.alerts].map((name) => ({ name, partitions: 1, replicationFactor: 1 })));
    now = 1_800_000_000_000;
    alerts = [];
    revoked = false;
    const config = engineConfigSchema.parse({ fleet: { checkIntervalMs: 60_000, maxClockSkewMs: 30_000 } }).fleet;
    monitor = new FleetMonitor(config, {
      bus,
      producer: bus.createProducer(),
      verifier: new ControlVerifier({ caCertificatePem: ca.certificatePem, isRevoked: () => revoked }),
      alerts: new ProvenanceAlerts(60_000),
      stateFile: join(dir, 'fleet.json'),
      metrics,
      logger: silentLogger(),
      now: () => now,
    });
    await monitor.start();
    const reader = bus.createConsumer({ groupId: 'alerts-reader', topics: [TOPICS.alerts] });
    await reader.run(async (batch) => {
      for (const message of batch.messages) alerts.push(JSON.parse(message.value.toString()) as Alert);
    });
    cleanups.push(() => reader.stop());
  });

  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
    await monitor.stop();
    await bus.close();
    await rm(dir, { recursive: true, force: true });
  });

  const send = (value: string) => bus.createProducer().send(TOPICS.heartbeats, [{ key: 'edge-9', value }]);
  const seen = () => metrics.render().then(({ body }) => /vigil_engine_edge_clock_offset_ms\{edge="edge-9"\}/.test(body));

  it('raises one alert when an edge stops sending heartbeats, not one per check', async () => {
    await send(signer.sign(heartbeat(now)));
    await until(seen, 'the heartbeat');
    now += 14_000;
    await monitor.checkSilence();
    expect(alerts).toHaveLength(0);
    now += 2_000;
    await monitor.checkSilence();
    await monitor.checkSilence();
    await until(() => alerts.length === 1, 'the silence alert');
    expect(alerts[0]).toMatchObject({ rule: { id: 'vigil-fleet-edge-silent' }, vigil: { alert: { group: { 'vigil.edge.id': 'edge-9' } } } });
    expect(alerts[0]!.message).toContain('no heartbeat since');
  });

  it('raises a clock-drift alert once while the edge clock is off, and ignores heartbeats that do not verify', async () => {
    await send(signer.sign(heartbeat(now - 120_000)));
    await send(signer.sign(heartbeat(now - 119_000)));
    await until(() => alerts.length === 1, 'the drift alert');
    expect(alerts[0]).toMatchObject({ rule: { id: 'vigil-fleet-edge-clock-drift' } });
    expect(alerts[0]!.message).toContain("120 s behind the core's");
    await until(() => metrics.render().then(({ body }) => body.includes('vigil_engine_edge_clock_offset_ms{edge="edge-9"} 119000')), 'the second heartbeat');

    revoked = true;
    await send(signer.sign(heartbeat(now)));
    await send('{"v":1}');
    await until(() => metrics.render().then(({ body }) => body.includes('vigil_engine_heartbeats_rejected_total{code="VIGIL_ERR_PROVENANCE_REVOKED"} 1') && body.includes('code="VIGIL_ERR_PROVENANCE_MALFORMED"} 1')), 'rejections counted');
    expect(alerts).toHaveLength(1);
  });
});
