import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEdge, type Edge } from '../edge.ts';
import { metricValue, testDeps, type MemoryProducer } from '../test-support.ts';
import type { Metrics } from '@vigil/runtime';

/**
 * The edge with its spool, on real sockets: what a bus outage and a full spool look like to
 * senders (TCP backpressure, HTTP 503) and that nothing acknowledged is lost or reordered.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const MIB = 1024 * 1024;

async function startSpooledEdge(spoolDir: string, maxBytes = 64 * MIB): Promise<{ edge: Edge; producer: MemoryProducer; metrics: Metrics; http: string; tcpPort: number }> {
  const { deps, producer, metrics, cleanup } = testDeps({ spoolDir });
  cleanups.push(cleanup);
  const edge = createEdge(
    {
      syslog: { udp: { enabled: false }, tcp: { host: '127.0.0.1', port: 0 }, tls: { enabled: false } },
      http: { host: '127.0.0.1', port: 0 },
      batch: { flushIntervalMs: 10, maxBatchEvents: 100, retryBaseMs: 5, retryMaxMs: 50 },
      spool: { maxBytes, segmentBytes: Math.min(maxBytes, 4 * MIB), fsync: 'always' },
      maxInFlightEvents: 2_000,
    },
    deps,
  );
  await edge.start();
  cleanups.push(() => edge.stop());
  const { http, syslogTcp } = edge.addresses();
  return { edge, producer, metrics, http: `http://127.0.0.1:${http!.port}`, tcpPort: syslogTcp!.port };
}

const post = (url: string, lines: string[]) =>
  fetch(`${url}/api/v1/events`, { method: 'POST', headers: { authorization: 'Bearer ingest-key-1', 'content-type': 'application/x-ndjson' }, body: lines.join('\n') });

describe('edge with a spool', () => {
  it('acknowledges HTTP once spooled while the bus is down, then delivers everything in order once it is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-spool-path-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { producer, metrics, http } = await startSpooledEdge(dir);
    producer.failNext(1_000_000);
    for (let request = 0; request < 5; request++) {
      const response = await post(http, Array.from({ length: 50 }, (_, i) => JSON.stringify({ message: `order ${request * 50 + i}` })));
      expect(response.status).toBe(202);
    }
    expect(producer.events()).toHaveLength(0);
    await vi.waitFor(async () => expect(await metricValue(metrics, 'vigil_edge_spool_pending_records')).toBeGreaterThan(0));
    producer.failNext(0);
    const events = await producer.waitForEvents(250, 10_000);
    expect(events.map((event) => event.message)).toEqual(Array.from({ length: 250 }, (_, i) => `order ${i}`));
    const sequences = producer.batches().map((batch) => batch.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => (a < b ? -1 : 1)));
    expect(await metricValue(metrics, 'vigil_edge_dropped_total')).toBe(0);
  });

  it('keeps what it acknowledged across a restart and sends it when the bus is back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-spool-path-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const first = await startSpooledEdge(dir);
    first.producer.failNext(1_000_000);
    expect((await post(first.http, ['{"message":"before restart 1"}', '{"message":"before restart 2"}'])).status).toBe(202);
    await first.edge.stop();
    expect(first.producer.events()).toHaveLength(0);

    const second = await startSpooledEdge(dir);
    const events = await second.producer.waitForEvents(2, 10_000);
    expect(events.map((event) => event.message)).toEqual(['before restart 1', 'before restart 2']);
  });

  it('pushes back on TCP senders and answers HTTP 503 with Retry-After when the spool is full, and resumes when it drains', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-spool-path-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const { producer, metrics, http, tcpPort } = await startSpooledEdge(dir, 1 * MIB);
    producer.failNext(1_000_000);

    // A sender writes 32 MB of syslog at a 1 MiB spool, more than the kernel's socket buffers
    // hold: the edge must stop reading (the sender blocks), not drop.
    const socket = connect(tcpPort, '127.0.0.1');
    socket.on('error', () => {});
    await once(socket, 'connect');
    const total = 4_000;
    let written = 0;
    const writer = (async () => {
      for (; written < total; written++) {
        // Random padding per line: batches are zstd-compressed, and repeated text would hardly fill the spool.
        const line = `<13>1 2026-11-24T10:00:00Z web-1 app - - - line ${written} ${randomBytes(6_000).toString('base64')}`;
        if (!socket.write(`${Buffer.byteLength(line)} ${line}`)) await once(socket, 'drain');
      }
      socket.end();
    })();
    await vi.waitFor(async () => expect(await metricValue(metrics, 'vigil_edge_paused_connections', { source: 'syslog_tcp' })).toBe(1), { timeout: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(written).toBeLessThan(total);

    const refused = await post(http, ['{"message":"while full"}']);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('VIGIL_ERR_EDGE_SPOOL_FULL');
    expect(await metricValue(metrics, 'vigil_edge_http_rejected_total', { code: 'VIGIL_ERR_EDGE_SPOOL_FULL' })).toBe(1);
    expect(await metricValue(metrics, 'vigil_edge_backpressure_pauses_total', { source: 'syslog_tcp' })).toBeGreaterThanOrEqual(1);

    producer.failNext(0);
    await writer;
    const events = await producer.waitForEvents(total, 60_000);
    expect(events.map((event) => event.message?.split(' ').slice(0, 2).join(' '))).toEqual(Array.from({ length: total }, (_, i) => `line ${i}`));
    expect(await metricValue(metrics, 'vigil_edge_dropped_total')).toBe(0);
    expect(await metricValue(metrics, 'vigil_edge_paused_connections', { source: 'syslog_tcp' })).toBe(0);
  }, 120_000);
});
