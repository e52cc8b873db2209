import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BusMessage } from '@vigil/bus';
import { REVOCATIONS_KEY, RevocationWatcher, commandSchema, revocationListSchema, type RevocationList } from '@vigil/fleet';
import { BatchSigner, BatchVerifier, ControlVerifier, generateRsaKeyPair } from '@vigil/provenance';
import { Metrics, silentLogger } from '@vigil/runtime';
import { TOPICS } from '@vigil/schema';
import { TestEdge, createFleetTestApi, createFleetTestBed, enrollThroughApi, type FleetTestBed } from '../fleet/test-bed.ts';
import { bearer, type TestApi } from '../testing/harness.ts';

let bed: FleetTestBed;
let api: TestApi;
let adminToken: string;
let commands: BusMessage[];
let clockShiftMs = 0;
const edgeKeys = generateRsaKeyPair();
const firewall = new TestEdge('dc1-fw-edge', edgeKeys);
const proxy = new TestEdge('dc1-proxy-edge', edgeKeys);

beforeAll(async () => {
  bed = await createFleetTestBed();
  api = await createFleetTestApi(bed, () => Date.now() + clockShiftMs);
  await api.server.start();
  adminToken = await api.login('admin');
  await enrollThroughApi(api.server.app, adminToken, firewall);
  await enrollThroughApi(api.server.app, adminToken, proxy);
  commands = await bed.collect(TOPICS.commands);
});

afterAll(async () => {
  await api.close();
  await bed.close();
});

const core = () => new ControlVerifier({ caCertificatePem: bed.ca.certificatePem });

function sendCommand(edgeId: string, payload: object, token = adminToken) {
  return api.server.app.inject({ method: 'POST', url: `/api/v1/edges/${edgeId}/commands`, headers: bearer(token), payload });
}

async function commandsOf(edgeId: string): Promise<{ id: string; status: string; detail: string | null }[]> {
  const response = await api.server.app.inject({ url: `/api/v1/edges/${edgeId}/commands`, headers: bearer(adminToken) });
  expect(response.statusCode).toBe(200);
  return response.json().commands;
}

