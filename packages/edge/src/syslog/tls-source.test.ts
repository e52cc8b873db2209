import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCertificateAuthority, generateRsaKeyPair, issueEdgeCertificate } from '@vigil/provenance';
import { parseConfig, silentLogger } from '@vigil/runtime';
import { validateEvent } from '@vigil/schema';
import { edgeConfigSchema } from '../config.ts';
import { createEdge } from '../edge.ts';
import { metricValue, testDeps } from '../test-support.ts';
import { LOOPBACK, cleanups, octet, runCleanups, startEdge, tcpClient, testPki, tlsClient, writeSlowly } from './test-harness.ts';

afterEach(runCleanups);

/** The PKI's server certificate and CA as PEM files, as an operator would configure them. */
function pemFiles(): { certFile: string; keyFile: string; caFile: string } {
  const { server, ca } = testPki();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-tls-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const files = { certFile: join(dir, 'server.crt'), keyFile: join(dir, 'server.key'), caFile: join(dir, 'ca.crt') };
  writeFileSync(files.certFile, server.certPem);
  writeFileSync(files.keyFile, server.keyPem, { mode: 0o600 });
  writeFileSync(files.caFile, ca.certificatePem);
  return files;
}

/** Resolves once the server has closed the connection (a refused client sees its socket end). */
const closed = (socket: { once(event: 'close', listener: () => void): unknown }) => new Promise<void>((resolve) => socket.once('close', () => resolve()));

