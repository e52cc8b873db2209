import { X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BusMessage } from '@vigil/bus';
import { REVOCATIONS_KEY, commandSchema, revocationListSchema } from '@vigil/fleet';
import { BatchSigner, BatchVerifier, ControlVerifier, generateRsaKeyPair } from '@vigil/provenance';
import { TOPICS } from '@vigil/schema';
import { createSqliteFleetRepository } from '../fleet/sqlite-fleet-repository.ts';
import { TestEdge, createFleetTestBed, type FleetTestBed } from '../fleet/test-bed.ts';
import { bearer, createTestApi, type TestApi } from '../testing/harness.ts';

let bed: FleetTestBed;
let api: TestApi;
const firstKeys = generateRsaKeyPair();
const rotatedKeys = generateRsaKeyPair();

beforeAll(async () => {
  bed = await createFleetTestBed();
  api = await createTestApi({}, undefined, (dir) => ({ repository: createSqliteFleetRepository(join(dir, 'auth.db')), bus: bed.bus, producer: bed.producer, ca: bed.ca }));
  await api.server.start();
});

afterAll(async () => {
  await api.close();
  await bed.close();
});

describe('an edge\'s life: enroll, heartbeat, command, renew, revoke', () => {
  it('works end to end with real keys, CSRs and signatures over the embedded bus', async () => {
    const admin = bearer(await api.login('admin'));
    const app = api.server.app;
    const commands: BusMessage[] = await bed.collect(TOPICS.commands);
    const edge = new TestEdge('hq-dmz-edge', firstKeys);

    // 1. Enroll: token from an admin, certificate for the edge's own key.
    const token = (await app.inject({ method: 'POST', url: '/api/v1/edges/enrollment-tokens', headers: admin, payload: { edgeId: edge.edgeId, ttlSeconds: 600 } })).json().token;
    const enrolled = await app.inject({ method: 'POST', url: '/api/v1/edges/enroll', payload: { token, csrPem: edge.csr() } });
    expect(enrolled.statusCode, enrolled.body).toBe(201);
    edge.certificatePem = enrolled.json().certificatePem;
    // What the edge keeps to check commands later: the CA certificate it got at enrollment.
    const edgeSideVerifier = new ControlVerifier({ caCertificatePem: enrolled.json().caCertificatePem });

    // 2. Heartbeat: the core shows the edge online.
    await bed.sendFromEdge(edge, edge.sign(edge.heartbeat(Date.now())));
    await vi.waitFor(async () => expect((await app.inject({ url: `/api/v1/edges/${edge.edgeId}`, headers: admin })).json().status).toBe('online'));

    // 3. Command: the edge verifies it with the CA certificate, acts, and reports.
    const sent = await app.inject({ method: 'POST', url: `/api/v1/edges/${edge.edgeId}/commands`, headers: admin, payload: { action: 'block-source', args: { address: '198.51.100.23' } } });
    expect(sent.statusCode).toBe(202);
    await vi.waitFor(() => expect(commands.some((message) => message.key?.toString() === edge.edgeId)).toBe(true));
    const received = edgeSideVerifier.fromCore(commands.find((message) => message.key?.toString() === edge.edgeId)!.value);
    expect(received.ok).toBe(true);
    const command = commandSchema.parse(received.ok && received.payload);
    expect(command.expiresAtMs).toBeGreaterThan(Date.now());
    await bed.sendFromEdge(edge, edge.sign({ type: 'command-result', commandId: command.id, edgeId: edge.edgeId, action: command.action, status: 'succeeded', detail: 'blocked 198.51.100.23 on syslog and HTTP listeners', atMs: Date.now() }));
    await vi.waitFor(async () => {
      const listed = (await app.inject({ url: `/api/v1/edges/${edge.edgeId}/commands`, headers: admin })).json().commands;
      expect(listed[0]).toMatchObject({ id: command.id, status: 'succeeded', detail: 'blocked 198.51.100.23 on syslog and HTTP listeners' });
      expect(listed[0].completedAt).not.toBeNull();
    });

    // 4. Renew before expiry: a new key, proven with the old one; heartbeats signed with the new certificate are believed.
    const renewed = await app.inject({ method: 'POST', url: '/api/v1/edges/renew', payload: edge.renewal(rotatedKeys) });
    expect(renewed.statusCode, renewed.body).toBe(201);
    edge.keys = rotatedKeys;
    edge.certificatePem = renewed.json().certificatePem;
    const newSerial = new X509Certificate(edge.certificatePem!).serialNumber;
    await bed.sendFromEdge(edge, edge.sign(edge.heartbeat(Date.now(), { certificate: { serial: newSerial, notAfter: renewed.json().notAfter } })));
    await vi.waitFor(async () => expect((await app.inject({ url: `/api/v1/edges/${edge.edgeId}`, headers: admin })).json().lastHeartbeat.certificate.serial).toBe(newSerial));

    // 5. Revoke: the list is on the bus at once, and a verifier that applies it rejects the edge's batches.
    const revoked = await app.inject({ method: 'POST', url: `/api/v1/edges/${edge.edgeId}/revoke`, headers: admin, payload: { reason: 'host compromised' } });
    expect(revoked.statusCode).toBe(200);
    await vi.waitFor(() => expect(commands.some((message) => message.key?.toString() === REVOCATIONS_KEY)).toBe(true));
    const published = new ControlVerifier({ caCertificatePem: bed.ca.certificatePem }).fromCore(commands.find((message) => message.key?.toString() === REVOCATIONS_KEY)!.value);
    const list = revocationListSchema.parse(published.ok && published.payload);
    expect(list.revoked).toEqual([expect.objectContaining({ edgeId: edge.edgeId, reason: 'host compromised' })]);
    const revokedEdges = new Set(list.revoked.filter((entry) => entry.serial === undefined).map((entry) => entry.edgeId));
    const engine = new BatchVerifier({ caCertificatePem: bed.ca.certificatePem, isRevoked: (edgeId) => revokedEdges.has(edgeId) });
    const batch = new BatchSigner({ edgeId: edge.edgeId, privateKeyPem: rotatedKeys.privateKeyPem, certificatePem: edge.certificatePem! }).sign({
      edgeId: edge.edgeId, bootId: edge.bootId, sequence: 1n, sentAtMs: Date.now(), events: [Buffer.from('{"message":"Failed password for root from 198.51.100.23"}')],
    });
    const verdict = engine.verify(batch);
    expect(!verdict.ok && verdict.error.code).toBe('VIGIL_ERR_PROVENANCE_REVOKED');

    // The revoked edge cannot come back through renewal.
    const comeback = await app.inject({ method: 'POST', url: '/api/v1/edges/renew', payload: edge.renewal(firstKeys) });
    expect(comeback.statusCode).toBe(409);
    expect((await app.inject({ url: '/api/v1/edges', headers: admin })).json().edges).toEqual([expect.objectContaining({ edgeId: edge.edgeId, status: 'revoked' })]);
  });
});