describe('commands', () => {
  it('are signed with the CA key, published on vigil.commands for their edge, and recorded as pending', async () => {
    const response = await sendCommand('dc1-fw-edge', { action: 'block-source', args: { address: '203.0.113.50' } });
    expect(response.statusCode, response.body).toBe(202);
    const record = response.json();
    expect(record).toMatchObject({ edgeId: 'dc1-fw-edge', action: 'block-source', args: { address: '203.0.113.50' }, issuedBy: 'admin', status: 'pending', detail: null });
    expect(Date.parse(record.expiresAt) - Date.parse(record.issuedAt)).toBe(300_000);

    await vi.waitFor(() => expect(commands.some((message) => message.key?.toString() === 'dc1-fw-edge')).toBe(true));
    const message = commands.find((entry) => entry.key?.toString() === 'dc1-fw-edge')!;
    const verified = core().fromCore(message.value);
    expect(verified.ok).toBe(true);
    const command = commandSchema.parse(verified.ok && verified.payload);
    expect(command).toMatchObject({ id: record.id, edgeId: 'dc1-fw-edge', action: 'block-source', args: { address: '203.0.113.50' }, issuedBy: 'admin' });
    expect(command.expiresAtMs).toBe(Date.parse(record.expiresAt));

    // A forged command (changed after signing) does not verify at the edge.
    const envelope = JSON.parse(message.value.toString()) as { payload: string };
    const forged = JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify({ ...command, args: { address: '0.0.0.0/0' } })).toString('base64') });
    expect(core().fromCore(forged).ok).toBe(false);

    expect((await commandsOf('dc1-fw-edge')).find((entry) => entry.id === record.id)?.status).toBe('pending');
  });

  it('record an API key caller by key name', async () => {
    const { key } = await api.auth.createApiKey({ name: 'soar-playbooks', role: 'admin', createdBy: 'admin' });
    const response = await sendCommand('dc1-fw-edge', { action: 'set-log-level', args: { level: 'debug' }, ttlSeconds: 60 }, key);
    expect(response.statusCode).toBe(202);
    expect(response.json().issuedBy).toBe('api-key:soar-playbooks');
  });

  it('move to the status the edge reports; results for unknown commands or other edges\' commands change nothing', async () => {
    const sent = (await sendCommand('dc1-fw-edge', { action: 'unblock-source', args: { address: '203.0.113.0/24' } })).json();
    const result = { type: 'command-result', commandId: sent.id, edgeId: 'dc1-fw-edge', action: 'unblock-source', status: 'succeeded', detail: 'unblocked 203.0.113.0/24', atMs: Date.now() };
    // The proxy edge claims the firewall's command: signed correctly, but not its command.
    await bed.sendFromEdge(proxy, proxy.sign({ ...result, edgeId: 'dc1-proxy-edge', status: 'failed', detail: 'not me' }));
    await bed.sendFromEdge(firewall, firewall.sign({ ...result, commandId: '9d8c7b6a-5f4e-4d3c-8b2a-190817263544' }));
    await bed.sendFromEdge(firewall, firewall.sign(result));

    await vi.waitFor(async () => expect((await commandsOf('dc1-fw-edge')).find((entry) => entry.id === sent.id)).toMatchObject({ status: 'succeeded', detail: 'unblocked 203.0.113.0/24' }));
    const metrics = (await api.metrics.render()).body;
    expect(metrics).toContain('vigil_api_fleet_unknown_results_total 1');
    expect(metrics).toContain('vigil_api_fleet_rejected_total{code="VIGIL_ERR_API_FLEET_EDGE_MISMATCH"} 1');
  });

  it('nobody answered become expired once their expiry has passed', async () => {
    const sent = (await sendCommand('dc1-proxy-edge', { action: 'reload-config', args: {}, ttlSeconds: 10 })).json();
    expect((await commandsOf('dc1-proxy-edge'))[0]).toMatchObject({ id: sent.id, status: 'pending' });
    clockShiftMs = 10_001;
    try {
      expect((await commandsOf('dc1-proxy-edge'))[0]).toMatchObject({ id: sent.id, status: 'expired', detail: 'no result from the edge before the command expired' });
    } finally {
      clockShiftMs = 0;
    }
  });

  it('are checked against their action and go only to known edges', async () => {
    for (const payload of [
      { action: 'block-source', args: { address: 'not-an-address' } },
      { action: 'block-source', args: { address: '203.0.113.50', port: 22 } },
      { action: 'set-log-level', args: { level: 'verbose' } },
      { action: 'rm-rf', args: {} },
      { action: 'reload-config', args: {}, ttlSeconds: 2 * 86_400 },
    ]) {
      const response = await sendCommand('dc1-fw-edge', payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      expect(response.json().error.code).toBe('VIGIL_ERR_API_BAD_REQUEST');
    }
    const unknown = await sendCommand('dc9-unknown-edge', { action: 'reload-config', args: {} });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('VIGIL_ERR_API_EDGE_NOT_FOUND');
    expect((await api.server.app.inject({ url: '/api/v1/edges/dc9-unknown-edge/commands', headers: bearer(adminToken) })).statusCode).toBe(404);
  });

  it('are sent by admins only and listed to readers, newest first', async () => {
    const analyst = await api.login('alice');
    expect((await sendCommand('dc1-fw-edge', { action: 'reload-config', args: {} }, analyst)).statusCode).toBe(403);
    const viewer = await api.login('victor');
    const listed = await api.server.app.inject({ url: '/api/v1/edges/dc1-fw-edge/commands?size=2', headers: bearer(viewer) });
    expect(listed.statusCode).toBe(200);
    const issued = (listed.json().commands as { issuedAt: string }[]).map((entry) => Date.parse(entry.issuedAt));
    expect(issued).toHaveLength(2);
    expect(issued[0]).toBeGreaterThanOrEqual(issued[1]!);
    expect((await api.server.app.inject({ url: '/api/v1/edges', headers: bearer(await api.login('ivan')) })).statusCode).toBe(403);
  });
});

