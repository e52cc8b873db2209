import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCertificateAuthority, generateRsaKeyPair, issueEdgeCertificate } from '@vigil/provenance';
import { captureLogger } from '../testing/capture-logger.ts';
import { createSqliteFleetRepository } from '../fleet/sqlite-fleet-repository.ts';
import { TestEdge, createFleetTestBed, enrollThroughApi, type FleetTestBed } from '../fleet/test-bed.ts';
import { bearer, createTestApi, type TestApi } from '../testing/harness.ts';

let bed: FleetTestBed;
let api: TestApi;
let viewerToken: string;
let clock = Date.now();
const log = captureLogger();
const edgeKeys = generateRsaKeyPair();

beforeAll(async () => {
  bed = await createFleetTestBed();
  api = await createTestApi({}, log.logger, (dir) => ({
    repository: createSqliteFleetRepository(join(dir, 'auth.db')),
    bus: bed.bus,
    producer: bed.producer,
    ca: bed.ca,
    now: () => clock,
  }));
  await api.server.start();
  viewerToken = await api.login('victor');
});

afterAll(async () => {
  await api.close();
  await bed.close();
});

async function edgeView(edgeId: string) {
  const response = await api.server.app.inject({ url: `/api/v1/edges/${edgeId}`, headers: bearer(viewerToken) });
  return { statusCode: response.statusCode, body: response.json() };
}