describe('syslog over TLS (RFC 5425)', () => {
  it('takes octet-counted syslog from a client with a valid certificate and records who sent it', async () => {
    const { edge, producer, metrics } = await startEdge({ syslog: { tls: { enabled: true, clientAuth: 'required', ...pemFiles() } } });
    const { ca, client } = testPki();
    const socket = await tlsClient(edge.addresses().syslogTls!.port, { ca: ca.certificatePem, cert: client.certPem, key: client.keyPem });
    const first = '<134>1 2025-03-14T12:00:00.000Z fw01.example.net filterlog 5123 - - 5,,,1000000103,igb0,match,block,in,4,0x0';
    const second = '<134>1 2025-03-14T12:00:01.000Z fw01.example.net filterlog 5123 - - second line';
    const stream = octet(first) + octet(second);
    await writeSlowly(socket, [stream.slice(0, 7), stream.slice(7, 80), stream.slice(80)]);
    const events = await producer.waitForEvents(2);
    expect(events.map((e) => e.event?.original)).toEqual([first, second]);
    for (const event of events) {
      expect(validateEvent(event).ok).toBe(true);
      expect(event.vigil?.input?.type).toBe('syslog_tls');
      expect(event.tls).toEqual({
        version: '1.3',
        version_protocol: 'tls',
        client: { subject: 'CN=fw01.example.net, O=Vigil', x509: { subject: { common_name: ['fw01.example.net'] } } },
      });
    }
    expect(await metricValue(metrics, 'vigil_edge_received_total', { source: 'syslog_tls' })).toBe(2);
    expect(await metricValue(metrics, 'vigil_edge_tls_connections')).toBe(1);
  });

  it('refuses clients without a valid certificate when required, counting each reason, and keeps serving good ones', async () => {
    const { edge, producer, metrics } = await startEdge({ syslog: { tls: { enabled: true, clientAuth: 'required', ...pemFiles() } } });
    const { ca, client, foreignClient, expiredClient } = testPki();
    const port = edge.addresses().syslogTls!.port;
    const attempts = [
      { reason: 'no_certificate', options: {} },
      { reason: 'untrusted_certificate', options: { cert: foreignClient.certPem, key: foreignClient.keyPem } },
      { reason: 'certificate_expired', options: { cert: expiredClient.certPem, key: expiredClient.keyPem } },
    ];
    for (const { reason, options } of attempts) {
      const socket = await tlsClient(port, { ca: ca.certificatePem, ...options });
      // TLS 1.3 finishes the client's side of the handshake before the server checks its certificate.
      socket.write('<13>1 - intruder app - - - must not be published\n');
      await closed(socket);
      expect(await metricValue(metrics, 'vigil_edge_tls_handshake_failures_total', { reason })).toBe(1);
    }
    const good = await tlsClient(port, { ca: ca.certificatePem, cert: client.certPem, key: client.keyPem });
    good.write('<13>1 - fw01 app - - - welcome\n');
    const events = await producer.waitForEvents(1);
    expect(events.map((e) => e.message)).toEqual(['welcome']);
    expect(await metricValue(metrics, 'vigil_edge_received_total', { source: 'syslog_tls' })).toBe(1);
  });

  it('logs a refusal once per reason per minute, with its error code, however many clients are refused', async () => {
    const logger = silentLogger();
    const warnings: Array<Record<string, unknown>> = [];
    // Only the log lines are observed; the listener under test is real.
    logger.warn = ((fields: Record<string, unknown>) => void warnings.push(fields)) as typeof logger.warn;
    const { edge, metrics } = await startEdge({ syslog: { tls: { enabled: true, clientAuth: 'required', ...pemFiles() } } }, { logger });
    const port = edge.addresses().syslogTls!.port;
    for (let i = 0; i < 3; i++) await closed(await tlsClient(port, { ca: testPki().ca.certificatePem }));
    expect(await metricValue(metrics, 'vigil_edge_tls_handshake_failures_total', { reason: 'no_certificate' })).toBe(3);
    expect(warnings.filter((w) => w.reason === 'no_certificate')).toEqual([expect.objectContaining({ code: 'VIGIL_ERR_EDGE_TLS_CLIENT_REFUSED', peer: LOOPBACK })]);
  });

  it('with optional client auth takes clients without a certificate but not with a bad one', async () => {
    const { edge, producer, metrics } = await startEdge({ syslog: { tls: { enabled: true, clientAuth: 'optional', ...pemFiles() } } });
    const { ca, expiredClient } = testPki();
    const port = edge.addresses().syslogTls!.port;
    const anonymous = await tlsClient(port, { ca: ca.certificatePem });
    anonymous.write('<13>Mar 14 12:00:00 printer01 lpd[7]: job 12 done\n');
    const [event] = await producer.waitForEvents(1);
    expect(event?.tls).toEqual({ version: '1.3', version_protocol: 'tls' });
    const expired = await tlsClient(port, { ca: ca.certificatePem, cert: expiredClient.certPem, key: expiredClient.keyPem });
    expired.write('<13>Mar 14 12:00:00 old-router app: refused\n');
    await closed(expired);
    expect(await metricValue(metrics, 'vigil_edge_tls_handshake_failures_total', { reason: 'certificate_expired' })).toBe(1);
    expect(producer.events()).toHaveLength(1);
  });

  it("uses the edge's own identity certificate and the Vigil CA when no files are configured", async () => {
    const ca = createCertificateAuthority({ commonName: 'Vigil CA' });
    const keys = generateRsaKeyPair();
    const tlsIdentity = { certPem: issueEdgeCertificate(ca, { edgeId: 'edge-7', publicKeyPem: keys.publicKeyPem }), keyPem: keys.privateKeyPem, caPem: ca.certificatePem };
    const { edge, producer } = await startEdge({ syslog: { tls: { enabled: true } } }, { tlsIdentity });
    expect(edge.addresses().syslogTls).toEqual({ host: LOOPBACK, port: expect.any(Number) });
    // The identity certificate names the edge, not a host: clients check the chain (rsyslog's x509/certvalid).
    const socket = await tlsClient(edge.addresses().syslogTls!.port, { ca: ca.certificatePem, checkServerIdentity: () => undefined });
    expect(socket.authorized).toBe(true);
    expect(socket.getPeerCertificate().subject.CN).toBe('edge-7');
    socket.write('<13>Mar 14 12:00:00 host app: over the identity cert\n');
    expect((await producer.waitForEvents(1)).map((e) => e.message)).toEqual(['over the identity cert']);

    // After a renewal, new connections get the renewed certificate.
    const renewedKeys = generateRsaKeyPair();
    const renewed = issueEdgeCertificate(ca, { edgeId: 'edge-7', publicKeyPem: renewedKeys.publicKeyPem });
    edge.replaceTlsIdentity({ certPem: renewed, keyPem: renewedKeys.privateKeyPem, caPem: ca.certificatePem });
    const next = await tlsClient(edge.addresses().syslogTls!.port, { ca: ca.certificatePem, checkServerIdentity: () => undefined });
    expect(next.getPeerCertificate().serialNumber).toBe(new X509Certificate(renewed).serialNumber);
    expect(next.getPeerCertificate().serialNumber).not.toBe(socket.getPeerCertificate().serialNumber);
  });

  it('counts handshakes that time out, plain-text senders and clients below minVersion', async () => {
    const { edge, metrics } = await startEdge({ syslog: { tls: { enabled: true, handshakeTimeoutMs: 200, minVersion: 'TLSv1.3', ...pemFiles() } } });
    const port = edge.addresses().syslogTls!.port;
    const silent = await tcpClient(port);
    await closed(silent);
    const plain = await tcpClient(port);
    plain.write('<13>Mar 14 12:00:00 host app: plain text on the TLS port\n');
    await closed(plain);
    await expect(tlsClient(port, { ca: testPki().ca.certificatePem, maxVersion: 'TLSv1.2' })).rejects.toThrow();
    await expect.poll(() => metricValue(metrics, 'vigil_edge_tls_handshake_failures_total', { reason: 'protocol_version' })).toBe(1);
    expect(await metricValue(metrics, 'vigil_edge_tls_handshake_failures_total', { reason: 'handshake_timeout' })).toBe(1);
    expect(await metricValue(metrics, 'vigil_edge_tls_handshake_failures_total', { reason: 'not_tls' })).toBe(1);
    expect(edge.running).toBe(true);
  });

  it('applies the per-connection limits: an oversized frame is quarantined, the stream stays in sync, idle clients are closed', async () => {
    const { edge, producer, metrics } = await startEdge({ syslog: { tls: { enabled: true, clientAuth: 'required', idleTimeoutMs: 300, ...pemFiles() } } });
    const { ca, client } = testPki();
    const socket = await tlsClient(edge.addresses().syslogTls!.port, { ca: ca.certificatePem, cert: client.certPem, key: client.keyPem });
    const big = `<13>1 2025-03-14T12:00:00Z fw01 app - - - ${'X'.repeat(3000)}`;
    await writeSlowly(socket, [`${big}\n`, '<13>1 2025-03-14T12:00:01Z fw01 app - - - after\n']);
    const events = await producer.waitForEvents(2);
    expect(events[0]).toMatchObject({ error: { code: 'VIGIL_ERR_EDGE_FRAME_TOO_LARGE' }, vigil: { input: { type: 'syslog_tls' } }, tls: { client: { subject: 'CN=fw01.example.net, O=Vigil' } } });
    expect(events[0]?.event?.original).toBe(big.slice(0, 1024));
    expect(events[1]?.message).toBe('after');
    expect(await metricValue(metrics, 'vigil_edge_parse_failures_total', { reason: 'frame_too_large' })).toBe(1);
    await closed(socket);
    await expect.poll(() => metricValue(metrics, 'vigil_edge_tls_connections')).toBe(0);
  });
});

