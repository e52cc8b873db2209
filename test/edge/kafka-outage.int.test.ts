import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, apiClient, freePort, makeDataDir, removeDataDir, waitFor } from '../e2e/harness.ts';
import { requiredEnv, runVigil, startDedicatedKafka, startRole, stopRoles, writeDistributedConfig, type DedicatedKafka, type RoleProcess } from '../distributed/cluster.ts';

/**
 * The edge's promise: a bus outage loses nothing. A dedicated Kafka broker (not the shared
 * test stack, so other suites are not disturbed) is SIGKILLed for a minute while a steady TCP
 * syslog stream and a steady HTTP stream keep arriving; the edge spools to disk, drains in
 * order once Kafka is back, and every event is stored exactly once.
 */
const OUTAGE_MS = 60_000;
const RATE_PER_SECOND = 100;

async function metric(port: number, pattern: RegExp): Promise<number> {
  const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return body.split('\n').filter((line) => pattern.test(line)).reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

describe('edge: a Kafka outage during steady TCP and HTTP streams', () => {
  const dataDir = makeDataDir();
  const run = `outage${Date.now().toString(36)}`;
  const roles: Record<string, RoleProcess | undefined> = {};
  let kafka: DedicatedKafka | undefined;

  beforeAll(async () => {
    const openSearchUrl = requiredEnv('VIGIL_OPENSEARCH_URL');
    requiredEnv('VIGIL_KAFKA_BROKERS');
    kafka = await startDedicatedKafka(join(dataDir, 'stack'));
    const config = writeDistributedConfig(join(dataDir, 'vigil.yaml'), { brokers: kafka.brokers, openSearchUrl, indexPrefix: `vigil-${run}` });
    const core = join(dataDir, 'core');
    runVigil(['pki', 'init'], { VIGIL_DATA_DIR: core });
    runVigil(['pki', 'issue-edge', '--id', 'edge-outage', '--out', join(dataDir, 'edge', 'identity')], { VIGIL_DATA_DIR: core });
    const caCert = join(core, 'pki', 'ca.crt');
    roles.api = await startRole('api', { VIGIL_CONFIG: config, VIGIL_DATA_DIR: join(dataDir, 'api'), VIGIL_ADMIN_PASSWORD: ADMIN_PASSWORD });
    roles.indexer = await startRole('indexer', { VIGIL_CONFIG: config, VIGIL_DATA_DIR: join(dataDir, 'indexer'), VIGIL_CA_CERT: caCert });
    roles.engine = await startRole('engine', { VIGIL_CONFIG: config, VIGIL_DATA_DIR: join(dataDir, 'engine'), VIGIL_CA_CERT: caCert });
    roles.edge = await startRole('edge', {
      VIGIL_CONFIG: config,
      VIGIL_DATA_DIR: join(dataDir, 'edge'),
      VIGIL_EDGE_ID: 'edge-outage',
      VIGIL_EDGE_IDENTITY_DIR: join(dataDir, 'edge', 'identity'),
      VIGIL_API_URL: `http://127.0.0.1:${roles.api.port}`,
      VIGIL_SYSLOG_HOST: '127.0.0.1',
      VIGIL_SYSLOG_PORT: String(await freePort('tcp+udp')),
    });
  }, 300_000);

  afterAll(async () => {
    await stopRoles(Object.values(roles));
    kafka?.stop();
    removeDataDir(dataDir);
  });

  it('stores every event sent during a one-minute outage exactly once', async () => {
    const api = await apiClient({ apiUrl: (path) => `http://127.0.0.1:${roles.api!.port}${path}` });
    const { body: key } = await api<{ key: string }>('/api/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'outage', role: 'ingest' }) });
    const edgePort = roles.edge!.port;
    const syslogPort = Number(/syslog TCP [^,]*:(\d+)/.exec(roles.edge!.output())?.[1]);
    expect(syslogPort).toBeGreaterThan(0);

    const socket: Socket = connect(syslogPort, '127.0.0.1');
    await once(socket, 'connect');
    let tcpSent = 0;
    let httpAccepted = 0;
    let httpRetried = 0;
    let streaming = true;
    const tcpStream = (async () => {
      while (streaming) {
        const lines: string[] = [];
        for (let i = 0; i < RATE_PER_SECOND / 10; i++) {
          lines.push(`<38>1 ${new Date().toISOString()} web-1 sshd 4242 - - Failed password for ${run} from 198.51.100.${tcpSent % 250} port ${40000 + (tcpSent % 20000)} ssh2 seq=${tcpSent}`);
          tcpSent++;
        }
        const bytes = Buffer.concat(lines.map((line) => Buffer.from(`${Buffer.byteLength(line)} ${line}`)));
        if (!socket.write(bytes)) await once(socket, 'drain');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise<void>((resolve) => socket.end(resolve));
    })();
    const httpStream = (async () => {
      let n = 0;
      while (streaming) {
        const events = Array.from({ length: RATE_PER_SECOND / 10 }, () => JSON.stringify({ message: `order ${n++} paid`, labels: { run, n: String(n) } }));
        for (;;) {
          const response = await fetch(`http://127.0.0.1:${edgePort}/api/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key.key}`, 'content-type': 'application/x-ndjson' },
            body: events.join('\n'),
          });
          if (response.status === 202) {
            httpAccepted += events.length;
            break;
          }
          expect([429, 503]).toContain(response.status);
          httpRetried++;
          await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after') ?? '1') * 1000));
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();

    await new Promise((resolve) => setTimeout(resolve, 10_000));
    kafka!.kill();
    const killedAt = Date.now();
    await waitFor(() => metric(edgePort, /^vigil_edge_spool_pending_records /), (pending) => pending > 0, 30_000, 'the spool to hold batches');
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - killedAt))));
    const spooledDuringOutage = await metric(edgePort, /^vigil_edge_spool_pending_records /);
    kafka!.resume();
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    streaming = false;
    await Promise.all([tcpStream, httpStream]);

    const expected = tcpSent + httpAccepted;
    const total = await waitFor(
      async () => (await api<{ total: number }>(`/api/v1/events?q=${encodeURIComponent(`"${run}" OR labels.run:${run}`)}&size=1`)).body.total,
      (count) => count >= expected,
      240_000,
      `all ${expected} events stored`,
    );
    expect(total).toBe(expected);
    const duplicates = await fetch(`${requiredEnv('VIGIL_OPENSEARCH_URL')}/vigil-${run}-events*/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size: 0, track_total_hits: true, aggs: { ids: { terms: { field: 'event.id', min_doc_count: 2, size: 10 } } } }),
    });
    const result = (await duplicates.json()) as { hits: { total: { value: number } }; aggregations: { ids: { buckets: unknown[] } } };
    expect(result.hits.total.value).toBe(expected);
    expect(result.aggregations.ids.buckets).toEqual([]);
    expect(await metric(edgePort, /^vigil_edge_dropped_total/)).toBe(0);
    console.log(
      `kafka outage: ${tcpSent} TCP + ${httpAccepted} HTTP events sent, Kafka down ${Math.round(OUTAGE_MS / 1000)} s, ${spooledDuringOutage} spool records waiting at the end of the outage, ${httpRetried} HTTP retries, ${total} stored, 0 duplicated, 0 dropped`,
    );
  }, 600_000);
});