describe('edge health from heartbeats', () => {
  it('shows an edge online with its events per second, spool, drops, version and clock offset', async () => {
    const edge = new TestEdge('dc1-fw-edge', edgeKeys);
    const serial = await enrollThroughApi(api.server.app, await api.login('admin'), edge);
    expect((await edgeView('dc1-fw-edge')).body.status).toBe('enrolled');

    // The edge's clock runs 2.5 s behind the core's.
    await bed.sendFromEdge(edge, edge.sign(edge.heartbeat(clock - 2_500, { certificate: { serial, notAfter: '2027-03-01T00:00:00.000Z' } })));
    await vi.waitFor(async () => expect((await edgeView('dc1-fw-edge')).body.lastHeartbeat).not.toBeNull());
    const { body } = await edgeView('dc1-fw-edge');
    expect(body).toMatchObject({
      edgeId: 'dc1-fw-edge',
      status: 'online',
      certificate: { serial },
      lastHeartbeat: {
        receivedAt: new Date(clock).toISOString(),
        sentAt: new Date(clock - 2_500).toISOString(),
        clockOffsetMs: 2_500,
        version: '0.4.0',
        intervalMs: 5_000,
        eventsPerSecond: 412.5,
        spool: { usedBytes: 7_340_032, maxBytes: 1_073_741_824, pendingRecords: 36 },
        drops: { 'udp-buffer-full': 14, 'parse-error': 0 },
        certificate: { serial },
      },
    });
    const listed = await api.server.app.inject({ url: '/api/v1/edges', headers: bearer(viewerToken) });
    expect(listed.json().edges.find((entry: { edgeId: string }) => entry.edgeId === 'dc1-fw-edge')?.status).toBe('online');
  });

  it('calls an edge silent once three of its intervals pass without a heartbeat', async () => {
    const start = clock;
    try {
      clock = start + 15_000;
      expect((await edgeView('dc1-fw-edge')).body.status).toBe('online');
      clock = start + 15_001;
      expect((await edgeView('dc1-fw-edge')).body.status).toBe('silent');
    } finally {
      clock = start;
    }
  });

  it('lists an edge the API never enrolled (like the built-in edge of vigil start) once it sends heartbeats', async () => {
    const local = new TestEdge('local', edgeKeys);
    local.certificatePem = issueEdgeCertificate(bed.ca, { edgeId: 'local', publicKeyPem: edgeKeys.publicKeyPem });
    expect((await edgeView('local')).statusCode).toBe(404);
    await bed.sendFromEdge(local, local.sign(local.heartbeat(clock + 40)));
    await vi.waitFor(async () => expect((await edgeView('local')).statusCode).toBe(200));
    const { body } = await edgeView('local');
    // The heartbeat claims serial 3F9A; the view shows the certificate that signed it.
    const serial = new X509Certificate(local.certificatePem).serialNumber;
    expect(serial).not.toBe('3F9A');
    expect(body).toMatchObject({ status: 'online', enrolledAt: null, certificate: { serial, issuedAt: null }, lastHeartbeat: { clockOffsetMs: -40 } });
  });

  it('rejects heartbeats it cannot verify or whose content does not match the signer, counts them by code and logs each code once', async () => {
    const rogueCa = createCertificateAuthority({ commonName: 'Rogue CA' });
    const impostor = new TestEdge('dc1-fw-edge', edgeKeys);
    impostor.certificatePem = issueEdgeCertificate(rogueCa, { edgeId: 'dc1-fw-edge', publicKeyPem: edgeKeys.publicKeyPem });
    const intruder = new TestEdge('branch-9-edge', edgeKeys);
    await enrollThroughApi(api.server.app, await api.login('admin'), intruder);
    const before = (await edgeView('dc1-fw-edge')).body.lastHeartbeat;

    for (let round = 0; round < 2; round++) {
      await bed.sendFromEdge(impostor, impostor.sign(impostor.heartbeat(clock, { eventsPerSecond: 0 })));
      await bed.sendFromEdge(intruder, '<134>Feb  3 10:00:00 not a control envelope');
      await bed.sendFromEdge(intruder, intruder.sign(intruder.heartbeat(clock, { edgeId: 'dc1-fw-edge', eventsPerSecond: 1 })));
      await bed.sendFromEdge(intruder, intruder.sign({ ...intruder.heartbeat(clock), eventsPerSecond: -5 }));
      const envelope = JSON.parse(intruder.sign(intruder.heartbeat(clock))) as { payload: string };
      const altered = { ...envelope, payload: Buffer.from(JSON.stringify(intruder.heartbeat(clock, { received: 0 }))).toString('base64') };
      await bed.sendFromEdge(intruder, JSON.stringify(altered));
    }
    // A good heartbeat after the bad ones: once it is in, every message before it was handled.
    await bed.sendFromEdge(intruder, intruder.sign(intruder.heartbeat(clock + 7)));
    await vi.waitFor(async () => expect((await edgeView('branch-9-edge')).body.lastHeartbeat?.clockOffsetMs).toBe(-7));

    expect((await edgeView('dc1-fw-edge')).body.lastHeartbeat).toEqual(before);
    const metrics = (await api.metrics.render()).body;
    for (const code of ['VIGIL_ERR_PROVENANCE_UNKNOWN_EDGE', 'VIGIL_ERR_PROVENANCE_MALFORMED', 'VIGIL_ERR_API_FLEET_EDGE_MISMATCH', 'VIGIL_ERR_API_FLEET_BAD_MESSAGE', 'VIGIL_ERR_PROVENANCE_BAD_SIGNATURE']) {
      expect(metrics, code).toContain(`vigil_api_fleet_rejected_total{code="${code}"} 2`);
      expect(log.lines.filter((line) => line.includes(`"code":"${code}"`)), code).toHaveLength(1);
    }
  });

  it('stops believing a revoked edge\'s heartbeats', async () => {
    const edge = new TestEdge('branch-4-edge', edgeKeys);
    await enrollThroughApi(api.server.app, await api.login('admin'), edge);
    await bed.sendFromEdge(edge, edge.sign(edge.heartbeat(clock - 1)));
    await vi.waitFor(async () => expect((await edgeView('branch-4-edge')).body.lastHeartbeat?.clockOffsetMs).toBe(1));
    const revoked = await api.server.app.inject({ method: 'POST', url: '/api/v1/edges/branch-4-edge/revoke', headers: bearer(await api.login('admin')), payload: { reason: 'returned to vendor' } });
    expect(revoked.statusCode).toBe(200);
    await bed.sendFromEdge(edge, edge.sign(edge.heartbeat(clock)));
    await vi.waitFor(async () => expect((await api.metrics.render()).body).toContain('vigil_api_fleet_rejected_total{code="VIGIL_ERR_PROVENANCE_REVOKED"} 1'));
    expect((await edgeView('branch-4-edge')).body).toMatchObject({ status: 'revoked', revocationReason: 'returned to vendor', lastHeartbeat: { clockOffsetMs: 1 } });
  });
});