describe('syslog TLS start-up', () => {
  async function startFails(config: Parameters<typeof createEdge>[0], tlsIdentity?: { certPem: string; keyPem: string; caPem: string }): Promise<unknown> {
    const { deps, cleanup } = testDeps(tlsIdentity ? { tlsIdentity } : {});
    cleanups.push(cleanup);
    const edge = createEdge({ http: { enabled: false }, syslog: { udp: { enabled: false }, tcp: { host: LOOPBACK, port: 0 }, ...config.syslog } }, deps);
    try {
      await edge.start();
      cleanups.push(() => edge.stop());
      return undefined;
    } catch (error) {
      expect(edge.running).toBe(false);
      expect(edge.addresses()).toEqual({});
      return error;
    }
  }

  it('fails with a clear code when there is no certificate, no CA for client auth, or an unreadable file', async () => {
    expect(await startFails({ syslog: { tls: { enabled: true, host: LOOPBACK, port: 0 } } })).toMatchObject({ code: 'VIGIL_ERR_EDGE_TLS_NO_CERTIFICATE', message: expect.stringContaining('syslog.tls.certFile') });
    const { server } = testPki();
    const identity = { certPem: server.certPem, keyPem: server.keyPem, caPem: '' };
    expect(await startFails({ syslog: { tls: { enabled: true, host: LOOPBACK, port: 0, clientAuth: 'required' } } }, identity)).toMatchObject({ code: 'VIGIL_ERR_EDGE_TLS_NO_CA' });
    expect(await startFails({ syslog: { tls: { enabled: true, host: LOOPBACK, port: 0, certFile: '/nonexistent/server.crt', keyFile: '/nonexistent/server.key' } } })).toMatchObject({
      code: 'VIGIL_ERR_EDGE_TLS_FILE_UNREADABLE',
      message: expect.stringContaining('/nonexistent/server.crt'),
    });
    expect(await startFails({ syslog: { tls: { enabled: true, host: LOOPBACK, port: 0 } } }, { certPem: 'not a certificate', keyPem: 'nor a key', caPem: '' })).toMatchObject({ code: 'VIGIL_ERR_EDGE_TLS_BAD_CREDENTIALS' });
  });

  it('is off by default on port 6514, and rejects a certFile without its keyFile', () => {
    const config = parseConfig(edgeConfigSchema, {});
    expect(config.syslog.tls).toMatchObject({ enabled: false, port: 6514, clientAuth: 'none', minVersion: 'TLSv1.2', maxMessageBytes: 65_536, handshakeTimeoutMs: 10_000 });
    expect(config.syslog.defaultTimezone).toBe('UTC');
    expect(() => parseConfig(edgeConfigSchema, { syslog: { tls: { certFile: '/etc/vigil/tls.crt' } } })).toThrow(/syslog\.tls\.certFile: set both certFile and keyFile/);
    expect(() => parseConfig(edgeConfigSchema, { syslog: { defaultTimezone: 'Europe/Atlantis' } })).toThrow(/syslog\.defaultTimezone/);
  });
});
