import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { Metrics, silentLogger } from '@vigil/runtime';
import type { EcsEvent } from '@vigil/schema';
import { EdgeMetrics } from '../metrics.ts';
import { metricValue } from '../test-support.ts';
import { LOOPBACK, bytewise, cleanups, octet, runCleanups, startEdge, tcpClient, writeSlowly } from './test-harness.ts';
import { SyslogUdpSource } from './udp-source.ts';

afterEach(runCleanups);

const byOriginal = (events: EcsEvent[], original: string) => events.find((e) => e.event?.original === original);

function udpClient(): ReturnType<typeof createSocket> {
  const client = createSocket('udp4');
  cleanups.push(() => new Promise<void>((resolve) => client.close(() => resolve())));
  return client;
}

describe('syslog over UDP', () => {
  it('publishes each datagram as a signed event, keeping unparsable ones', async () => {
    const { edge, producer, metrics } = await startEdge();
    const client = udpClient();
    const lines = [
      '<38>Mar 14 11:42:01 bastion sshd[24117]: Failed password for root from 203.0.113.45 port 52311 ssh2',
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"] An application event',
      '\u0000\u0001 not syslog at all',
    ];
    for (const line of lines) client.send(`${line}\n`, edge.addresses().syslogUdp!.port, LOOPBACK);
    const events = await producer.waitForEvents(3);
    expect(byOriginal(events, lines[0]!)).toMatchObject({ event: { action: 'ssh_login', outcome: 'failure' }, source: { ip: '203.0.113.45' }, vigil: { input: { type: 'syslog_udp' } } });
    expect(byOriginal(events, lines[1]!)).toMatchObject({ log: { syslog: { structured_data: { 'exampleSDID@32473': { iut: '3' } } } } });
    expect(byOriginal(events, lines[2]!)).toMatchObject({ vigil: { parse: { status: 'unparsed' } }, error: { code: 'VIGIL_ERR_EDGE_SYSLOG_HEADER' } });
    expect(await metricValue(metrics, 'vigil_edge_received_total', { source: 'syslog_udp' })).toBe(3);
    expect(await metricValue(metrics, 'vigil_edge_parse_failures_total', { reason: 'no_timestamp' })).toBe(1);
  });

  it('keeps 8-bit datagrams byte for byte and quarantines an oversized one, first bytes kept', async () => {
    const { edge, producer, metrics } = await startEdge({ syslog: { udp: { maxMessageBytes: 2048 } } });
    const client = udpClient();
    const port = edge.addresses().syslogUdp!.port;
    const latin1 = '<13>Mar 14 10:00:00 kasse03 pos[9]: Grüße aus Köln';
    const big = `<13>Mar 14 10:00:00 host app: ${'B'.repeat(5000)}`;
    client.send(Buffer.from(latin1, 'latin1'), port, LOOPBACK);
    client.send(big, port, LOOPBACK);
    const events = await producer.waitForEvents(2);
    expect(byOriginal(events, latin1)).toMatchObject({ message: 'Grüße aus Köln', vigil: { parse: { status: 'parsed', flags: ['latin1'] } } });
    const quarantined = events.find((e) => e.error?.code === 'VIGIL_ERR_EDGE_FRAME_TOO_LARGE');
    expect(quarantined?.event?.original).toBe(big.slice(0, 2048));
    expect(quarantined?.error?.message).toContain(`${Buffer.byteLength(big)} bytes exceeds maxMessageBytes 2048`);
    expect(await metricValue(metrics, 'vigil_edge_parse_failures_total', { reason: 'frame_too_large' })).toBe(1);
  });

  it('drops and counts datagrams while the edge is full, and empty ones', async () => {
    const { edge, producer, metrics } = await startEdge({ maxInFlightEvents: 2 });
    const release = producer.hold();
    cleanups.push(release);
    const client = udpClient();
    for (let i = 0; i < 5; i++) {
      client.send(`<13>1 - host app - - - datagram ${i}`, edge.addresses().syslogUdp!.port, LOOPBACK);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    client.send('\r\n\u0000', edge.addresses().syslogUdp!.port, LOOPBACK);
    await expect.poll(() => metricValue(metrics, 'vigil_edge_received_total', { source: 'syslog_udp' })).toBe(6);
    expect(await metricValue(metrics, 'vigil_edge_dropped_total', { reason: 'queue_full' })).toBe(3);
    expect(await metricValue(metrics, 'vigil_edge_dropped_total', { reason: 'empty' })).toBe(1);
    release();
    const events = await producer.waitForEvents(2);
    expect(events.map((e) => e.message)).toEqual(['datagram 0', 'datagram 1']);
  });
});

describe('syslog UDP source on its own', () => {
  it('counts a datagram it could not hand over as dropped (internal_error) and keeps receiving', async () => {
    const metrics = new EdgeMetrics(new Metrics({ defaultMetrics: false }));
    const taken: string[] = [];
    const source = new SyslogUdpSource({
      host: LOOPBACK,
      port: 0,
      receiveBufferBytes: 1 << 20,
      kernelDropsIntervalMs: 60_000,
      maxMessageBytes: 2048,
      flow: { isFull: () => false, fullReason: () => null, onRoom: () => () => {} },
      metrics,
      logger: silentLogger(),
      onMessage: (bytes) => {
        const text = bytes.toString('utf8');
        if (text.includes('explode')) throw new Error('handler failed');
        taken.push(text);
      },
      onQuarantine: () => {},
    });
    await source.start();
    cleanups.push(() => source.stop());
    const client = udpClient();
    client.send('<13>1 - host app - - - explode', source.address()!.port, LOOPBACK);
    client.send('<13>1 - host app - - - fine', source.address()!.port, LOOPBACK);
    await expect.poll(() => taken).toEqual(['<13>1 - host app - - - fine']);
    expect((await metrics.dropped.get()).values).toEqual([expect.objectContaining({ labels: { reason: 'internal_error' }, value: 1 })]);
  });
});

describe('syslog over TCP', () => {
  it('reads octet-counted and LF-framed connections side by side, frames split across packets', async () => {
    const { edge, producer } = await startEdge();
    const port = edge.addresses().syslogTcp!.port;
    const octetClient = await tcpClient(port);
    const lineClient = await tcpClient(port);
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

  it('reads each framing byte by byte: octet counting, LF with mixed CRLF, NUL with multi-line messages', async () => {
    const { edge, producer } = await startEdge();
    const port = edge.addresses().syslogTcp!.port;
    const a = '<13>1 2025-03-14T12:00:00Z host app - - - octet one';
    const b = '<13>1 2025-03-14T12:00:01Z host app - - - octet two\nwith a second line';
    const c = '<13>Mar 14 12:00:02 host app: lf one';
    const d = '<13>Mar 14 12:00:03 host app: crlf two';
    const e = '<13>1 2025-03-14T12:00:04Z host app - - - nul one';
    const f = '<13>1 2025-03-14T12:00:05Z host app - - - nul two\nwith a second line';
    const streams = [octet(a) + octet(b), `${c}\n${d}\r\n`, `${e}\u0000${f}\u0000`];
    const clients = await Promise.all(streams.map(() => tcpClient(port)));
    await Promise.all(clients.map((client, i) => writeSlowly(client, bytewise(streams[i]!), 1)));
    const events = await producer.waitForEvents(6);
    expect(events.map((event) => event.event?.original).sort()).toEqual([a, b, c, d, e, f].sort());
    expect(byOriginal(events, f)?.message).toBe('nul two\nwith a second line');
  });

  it('tells a NUL-framed sender by its first message, even when that message holds LFs', async () => {
    const { edge, producer } = await startEdge();
    const trace = '<11>1 2025-03-14T12:00:04Z app-01 java 77 - - Exception in thread "main"\n\tat Main.run(Main.java:12)\n\tat Main.main(Main.java:3)';
    const next = '<14>1 2025-03-14T12:00:05Z app-01 java 77 - - recovered';
    const client = await tcpClient(edge.addresses().syslogTcp!.port);
    await writeSlowly(client, [`${trace}\u0000`, `${next}\u0000`]);
    const events = await producer.waitForEvents(2);
    expect(events.map((event) => event.message)).toEqual(['Exception in thread "main"\n\tat Main.run(Main.java:12)\n\tat Main.main(Main.java:3)', 'recovered']);
  });

  it('quarantines an oversized frame and still parses the next one, in every framing', async () => {
    const { edge, producer, metrics } = await startEdge();
    const port = edge.addresses().syslogTcp!.port;
    const big = `<13>1 2025-03-14T12:00:00Z host app - - - ${'A'.repeat(4000)}`;
    const after = '<13>1 2025-03-14T12:00:01Z host app - - - after the big one';
    const octetClient = await tcpClient(port);
    const stream = octet(big) + octet(after);
    await writeSlowly(octetClient, [stream.slice(0, 900), stream.slice(900, 2500), stream.slice(2500)]);
    const lineClient = await tcpClient(port);
    await writeSlowly(lineClient, [`${after}\n`, `${big}\n`, `${after}\n`]);
    const nulClient = await tcpClient(port);
    await writeSlowly(nulClient, [`${after}\u0000`, big.slice(0, 3000), `${big.slice(3000)}\u0000`, `${after}\u0000`]);
    const events = await producer.waitForEvents(8);
    const quarantined = events.filter((e) => e.error?.code === 'VIGIL_ERR_EDGE_FRAME_TOO_LARGE');
    expect(quarantined).toHaveLength(3);
    for (const event of quarantined) {
      expect(event.vigil?.parse?.status).toBe('unparsed');
      expect(event.event?.original).toBe(big.slice(0, 1024));
    }
    expect(events.filter((e) => e.message === 'after the big one')).toHaveLength(5);
    expect(await metricValue(metrics, 'vigil_edge_parse_failures_total', { reason: 'frame_too_large' })).toBe(3);
  });

  it('keeps the order of the lines of one read around a quarantined frame, and counts each line received', async () => {
    const { edge, producer, metrics } = await startEdge();
    const client = await tcpClient(edge.addresses().syslogTcp!.port);
    const line = (n: number) => `<13>1 2025-03-14T12:00:00Z host app - - - line ${n}`;
    client.write(`${line(1)}\n${line(2)}\n<13>1 - host app - - - ${'A'.repeat(2000)}\n${line(3)}\n${line(4)}\n`);
    const events = await producer.waitForEvents(5);
    expect(events.map((e) => (e.error ? e.error.code : e.message))).toEqual(['line 1', 'line 2', 'VIGIL_ERR_EDGE_FRAME_TOO_LARGE', 'line 3', 'line 4']);
    expect(await metricValue(metrics, 'vigil_edge_received_total', { source: 'syslog_tcp' })).toBe(5);
  });

  it('survives garbage on one connection without disturbing another', async () => {
    const { edge, producer, metrics } = await startEdge();
    const port = edge.addresses().syslogTcp!.port;
    const good = await tcpClient(port);
    const bad = await tcpClient(port);
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
    const client = await tcpClient(edge.addresses().syslogTcp!.port);
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
