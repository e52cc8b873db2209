import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger, type Metrics } from '@vigil/runtime';
import { createEdge, type Edge } from '../edge.ts';
import { metricValue, testDeps, type MemoryProducer } from '../test-support.ts';
import { EdgeCommandHandler } from './command-handlers.ts';
import { SourceAccessList, parseSource } from './source-access-list.ts';
import type { Command } from '@vigil/fleet';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-access-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const line = (n: number) => `<38>1 2025-11-24T10:15:0${n}Z fw01 sshd 4242 - - Failed password for root from 203.0.113.9 port 5221${n} ssh2`;

function command(action: 'block-source' | 'unblock-source', address: string): Command {
  return { type: 'command', id: crypto.randomUUID(), edgeId: 'edge-test-1', issuedAtMs: Date.now(), expiresAtMs: Date.now() + 60_000, issuedBy: 'alice', action, args: { address } };
}

interface Running {
  edge: Edge;
  producer: MemoryProducer;
  metrics: Metrics;
  list: SourceAccessList;
  handler: EdgeCommandHandler;
  stateFile: string;
}

/** An edge listening on UDP (dual stack), TCP (dual stack) and HTTP, with an access list driven by commands. */
async function startEdge(): Promise<Running> {
  const stateFile = join(tempDir(), 'edge', 'blocked-sources.json');
  const { deps, producer, metrics, cleanup } = testDeps();
  const list = new SourceAccessList({ stateFile, metrics, logger: silentLogger() });
  const edge = createEdge(
    { syslog: { udp: { host: '::', port: 0 }, tcp: { host: '::', port: 0 } }, http: { host: '127.0.0.1', port: 0 }, batch: { flushIntervalMs: 20 } },
    { ...deps, accessList: list },
  );
  await edge.start();
  cleanups.push(cleanup, () => edge.stop());
  const handler = new EdgeCommandHandler({ logger: silentLogger(), accessList: list, reloader: { reload: async () => ({ applied: [], needsRestart: [] }) } });
  return { edge, producer, metrics, list, handler, stateFile };
}

async function sendUdp(edge: Edge, text: string, family: 'udp4' | 'udp6' = 'udp4'): Promise<void> {
  const socket = createSocket(family);
  await new Promise<void>((resolve, reject) => socket.send(text, edge.addresses().syslogUdp!.port, family === 'udp4' ? '127.0.0.1' : '::1', (error) => (error ? reject(error) : resolve())));
  socket.close();
}

function openTcp(edge: Edge): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: edge.addresses().syslogTcp!.port }, () => resolve(socket));
    socket.on('error', reject);
    cleanups.push(() => void socket.destroy());
  });
}

const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));

