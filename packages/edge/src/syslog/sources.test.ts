import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EcsEvent } from '@vigil/schema';
import type { EdgeConfigInput } from '../config.ts';
import { createEdge, type Edge } from '../edge.ts';
import { metricValue, testDeps, type MemoryProducer } from '../test-support.ts';
import type { Metrics } from '@vigil/runtime';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const LOOPBACK = '127.0.0.1';

async function startEdge(config: EdgeConfigInput = {}): Promise<{ edge: Edge; producer: MemoryProducer; metrics: Metrics }> {
  const { deps, producer, metrics, cleanup } = testDeps();
  const edge = createEdge(
    {
      http: { enabled: false },
      ...config,
      syslog: {
        udp: { host: LOOPBACK, port: 0, ...config.syslog?.udp },
        tcp: { host: LOOPBACK, port: 0, maxMessageBytes: 1024, ...config.syslog?.tcp },
      },
      batch: { flushIntervalMs: 20, ...config.batch },
    },
    deps,
  );
  await edge.start();
  cleanups.push(cleanup, () => edge.stop());
  return { edge, producer, metrics };
}

async function tcpClient(edge: Edge): Promise<Socket> {
  const socket = connect({ host: LOOPBACK, port: edge.addresses().syslogTcp!.port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  cleanups.push(() => void socket.destroy());
  return socket;
}

/** Writes pieces with a pause between them, so they reach the edge as separate TCP segments. */
async function writeSlowly(socket: Socket, pieces: Array<string | Buffer>): Promise<void> {
  for (const piece of pieces) {
    await new Promise<void>((resolve, reject) => socket.write(piece, (error) => (error ? reject(error) : resolve())));
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

const octet = (message: string) => `${Buffer.byteLength(message)} ${message}`;
const byOriginal = (events: EcsEvent[], original: string) => events.find((e) => e.event?.original === original);

describe('syslog over UDP', () => {
  it('publishes each datagram as a signed event, keeping unparsable ones', async () => {
    const { edge, producer, metrics } = await startEdge();
    const client = createSocket('udp4');
    cleanups.push(() => new Promise<void>((resolve) => client.close(() => resolve())));
    const lines = [
      '<38>Mar 14 11:42:01 bastion sshd[24117]: Failed password for root from 203.0.113.45 port 52311 ssh2',
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"] An application event',
      '\u0000\u0001 not syslog at all',
    ];
    for (const line of lines) client.send(`${line}\n`, edge.addresses().syslogUdp!.port, LOOPBACK);
    const events = await producer.waitForEvents(3);
    expect(byOriginal(events, lines[0]!)).toMatchObject({ event: { action: 'ssh_login', outcome: 'failure' }, source: { ip: '203.0.113.45' }, vigil: { input: { type: 'syslog_udp' } } });
    expect(byOriginal(events, lines[1]!)).toMatchObject({ log: { syslog: { structured_data: { 'exampleSDID@32473': { iut: '3' } } } } });
    expect(byOriginal(events, lines[2]!)).toMatchObject({ vigil: { parse: { status: 'unparsed' } } });
    expect(await metricValue(metrics, 'vigil_edge_received_total', { source: 'syslog_udp' })).toBe(3);
    expect(await metricValue(metrics, 'vigil_edge_parse_failures_total', { reason: 'bad_header' })).toBe(1);
  });

  it('drops and counts datagrams while the edge is full', async () => {
    const { edge, producer, metrics } = await startEdge({ maxInFlightEvents: 2 });
    const release = producer.hold();
    const client = createSocket('udp4');
    cleanups.push(() => new Promise<void>((resolve) => client.close(() => resolve())));
    for (let i = 0; i < 5; i++) {
      client.send(`<13>1 - host app - - - datagram ${i}`, edge.addresses().syslogUdp!.port, LOOPBACK);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await expect.poll(() => metricValue(metrics, 'vigil_edge_received_total', { source: 'syslog_udp' })).toBe(5);
    expect(await metricValue(metrics, 'vigil_edge_dropped_total', { reason: 'queue_full' })).toBe(3);
    release();
    const events = await producer.waitForEvents(2);
    expect(events.map((e) => e.message)).toEqual(['datagram 0', 'datagram 1']);
  });
});

describe('syslog over TCP', () => {
  it('reads octet-counted and LF-framed connections side by side, frames split across packets', async () => {
    const { edge, producer } = await startEdge();
    const octetClient = await tcpClient(edge);
    const lineClient = await tcpClient(edge);
    const authLog = readFileSync(new URL('../../testdata/auth.log', import.meta.url), 'utf8').split('\n').filter(Boolean);
    const [first, second, ...rest] = authLog;
    const octetStream = octet(first!) + octet(second!);
    const lineStream = `${rest.join('\r\n')}\n`;
    await Promise.all([
      writeSlowly(octetClient, [octetStream.slice(0, 1), octetStream.slice(1, 30), octetStream.slice(30, 120), octetStream.slice(120)]),
      writeSlowly(lineClient, [lineStream.slice(0, 50), lineStream.slice(50, 51), lineStream.slice(51)]),
    ]);
    const events = await producer.waitForEvents(authLog.length);
    expect(events.map((e) => e.event?.original).sort()).toEqual([...authLog].sort());
    expect(events.every((e) => e.vigil?.input?.type === 'syslog_tcp')).toBe(true);
    expect(byOriginal(events, rest[3]!)).toMatchObject({ event: { action: 'ssh_login', outcome: 'success' }, user: { name: 'deploy' } });
    expect(byOriginal(events, rest[4]!)).toMatchObject({ vigil: { parse: { status: 'partial', parser: 'sshd' } } });
  });

  it('quarantines an oversized frame and still parses the next one, in both framings', async () => {
    const { edge, producer, metrics } = await startEdge();
    const big = `<13>1 2025-03-14T12:00:00Z host app - - - ${'A'.repeat(4000)}`;
    const after = '<13>1 2025-03-14T12:00:01Z host app - - - after the big one';
    const octetClient = await tcpClient(edge);
    const stream = octet(big) + octet(after);
    await writeSlowly(octetClient, [stream.slice(0, 900), stream.slice(900, 2500), stream.slice(2500)]);
    const lineClient = await tcpClient(edge);
    await writeSlowly(lineClient, [`${big}\n`, `${after}\n`]);
    const events = await producer.waitForEvents(4);
    const quarantined = events.filter((e) => e.error?.code === 'VIGIL_ERR_EDGE_FRAME_TOO_LARGE');
    expect(quarantined).toHaveLength(2);
    for (const event of quarantined) {
      expect(event.vigil?.parse?.status).toBe('unparsed');
      expect(event.event?.original).toBe(big.slice(0, 1024));
    }
    expect(events.filter((e) => e.message === 'after the big one')).toHaveLength(2);
    expect(await metricValue(metrics, 'vigil_edge_parse_failures_total', { reason: 'frame_too_large' })).toBe(2);
  });

  it('survives garbage on one connection without disturbing another', async () => {
    const { edge, producer, metrics } = await startEdge();
    const good = await tcpClient(edge);
    const bad = await tcpClient(edge);
    await writeSlowly(good, [octet('<13>1 - host app - - - before')]);
    await writeSlowly(bad, [Buffer.from([0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x41]), Buffer.alloc(3000, 0x07), '12 <bogus', Buffer.from([0x00])]);
    bad.end();
    await writeSlowly(good, [octet('<13>1 - host app - - - after')]);
    await expect.poll(() => producer.events().filter((e) => e.message === 'before' || e.message === 'after').length).toBe(2);
    const events = producer.events();
    expect(events.filter((e) => e.error?.code === 'VIGIL_ERR_EDGE_FRAME_TOO_LARGE')).toHaveLength(1);
    expect(events.some((e) => e.vigil?.parse?.status === 'unparsed')).toBe(true);
    expect(await metricValue(metrics, 'vigil_edge_parse_failures_total')).toBeGreaterThan(0);
    expect(edge.running).toBe(true);
    expect(good.destroyed).toBe(false);
  });

  it('pauses connections while the edge is full and resumes without losing a line', async () => {
    const { edge, producer, metrics } = await startEdge({ maxInFlightEvents: 5 });
    const release = producer.hold();
    const client = await tcpClient(edge);
    const lines = Array.from({ length: 40 }, (_, i) => `<13>1 - host app - - - line ${i}`);
    let written = 0;
    const writing = writeSlowly(client, lines.map((line) => `${line}\n`)).then(() => (written = lines.length));
    await expect.poll(() => edge.inFlight).toBeGreaterThanOrEqual(5);
    const writtenBefore = client.bytesWritten;
    await new Promise((resolve) => setTimeout(resolve, 250));
    // The client kept writing, but the edge stopped reading: what was already read in one
    // segment may pass the limit a little, nothing more.
    expect(client.bytesWritten).toBeGreaterThan(writtenBefore);
    expect(edge.inFlight).toBeLessThanOrEqual(10);
    expect(written).toBe(0);
    release();
    await writing;
    const events = await producer.waitForEvents(40);
    expect(events.map((e) => e.message)).toEqual(lines.map((_, i) => `line ${i}`));
    expect(await metricValue(metrics, 'vigil_edge_dropped_total')).toBe(0);
  });
});
