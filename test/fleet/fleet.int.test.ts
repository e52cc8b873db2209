import { statSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert } from '@vigil/schema';
import { ADMIN_PASSWORD, apiClient, freePort, makeDataDir, removeDataDir, waitFor } from '../e2e/harness.ts';
import { requiredEnv, runVigil, startDedicatedKafka, startRole, stopRoles, writeDistributedConfig, type DedicatedKafka, type RoleProcess } from '../distributed/cluster.ts';

/**
 * The fleet, end to end on Kafka and OpenSearch with every role its own process: an edge enrolls
 * with a one-time token, reports heartbeats the API shows as health, and once an admin revokes it
 * the engine and indexer reject its batches within one heartbeat interval, with an alert.
 */
const HEARTBEAT_MS = 5_000;

interface EdgeView {
  edgeId: string;
  status: string;
  lastHeartbeat: { eventsPerSecond: number; version: string; clockOffsetMs: number } | null;
}

describe('fleet: enrollment, health and revocation', () => {
  const dataDir = makeDataDir();
  const run = `fleet${Date.now().toString(36)}`;
  const roles: Record<string, RoleProcess | undefined> = {};
  let kafka: DedicatedKafka | undefined;
  let api: Awaited<ReturnType<typeof apiClient>>;
  let apiUrl: string;
  let config: string;
  let caCert: string;

  beforeAll(async () => {
    const openSearchUrl = requiredEnv('VIGIL_OPENSEARCH_URL');
    requiredEnv('VIGIL_KAFKA_BROKERS');
    kafka = await startDedicatedKafka(join(dataDir, 'stack'));
    config = writeDistributedConfig(join(dataDir, 'vigil.yaml'), { brokers: kafka.brokers, openSearchUrl, indexPrefix: `vigil-${run}` });
    const core = join(dataDir, 'core');
    runVigil(['pki', 'init'], { VIGIL_DATA_DIR: core });
    caCert = join(core, 'pki', 'ca.crt');
    roles.api = await startRole('api', { VIGIL_CONFIG: config, VIGIL_DATA_DIR: join(dataDir, 'api'), VIGIL_ADMIN_PASSWORD: ADMIN_PASSWORD, VIGIL_CA_CERT: caCert, VIGIL_CA_KEY: join(core, 'pki', 'ca.key') });
    apiUrl = `http://127.0.0.1:${roles.api.port}`;
    roles.indexer = await startRole('indexer', { VIGIL_CONFIG: config, VIGIL_DATA_DIR: join(dataDir, 'indexer'), VIGIL_CA_CERT: caCert });
    roles.engine = await startRole('engine', { VIGIL_CONFIG: config, VIGIL_DATA_DIR: join(dataDir, 'engine'), VIGIL_CA_CERT: caCert });
    api = await apiClient({ apiUrl: (path) => `${apiUrl}${path}` });
  }, 300_000);

  afterAll(async () => {
    await stopRoles(Object.values(roles));
    kafka?.stop();
    removeDataDir(dataDir);
  });

  it('enrolls an edge with a one-time token, shows its health, and rejects it within one heartbeat of its revocation', async () => {
    const { status, body: token } = await api<{ token: string }>('/api/v1/edges/enrollment-tokens', { method: 'POST', body: JSON.stringify({ edgeId: 'edge-fleet' }) });
    expect(status).toBe(201);
    const identityDir = join(dataDir, 'edge', 'identity');
    runVigil(['enroll', '--api', apiUrl, '--token', token.token, '--edge-id', 'edge-fleet', '--identity-dir', identityDir], {});
    expect(statSync(join(identityDir, 'edge.key')).mode & 0o777).toBe(0o600);
    // The token was for one use only.
    expect(() => runVigil(['enroll', '--api', apiUrl, '--token', token.token, '--edge-id', 'edge-fleet', '--identity-dir', join(dataDir, 'again'), '--force'], {})).toThrow();

    const syslogPort = await freePort('tcp+udp');
    roles.edge = await startRole('edge', {
      VIGIL_CONFIG: config,
      VIGIL_DATA_DIR: join(dataDir, 'edge'),
      VIGIL_EDGE_ID: 'edge-fleet',
      VIGIL_EDGE_IDENTITY_DIR: identityDir,
      VIGIL_API_URL: apiUrl,
      VIGIL_SYSLOG_HOST: '127.0.0.1',
      VIGIL_SYSLOG_PORT: String(syslogPort),
    });

    const online = await waitFor(
      async () => (await api<{ edges: EdgeView[] }>('/api/v1/edges')).body.edges.find((edge) => edge.edgeId === 'edge-fleet'),
      (edge) => edge?.status === 'online' && edge.lastHeartbeat !== null,
      60_000,
      'the edge online with a heartbeat',
    );
    expect(Math.abs(online!.lastHeartbeat!.clockOffsetMs)).toBeLessThan(HEARTBEAT_MS);

    // A steady stream, each line stamped with when it was sent.
    const socket = createSocket('udp4');
    let sent = 0;
    let streaming = true;
    const stream = (async () => {
      while (streaming) {
        const line = `<38>1 ${new Date().toISOString()} web-1 app - - - ${run} n=${sent++} sentAt=${Date.now()}`;
        await new Promise<void>((resolve) => socket.send(line, syslogPort, '127.0.0.1', () => resolve()));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      socket.close();
    })();
    const stored = async () => (await api<{ total: number }>(`/api/v1/events?q=${run}&size=1`)).body.total;
    await waitFor(stored, (count) => count > 50, 60_000, 'events from the enrolled edge');

    // A signed command reaches the edge, which verifies it, acts, and reports back.
    const issued = await api<{ id: string }>('/api/v1/edges/edge-fleet/commands', { method: 'POST', body: JSON.stringify({ action: 'set-log-level', args: { level: 'debug' } }) });
    expect(issued.status).toBe(202);
    const done = await waitFor(
      async () => (await api<{ commands: Array<{ id: string; status: string; detail: string | null }> }>('/api/v1/edges/edge-fleet/commands')).body.commands.find((command) => command.id === issued.body.id),
      (command) => command?.status !== 'pending',
      60_000,
      'the command result',
    );
    expect(done).toMatchObject({ status: 'succeeded' });

    const revoked = await api('/api/v1/edges/edge-fleet/revoke', { method: 'POST', body: JSON.stringify({ reason: 'test: stolen laptop' }) });
    expect(revoked.status).toBe(200);
    const revokedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 3 * HEARTBEAT_MS));
    streaming = false;
    await stream;

    const alerts = await waitFor(
      async () => (await api<{ alerts: Alert[] }>('/api/v1/alerts?size=100')).body.alerts,
      (list) => list.some((alert) => alert.rule.id === 'vigil-provenance-revoked-edge'),
      60_000,
      'the revoked-edge alert',
    );
    expect(alerts.find((alert) => alert.rule.id === 'vigil-provenance-revoked-edge')!.message).toContain('edge-fleet');

    // Nothing the edge sent one heartbeat interval after the revocation was stored.
    const { body: latest } = await api<{ events: Array<{ message: string }> }>(`/api/v1/events?q=${run}&size=1000`);
    const sentTimes = latest.events.map((event) => Number(/sentAt=(\d+)/.exec(event.message)?.[1]));
    const lastStored = Math.max(...sentTimes);
    expect(lastStored).toBeLessThan(revokedAt + HEARTBEAT_MS);
    console.log(`fleet: ${sent} lines sent, last stored one sent ${lastStored - revokedAt} ms after the revocation (limit ${HEARTBEAT_MS} ms)`);

    // A revoked edge's heartbeats are refused too: the core sees it go silent and says so.
    await waitFor(
      async () => (await api<{ alerts: Alert[] }>('/api/v1/alerts?size=100')).body.alerts,
      (list) => list.some((alert) => alert.rule.id === 'vigil-fleet-edge-silent'),
      60_000,
      'the edge-silent alert',
    );
    const { body: listed } = await api<{ edges: EdgeView[] }>('/api/v1/edges');
    expect(listed.edges.find((edge) => edge.edgeId === 'edge-fleet')?.status).toBe('revoked');
  }, 300_000);
});