describe('revocation', () => {
  const lists = (): RevocationList[] =>
    commands
      .filter((message) => message.key?.toString() === REVOCATIONS_KEY)
      .map((message) => {
        const verified = core().fromCore(message.value);
        if (!verified.ok) throw new Error(`unverifiable revocation list: ${verified.error.message}`);
        return revocationListSchema.parse(verified.payload);
      });

  it('publishes the full CA-signed list at once, again periodically, and engines reading it reject the edge\'s batches', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'vigil-revocations-'));
    const watcher = new RevocationWatcher({
      bus: bed.bus,
      groupId: 'engine-revocations-test',
      verifier: core(),
      stateFile: join(stateDir, 'revocations.json'),
      metrics: new Metrics({ defaultMetrics: false }),
      logger: silentLogger(),
    });
    await watcher.start();
    try {
      const batchVerifier = new BatchVerifier({ caCertificatePem: bed.ca.certificatePem, isRevoked: (edgeId, serial) => watcher.isRevoked(edgeId, serial) });
      const signer = new BatchSigner({ edgeId: 'dc1-fw-edge', privateKeyPem: edgeKeys.privateKeyPem, certificatePem: firewall.certificatePem! });
      const batch = (sequence: bigint) => signer.sign({ edgeId: 'dc1-fw-edge', bootId: firewall.bootId, sequence, sentAtMs: Date.now(), events: [Buffer.from('{"message":"Accepted publickey for deploy"}')] });
      expect(batchVerifier.verify(batch(1n)).ok).toBe(true);

      const revoked = await api.server.app.inject({ method: 'POST', url: '/api/v1/edges/dc1-fw-edge/revoke', headers: bearer(adminToken), payload: { reason: 'private key found on a paste site' } });
      expect(revoked.statusCode, revoked.body).toBe(200);
      expect(revoked.json()).toMatchObject({ edgeId: 'dc1-fw-edge', status: 'revoked', revocationReason: 'private key found on a paste site' });
      await vi.waitFor(() => expect(lists().at(-1)?.revoked.map((entry) => entry.edgeId)).toEqual(['dc1-fw-edge']));

      await vi.waitFor(() => expect(watcher.isRevoked('dc1-fw-edge', 'ANY')).toBe(true));
      const rejected = batchVerifier.verify(batch(2n));
      expect(rejected.ok).toBe(false);
      expect(!rejected.ok && rejected.error.code).toBe('VIGIL_ERR_PROVENANCE_REVOKED');

      const second = await api.server.app.inject({ method: 'POST', url: '/api/v1/edges/dc1-proxy-edge/revoke', headers: bearer(adminToken), payload: { reason: 'decommissioned' } });
      expect(second.statusCode).toBe(200);
      await vi.waitFor(() => expect(lists().at(-1)?.revoked.map((entry) => entry.edgeId)).toEqual(['dc1-fw-edge', 'dc1-proxy-edge']));
      const latest = lists().at(-1)!;
      expect(latest.revoked[0]).toMatchObject({ reason: 'private key found on a paste site' });

      const published = lists().length;
      await vi.waitFor(() => expect(lists().length).toBeGreaterThan(published), { timeout: 5000 });
      expect(lists().at(-1)).toEqual(latest);

      const again = await api.server.app.inject({ method: 'POST', url: '/api/v1/edges/dc1-fw-edge/revoke', headers: bearer(adminToken), payload: { reason: 'second thoughts' } });
      expect(again.json().revocationReason).toBe('private key found on a paste site');
      const command = await sendCommand('dc1-fw-edge', { action: 'reload-config', args: {} });
      expect(command.statusCode).toBe(409);
      expect(command.json().error.code).toBe('VIGIL_ERR_API_EDGE_REVOKED');
    } finally {
      await watcher.stop();
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