async function postEvent(edge: Edge, message: string): Promise<{ status: number; code?: string }> {
  const response = await fetch(`http://127.0.0.1:${edge.addresses().http!.port}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: 'Bearer ingest-key-1', 'content-type': 'application/json' },
    body: JSON.stringify({ message }),
  });
  const body = (await response.json()) as { error?: { code: string } };
  return { status: response.status, ...(body.error && { code: body.error.code }) };
}

const messages = (producer: MemoryProducer) => producer.events().map((event) => event.message);

describe('blocking source addresses on a running edge', () => {
  it('block-source refuses a real UDP sender, TCP connection and HTTP request; unblock-source lets them in again', async () => {
    const { edge, producer, metrics, handler, stateFile } = await startEdge();
    const open = await openTcp(edge);
    open.write(`${line(1)}\n`);
    await sendUdp(edge, line(2));
    await producer.waitForEvents(2);

    const blocked = await handler.execute(command('block-source', '127.0.0.0/8'));
    expect(blocked).toEqual({ status: 'succeeded', detail: 'blocked 127.0.0.0/8 on every listener; closed 1 open connection(s) from it' });
    await closed(open);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({ blocked: ['127.0.0.0/8'] });

    // The dual-stack UDP listener sees the IPv4 sender as ::ffff:127.0.0.1; the IPv6 one is not blocked.
    await sendUdp(edge, line(3));
    await sendUdp(edge, line(4), 'udp6');
    await expect.poll(() => metricValue(metrics, 'vigil_edge_dropped_total', { reason: 'blocked_source' })).toBe(1);
    const refused = await openTcp(edge);
    refused.write(`${line(5)}\n`);
    await closed(refused);
    expect(await postEvent(edge, 'blocked over HTTP')).toEqual({ status: 403, code: 'VIGIL_ERR_EDGE_SOURCE_BLOCKED' });
    expect((await fetch(`http://127.0.0.1:${edge.addresses().http!.port}/healthz`)).status).toBe(200);
    await producer.waitForEvents(3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(messages(producer).map((message) => /port (\d+)/.exec(message ?? '')?.[1]).sort()).toEqual(['52211', '52212', '52214']);
    expect(await metricValue(metrics, 'vigil_edge_blocked_total', { input: 'syslog_udp' })).toBe(1);
    expect(await metricValue(metrics, 'vigil_edge_blocked_total', { input: 'syslog_tcp' })).toBe(2);
    expect(await metricValue(metrics, 'vigil_edge_blocked_total', { input: 'http' })).toBe(1);

    expect(await handler.execute(command('unblock-source', '127.0.0.0/8'))).toEqual({ status: 'succeeded', detail: 'unblocked 127.0.0.0/8' });
    await sendUdp(edge, line(6));
    const again = await openTcp(edge);
    again.end(`${line(7)}\n`);
    expect(await postEvent(edge, 'welcome back over HTTP')).toEqual({ status: 202 });
    await producer.waitForEvents(6);
    expect(messages(producer).slice(3).map((message) => /port (\d+)/.exec(message ?? '')?.[1] ?? message).sort()).toEqual(['52216', '52217', 'welcome back over HTTP']);
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual({ blocked: [] });
  });

  it('keeps blocked sources across a restart and refuses to start on a damaged list', async () => {
    const dir = tempDir();
    const stateFile = join(dir, 'blocked-sources.json');
    const { metrics } = testDeps();
    const first = new SourceAccessList({ stateFile, metrics, logger: silentLogger() });
    first.block('2001:db8::/32');
    first.block('::ffff:198.51.100.7');
    const restarted = new SourceAccessList({ stateFile, metrics, logger: silentLogger() });
    expect(restarted.entries().commanded).toEqual(['2001:db8::/32', '198.51.100.7']);
    expect(restarted.isBlocked('2001:db8:4:5::9')).toBe(true);
    expect(restarted.isBlocked('2001:db9::1')).toBe(false);
    expect(restarted.isBlocked('198.51.100.7')).toBe(true);
    expect(restarted.isBlocked('::ffff:198.51.100.7')).toBe(true);
    expect(restarted.isBlocked('198.51.100.8')).toBe(false);

    writeFileSync(stateFile, '{"blocked": ["198.51.100.7", "not-an-ip"]}');
    expect(() => new SourceAccessList({ stateFile, metrics, logger: silentLogger() })).toThrow(/VIGIL_ERR_EDGE_BAD_SOURCE_ADDRESS|unreadable/);
  });

  it('reports what still blocks an address, and fails without changing anything when the list cannot be saved', async () => {
    const dir = tempDir();
    const { metrics } = testDeps();
    const list = new SourceAccessList({ configured: ['10.0.0.0/8'], stateFile: join(dir, 'blocked-sources.json'), metrics, logger: silentLogger() });
    const handler = new EdgeCommandHandler({ logger: silentLogger(), accessList: list, reloader: { reload: async () => ({ applied: [], needsRestart: [] }) } });
    await handler.execute(command('block-source', '10.20.0.0/16'));
    expect(await handler.execute(command('block-source', '10.20.0.0/16'))).toEqual({ status: 'succeeded', detail: '10.20.0.0/16 was already blocked' });
    expect(await handler.execute(command('unblock-source', '10.20.30.40'))).toEqual({
      status: 'succeeded',
      detail: '10.20.30.40 was not blocked by a command; still blocked by 10.0.0.0/8 (configuration), 10.20.0.0/16',
    });

    writeFileSync(join(dir, 'not-a-dir'), '');
    const stuck = new SourceAccessList({ stateFile: join(dir, 'not-a-dir', 'blocked-sources.json'), metrics, logger: silentLogger() });
    const failing = new EdgeCommandHandler({ logger: silentLogger(), accessList: stuck, reloader: { reload: async () => ({ applied: [], needsRestart: [] }) } });
    const outcome = await failing.execute(command('block-source', '192.0.2.1'));
    expect(outcome.status).toBe('failed');
    expect(outcome.detail).toMatch(/could not be saved, so nothing was changed/);
    expect(stuck.isBlocked('192.0.2.1')).toBe(false);
  });

  it('reads addresses and blocks the way an operator writes them', () => {
    expect(parseSource('2001:DB8:0:0::1').text).toBe('2001:db8::1');
    expect(parseSource('203.0.113.9/32').text).toBe('203.0.113.9');
    expect(parseSource('::ffff:203.0.113.0/120').text).toBe('203.0.113.0/24');
    expect(parseSource('::/0').text).toBe('::/0');
    for (const bad of ['203.0.113.9/33', 'fw01.example.net', '10.0.0.0/8/1', 'fe80::1%eth0', '2001:db8::/129']) {
      expect(() => parseSource(bad), bad).toThrow(/not an IP address or CIDR block/);
    }
  });
});
