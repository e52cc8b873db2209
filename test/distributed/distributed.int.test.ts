import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerZstd } from '@vigil/bus';
import type { Alert, EcsEvent } from '@vigil/schema';
import { sshdTraffic } from '../fixtures/sshd-traffic.ts';
import { ADMIN_PASSWORD, apiClient, freePort, killVigil, makeDataDir, removeDataDir, waitFor } from '../e2e/harness.ts';
import { sendTcpOctetCounted } from '../e2e/syslog-client.ts';
import { requiredEnv, runVigil, startRole, stopRoles, writeDistributedConfig, type RoleProcess } from './cluster.ts';
import { ThrottlingProxy } from './throttling-proxy.ts';

const VIGIL_TOPICS = ['vigil.events', 'vigil.alerts', 'vigil.commands', 'vigil.heartbeats', 'vigil.dlq', 'vigil.engine.hits'];
const SYSLOG_EVENTS = 10_000;
const HTTP_EVENTS = 10_000;
const HTTP_BATCH = 500;

describe('distributed: two edges, two engines, an indexer and the API on Kafka and OpenSearch', () => {
  const brokers = process.env.VIGIL_KAFKA_BROKERS ?? '';
  const openSearchUrl = process.env.VIGIL_OPENSEARCH_URL ?? '';
  const dataDir = makeDataDir();
  const run = randomUUID().slice(0, 8);
  const indexPrefix = `vigil-dist-${run}`;
  const proxy = new ThrottlingProxy(openSearchUrl || 'http://127.0.0.1:1');
  const roles: Record<string, RoleProcess | undefined> = {};
  let api: Awaited<ReturnType<typeof apiClient>>;
  let kafka: Kafka;

  beforeAll(async () => {
    requiredEnv('VIGIL_KAFKA_BROKERS');
    requiredEnv('VIGIL_OPENSEARCH_URL');
    // Vigil produces zstd record batches; a plain kafkajs client needs the codec to read them.
    registerZstd();
    kafka = new Kafka({ clientId: 'vigil-distributed-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const existing = await admin.listTopics();
    const stale = VIGIL_TOPICS.filter((topic) => existing.includes(topic));
    if (stale.length > 0) await admin.deleteTopics({ topics: stale });
    await admin.disconnect();

    const proxied = await proxy.start();
    const core = join(dataDir, 'core');
    runVigil(['pki', 'init'], { VIGIL_DATA_DIR: core });
    for (const edge of ['edge-a', 'edge-b']) runVigil(['pki', 'issue-edge', '--id', edge, '--out', join(dataDir, edge, 'identity')], { VIGIL_DATA_DIR: core });

    const direct = writeDistributedConfig(join(dataDir, 'direct.yaml'), { brokers, openSearchUrl, indexPrefix });
    const throttled = writeDistributedConfig(join(dataDir, 'throttled.yaml'), { brokers, openSearchUrl: proxied, indexPrefix });
    const caCert = join(core, 'pki', 'ca.crt');
    roles.api = await startRole('api', { VIGIL_CONFIG: direct, VIGIL_DATA_DIR: join(dataDir, 'api'), VIGIL_ADMIN_PASSWORD: ADMIN_PASSWORD });
    const apiUrl = `http://127.0.0.1:${roles.api.port}`;
    roles.indexer = await startRole('indexer', { VIGIL_CONFIG: throttled, VIGIL_DATA_DIR: join(dataDir, 'indexer'), VIGIL_CA_CERT: caCert });
    roles.engine1 = await startRole('engine', { VIGIL_CONFIG: direct, VIGIL_DATA_DIR: join(dataDir, 'engine-1'), VIGIL_CA_CERT: caCert });
    roles.engine2 = await startRole('engine', { VIGIL_CONFIG: direct, VIGIL_DATA_DIR: join(dataDir, 'engine-2'), VIGIL_CA_CERT: caCert });
    for (const edge of ['edge-a', 'edge-b']) {
      roles[edge] = await startRole('edge', {
        VIGIL_CONFIG: direct,
        VIGIL_DATA_DIR: join(dataDir, edge),
        VIGIL_EDGE_ID: edge,
        VIGIL_EDGE_IDENTITY_DIR: join(dataDir, edge, 'identity'),
        VIGIL_API_URL: apiUrl,
        VIGIL_SYSLOG_HOST: '127.0.0.1',
        VIGIL_SYSLOG_PORT: String(await freePort('tcp+udp')),
      });
    }
    api = await apiClient({ apiUrl: (path) => `${apiUrl}${path}` });
  }, 300_000);

  afterAll(async () => {
    await stopRoles(Object.values(roles));
    await proxy.stop();
    removeDataDir(dataDir);
  });

  it('indexes 20,000 events from two edges exactly once while an engine is killed and OpenSearch answers 429', async () => {
    const { body: key } = await api<{ key: string }>('/api/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'distributed', role: 'ingest' }) });
    const syslogPort = Number(/syslog TCP [^,]*:(\d+)/.exec(roles['edge-a']!.output())?.[1]);
    expect(syslogPort).toBeGreaterThan(0);
    const traffic = sshdTraffic(SYSLOG_EVENTS, { seed: 11 });

    const syslog = (async () => {
      const half = SYSLOG_EVENTS / 2;
      await sendTcpOctetCounted(syslogPort, traffic.lines.slice(0, half));
      await killVigil(roles.engine1!);
      await sendTcpOctetCounted(syslogPort, traffic.lines.slice(half));
      roles.engine1 = await roles.engine1!.restart();
    })();
    const http = (async () => {
      for (let sent = 0; sent < HTTP_EVENTS; sent += HTTP_BATCH) {
        if (sent === 2 * HTTP_BATCH) {
          // Once the indexer is writing, OpenSearch starts refusing bulk writes for a while.
          await waitFor(async () => (await api<{ total: number }>('/api/v1/events?size=1')).body.total, (count) => count > 0, 120_000, 'first indexed events');
          proxy.throttleFor(8_000);
        }
        const ndjson = Array.from({ length: HTTP_BATCH }, (_, i) =>
          JSON.stringify({ message: `checkout completed order ${sent + i}`, event: { category: ['web'], outcome: 'success' }, labels: { run, n: String(sent + i) } }),
        ).join('\n');
        for (;;) {
          const response = await fetch(`http://127.0.0.1:${roles['edge-b']!.port}/api/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/x-ndjson' },
            body: ndjson,
          });
          if (response.status === 202) break;
          // 429/503 ask the client to come back later; a real shipper retries the same way.
          expect([429, 503]).toContain(response.status);
          await new Promise((r) => setTimeout(r, Number(response.headers.get('retry-after') ?? '1') * 1000));
        }
      }
    })();
    await Promise.all([syslog, http]);

    const total = await waitFor(
      async () => (await api<{ total: number }>('/api/v1/events?size=1')).body.total,
      (count) => count >= SYSLOG_EVENTS + HTTP_EVENTS,
      240_000,
      'all 20,000 events indexed',
    );
    expect(total).toBe(SYSLOG_EVENTS + HTTP_EVENTS);
    expect(proxy.rejected).toBeGreaterThan(0);

    const duplicates = await fetch(`${openSearchUrl}/${indexPrefix}-events*/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size: 0, track_total_hits: true, aggs: { ids: { terms: { field: 'event.id', min_doc_count: 2, size: 10 } } } }),
    });
    const result = (await duplicates.json()) as { hits: { total: { value: number } }; aggregations: { ids: { buckets: unknown[] } } };
    expect(result.hits.total.value).toBe(SYSLOG_EVENTS + HTTP_EVENTS);
    expect(result.aggregations.ids.buckets).toEqual([]);

    const alerts = await waitFor(
      async () => (await api<{ alerts: Alert[] }>('/api/v1/alerts?rule=SSH%20brute%20force&size=100')).body.alerts,
      (list) => new Set(list.map((alert) => alert.vigil.alert.group['source.ip'])).size >= traffic.attackers.length,
      120_000,
      'brute-force alerts for every attacker',
    );
    expect(new Set(alerts.map((alert) => alert.vigil.alert.group['source.ip']))).toEqual(new Set(traffic.attackers));
    console.log(
      `distributed: ${total} events indexed once (0 duplicate ids), ${proxy.rejected} bulk requests answered 429, engine-1 SIGKILLed and restarted, brute-force alerts for ${traffic.attackers.length}/${traffic.attackers.length} attackers`,
    );
  });

  it('sends a message the engine cannot process to vigil.dlq with a reason, and keeps the partition moving', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'vigil.events', messages: [{ key: 'edge-b', value: Buffer.from('this is not a signed batch') }] });
    await producer.disconnect();

    const { body: key } = await api<{ key: string }>('/api/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'after-dlq', role: 'ingest' }) });
    const marker = `after-poison-${run}`;
    const response = await fetch(`http://127.0.0.1:${roles['edge-b']!.port}/api/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: marker }),
    });
    expect(response.status).toBe(202);
    await waitFor(
      async () => (await api<{ total: number; events: EcsEvent[] }>(`/api/v1/events?q=${encodeURIComponent(`"${marker}"`)}`)).body.total,
      (count) => count === 1,
      60_000,
      'the event sent after the poison message',
    );

    const consumer = kafka.consumer({ groupId: `dlq-reader-${run}` });
    const seen: { reason: string; code: string; failedBy: string }[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: 'vigil.dlq', fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const header = (name: string) => message.headers?.[name]?.toString() ?? '';
        seen.push({ reason: header('vigil-dlq-reason'), code: header('vigil-dlq-code'), failedBy: header('vigil-dlq-failed-by') });
      },
    });
    await waitFor(async () => seen.filter((entry) => entry.failedBy === 'engine').length, (count) => count >= 1, 60_000, 'the DLQ entry');
    await consumer.disconnect();
    const entry = seen.find((item) => item.failedBy === 'engine')!;
    expect(entry.code).toBe('VIGIL_ERR_PROVENANCE_MALFORMED');
    expect(entry.reason).toContain('cannot be decoded');
  });
});
