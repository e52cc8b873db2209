import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusMessage } from '@vigil/bus';
import { BatchSigner, loadEdgeIdentity } from '@vigil/provenance';
import { parseConfig, silentLogger } from '@vigil/runtime';
import { DLQ_HEADERS, TOPICS, decodeSignedBatch, encodeSignedBatch, eventId, type Alert, type EcsEvent } from '@vigil/schema';
import { startAllInOne, type AllInOne } from '../../packages/cli/src/all-in-one.ts';
import { vigilConfigSchema } from '../../packages/cli/src/config.ts';
import { ADMIN_PASSWORD, makeDataDir, removeDataDir, waitFor } from './harness.ts';

describe('a batch with a tampered signature', () => {
  const dataDir = makeDataDir();
  let vigil: AllInOne;
  let token: string;
  const api = async <T>(path: string): Promise<T> => {
    const response = await fetch(`http://${vigil.addresses.api}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return (await response.json()) as T;
  };

  beforeAll(async () => {
    const config = parseConfig(vigilConfigSchema, {
      dataDir,
      adminPassword: ADMIN_PASSWORD,
      api: { host: '127.0.0.1', port: 0 },
      edge: { http: { host: '127.0.0.1', port: 0 }, syslog: { udp: { host: '127.0.0.1', port: 0 }, tcp: { host: '127.0.0.1', port: 0 } } },
    });
    vigil = await startAllInOne(config, silentLogger());
    const login = await fetch(`http://${vigil.addresses.api}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
    });
    token = ((await login.json()) as { token: string }).token;
  });

  afterAll(async () => {
    await vigil?.stop();
    removeDataDir(dataDir);
  });

  it('is rejected, counted in /metrics, sent to the DLQ with the reason, and raises an alert', async () => {
    const identity = loadEdgeIdentity(join(dataDir, 'edge', 'identity'), 'local')!;
    const signer = new BatchSigner(identity);
    const bootId = 'tamper-test-boot';
    const batchOf = (sequence: bigint, user: string) => {
      const event = {
        '@timestamp': new Date().toISOString(),
        message: `Accepted password for ${user} from 10.20.1.15 port 50022 ssh2`,
        event: { id: eventId('local', bootId, sequence, 0), created: new Date().toISOString(), kind: 'event' },
      };
      return { edgeId: 'local', bootId, sequence, sentAtMs: Date.now(), events: [Buffer.from(JSON.stringify(event))] };
    };
    const signed = decodeSignedBatch(signer.sign(batchOf(50_000_000n, 'alice')));
    const original = Buffer.from(signed.batch);
    const tampered = Buffer.from(original.toString('latin1').replace('alice', 'mallo'), 'latin1');
    expect(tampered.equals(original)).toBe(false);

    const producer = vigil.bus.createProducer();
    await producer.send(TOPICS.events, [{ key: 'local', value: Buffer.from(encodeSignedBatch({ ...signed, batch: tampered })) }]);
    // The genuine batch right after proves that only the tampering made the difference.
    await producer.send(TOPICS.events, [{ key: 'local', value: Buffer.from(signer.sign(batchOf(50_000_001n, 'bob'))) }]);

    const alerts = await waitFor(
      () => api<{ alerts: Alert[] }>('/api/v1/alerts?rule=vigil-provenance-bad-signature'),
      (body) => body.alerts.length === 1,
      30_000,
      'the bad-signature alert',
    );
    expect(alerts.alerts[0]!.vigil.alert.severity).toBe('high');
    expect(alerts.alerts[0]!.vigil.alert.group['vigil.edge.id']).toBe('local');

    const metrics = await (await fetch(`http://${vigil.addresses.api}/metrics`)).text();
    expect(metrics).toMatch(/vigil_engine_batches_rejected_total\{code="VIGIL_ERR_PROVENANCE_BAD_SIGNATURE"\} 1/);

    const genuine = await waitFor(
      () => api<{ total: number; events: EcsEvent[] }>(`/api/v1/events?q=${encodeURIComponent('"Accepted password for bob"')}`),
      (body) => body.total === 1,
      30_000,
      'the genuine batch stored',
    );
    expect(genuine.events[0]!.vigil?.signature?.status).toBe('verified');
    const forged = await api<{ total: number }>(`/api/v1/events?q=${encodeURIComponent('"Accepted password for mallo"')}`);
    expect(forged.total).toBe(0);

    const dlq: BusMessage[] = [];
    const consumer = vigil.bus.createConsumer({ groupId: 'test-dlq-reader', topics: [TOPICS.dlq] });
    await consumer.run(async (batch) => {
      dlq.push(...batch.messages);
    });
    await waitFor(async () => dlq.length, (count) => count >= 1, 10_000, 'the DLQ message');
    await consumer.stop();
    const engineEntry = dlq.find((message) => message.headers[DLQ_HEADERS.failedBy] === 'engine');
    expect(engineEntry?.headers[DLQ_HEADERS.code]).toBe('VIGIL_ERR_PROVENANCE_BAD_SIGNATURE');
    expect(engineEntry?.headers[DLQ_HEADERS.reason]).toMatch(/does not verify/);
  });
});
