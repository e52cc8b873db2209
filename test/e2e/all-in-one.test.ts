import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alert, EcsEvent } from '@vigil/schema';
import { sshdTraffic } from '../fixtures/sshd-traffic.ts';
import { allocatePorts, apiClient, makeDataDir, removeDataDir, startVigil, stopVigil, waitFor, type RunningVigil } from './harness.ts';
import { sendTcpOctetCounted, sendTcpRaw, sendUdp } from './syslog-client.ts';

type Api = Awaited<ReturnType<typeof apiClient>>;
interface EventPage {
  total: number;
  events: EcsEvent[];
  cursor: string | null;
}

const BRUTE_FORCE_RULE = 'SSH brute force';

describe('vigil start: sshd syslog to alerts', () => {
  let vigil: RunningVigil;
  let api: Api;
  let dataDir: string;
  const traffic = sshdTraffic(2_000);

  beforeAll(async () => {
    dataDir = makeDataDir();
    vigil = await startVigil({ dataDir, ports: await allocatePorts() });
    api = await apiClient(vigil);
    const tcpLines = traffic.lines.filter((_, i) => i % 2 === 0);
    const udpLines = traffic.lines.filter((_, i) => i % 2 === 1);
    await Promise.all([sendTcpOctetCounted(vigil.ports.syslog, tcpLines), sendUdp(vigil.ports.syslog, udpLines)]);
  });

  afterAll(async () => {
    if (vigil) expect(await stopVigil(vigil)).toBe(0);
    removeDataDir(dataDir);
  });

  it('stores every one of the 2,000 lines sent over TCP (octet counting) and UDP', async () => {
    const page = await waitFor(
      async () => (await api<EventPage>('/api/v1/events?q=process.name:sshd&size=1')).body,
      (body) => body.total >= 2_000,
      90_000,
      '2,000 stored sshd events',
    );
    expect(page.total).toBe(2_000);
    const all = await api<EventPage>('/api/v1/events?size=1');
    expect(all.body.total).toBe(2_000);
  });

  it('gives failed logins event.outcome failure, source.ip and user.name', async () => {
    const failedPasswords = await api<EventPage>(`/api/v1/events?${new URLSearchParams({ q: '"Failed password" AND source.ip:"203.0.113.7"', size: '1' })}`);
    expect(failedPasswords.body.total).toBe(traffic.failedPasswordsBySource.get('203.0.113.7'));
    const { body } = await api<EventPage>(`/api/v1/events?${new URLSearchParams({ q: 'event.outcome:failure AND source.ip:"203.0.113.7"', size: '1000' })}`);
    expect(body.total).toBeGreaterThanOrEqual(traffic.failuresBySource.get('203.0.113.7')!);
    for (const event of body.events) {
      expect(event.event?.outcome).toBe('failure');
      expect(event.source?.ip).toBe('203.0.113.7');
      expect(event.user?.name).toBeTruthy();
      expect(event.event?.original).toContain('203.0.113.7');
      expect(event.vigil?.signature?.status).toBe('verified');
    }
    const { body: failedPasswordEvents } = await api<EventPage>(`/api/v1/events?${new URLSearchParams({ q: '"Failed password" AND source.ip:"203.0.113.7"', size: '1000' })}`);
    for (const event of failedPasswordEvents.events) expect(event.event?.outcome).toBe('failure');
  });

  it('raises one brute-force alert per attacking source, listing the events behind it', async () => {
    const alerts = await waitFor(
      async () => (await api<{ alerts: Alert[] }>(`/api/v1/alerts?${new URLSearchParams({ rule: BRUTE_FORCE_RULE, size: '100' })}`)).body.alerts,
      (list) => new Set(list.map((alert) => alert.vigil.alert.group['source.ip'])).size >= traffic.attackers.length,
      60_000,
      'brute-force alerts for every attacker',
    );
    const sources = alerts.map((alert) => alert.vigil.alert.group['source.ip']).sort();
    expect(sources).toEqual([...traffic.attackers].sort());
    for (const alert of alerts) {
      const source = alert.vigil.alert.group['source.ip']!;
      expect(alert.vigil.alert.count).toBeGreaterThanOrEqual(10);
      expect(alert.threat?.technique?.id).toContain('T1110');
      const detail = await api<{ alert: Alert; events: EcsEvent[] }>(`/api/v1/alerts/${alert.id}`);
      expect(detail.status).toBe(200);
      expect(detail.body.events.length).toBeGreaterThanOrEqual(10);
      for (const event of detail.body.events) {
        expect(event.source?.ip).toBe(source);
        expect(event.event?.outcome).toBe('failure');
      }
    }
  });

  it('answers bad input with clear errors and keeps listening', async () => {
    const keyResponse = await api<{ key: string }>('/api/v1/api-keys', { method: 'POST', body: JSON.stringify({ name: 'e2e', role: 'ingest' }) });
    expect(keyResponse.status).toBe(201);
    const ingest = (body: string | Buffer, contentType = 'application/json') =>
      fetch(vigil.ingestUrl('/api/v1/events'), { method: 'POST', headers: { authorization: `Bearer ${keyResponse.body.key}`, 'content-type': contentType }, body });

    const invalidJson = await ingest('{"message": "unterminated');
    expect(invalidJson.status).toBe(400);
    expect(((await invalidJson.json()) as { error: { code: string } }).error.code).toMatch(/^VIGIL_ERR_/);

    const unknownField = await ingest(JSON.stringify([{ message: 'fine' }, { message: 'bad', sauce: { level: 'hot' } }]));
    const unknownBody = (await unknownField.json()) as { accepted: number; rejected: number; errors: { index: number; path: string }[] };
    expect(unknownField.status).toBe(202);
    expect(unknownBody).toMatchObject({ accepted: 1, rejected: 1 });
    expect(unknownBody.errors[0]).toMatchObject({ index: 1 });
    expect(unknownBody.errors[0]!.path).toContain('sauce');

    expect(await postOversized(vigil.ingestUrl('/api/v1/events'), keyResponse.body.key, 6 * 1024 * 1024)).toBe(413);

    // A garbage frame, an oversized octet count and a good line on one TCP connection.
    const marker = `after-garbage-${Date.now()}`;
    const good = `<86>1 ${new Date().toISOString()} web-03 sshd 4242 - - Accepted publickey for alice from 10.20.1.15 port 50000 ssh2 ${marker}`;
    await sendTcpRaw(vigil.ports.syslog, Buffer.concat([Buffer.from('\u0000\u00ff\u00fe garbage without a header\n'), Buffer.from(`${Buffer.byteLength(good)} ${good}`)]));
    await sendUdp(vigil.ports.syslog, ['\u0000\u0001 not syslog at all']);
    const stored = await waitFor(
      async () => (await api<EventPage>(`/api/v1/events?${new URLSearchParams({ q: `"${marker}"`, size: '5' })}`)).body.total,
      (total) => total === 1,
      30_000,
      'the good line after the garbage',
    );
    expect(stored).toBe(1);
    expect((await fetch(vigil.ingestUrl('/healthz'))).status).toBe(200);
  });
});

/**
 * Announces an oversized body (Content-Length) but sends only its first kilobyte, and returns
 * the status the server answers with: the edge must refuse by the announced size without
 * waiting for (or reading) the rest, and without the client's upload racing the refusal.
 */
function postOversized(url: string, key: string, announcedBytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': announcedBytes } });
    const timer = setTimeout(() => reject(new Error('no answer to an oversized body within 10 s')), 10_000);
    outgoing.on('response', (response) => {
      clearTimeout(timer);
      response.resume();
      resolve(response.statusCode ?? 0);
      outgoing.destroy();
    });
    outgoing.on('error', () => {});
    outgoing.write(`{"message":"${'x'.repeat(1_000)}`);
  });
}
