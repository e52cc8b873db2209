import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type ConnectionOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, generateRsaKeyPair, issueTlsCertificate, type CertificateAuthority } from '@vigil/provenance';
import type { EcsEvent } from '@vigil/schema';
import { allocatePorts, apiClient, freePort, makeDataDir, removeDataDir, startVigil, stopVigil, waitFor, type RunningVigil } from './harness.ts';

/**
 * Syslog over TLS (RFC 5425) with client certificates, end to end through `vigil start`: a
 * device with a certificate from the Vigil CA gets its lines stored (with who it is); a device
 * without one, or with one from another CA, is refused and counted.
 */
function clientCertificate(ca: CertificateAuthority, commonName: string): { cert: string; key: string } {
  const keys = generateRsaKeyPair();
  return { cert: issueTlsCertificate(ca, { commonName, publicKeyPem: keys.publicKeyPem, clientAuth: true }), key: keys.privateKeyPem };
}

/**
 * Sends octet-counted lines over one TLS connection and waits until it is closed. With TLS 1.3
 * the client finishes its side of the handshake before the server has checked the client's
 * certificate, so a refusal shows on the server (its counter, nothing stored), not here.
 */
async function sendOverTls(port: number, options: ConnectionOptions, lines: string[]): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port, ...options });
  socket.on('error', () => {});
  const closed = new Promise((resolve) => socket.once('close', resolve));
  try {
    await once(socket, 'secureConnect');
    socket.end(lines.map((line) => `${Buffer.byteLength(line)} ${line}`).join(''));
  } catch {
    socket.destroy();
  }
  await closed;
}

async function refusals(vigil: RunningVigil): Promise<Record<string, number>> {
  const metrics = await (await fetch(vigil.ingestUrl('/metrics'))).text();
  const counts: Record<string, number> = {};
  for (const line of metrics.split('\n')) {
    const match = /^vigil_edge_tls_handshake_failures_total\{reason="([^"]+)"\} (\d+)/.exec(line);
    if (match) counts[match[1]!] = Number(match[2]);
  }
  return counts;
}

describe('vigil start: syslog over TLS with client certificates', () => {
  let vigil: RunningVigil;
  let dataDir: string;
  let tlsPort: number;
  let vigilCa: CertificateAuthority;

  beforeAll(async () => {
    dataDir = makeDataDir();
    tlsPort = await freePort();
    const config = join(dataDir, 'vigil.json');
    writeFileSync(config, JSON.stringify({ edge: { syslog: { tls: { enabled: true, host: '127.0.0.1', port: tlsPort, clientAuth: 'required' } } } }));
    vigil = await startVigil({ dataDir, ports: await allocatePorts(), env: { VIGIL_CONFIG: config } });
    vigilCa = { certificatePem: readFileSync(join(dataDir, 'pki', 'ca.crt'), 'utf8'), privateKeyPem: readFileSync(join(dataDir, 'pki', 'ca.key'), 'utf8') };
  });

  afterAll(async () => {
    if (vigil) await stopVigil(vigil);
    if (dataDir) removeDataDir(dataDir);
  });

  it('stores what a device with a Vigil-issued certificate sends, and refuses and counts the others', async () => {
    expect(vigil.output()).toContain(`syslog TLS          127.0.0.1:${tlsPort}`);
    // The device trusts the Vigil CA for the listener's certificate (the edge's own, which names the edge, not a host).
    const trust: ConnectionOptions = { ca: vigilCa.certificatePem, checkServerIdentity: () => undefined };
    const lines = Array.from({ length: 20 }, (_, i) => `<86>1 2026-11-24T10:00:${String(i).padStart(2, '0')}Z fw-1 sshd 77 - - Failed password for root from 198.51.100.${i} port 5${i} ssh2`);
    await sendOverTls(tlsPort, { ...trust, ...clientCertificate(vigilCa, 'fw-1') }, lines);

    const api = await apiClient(vigil);
    const stored = await waitFor(
      async () => (await api<{ total: number; events: EcsEvent[] }>('/api/v1/events?q=tls.client.x509.subject.common_name:fw-1&size=50')).body,
      (page) => page.total === 20,
      30_000,
      'the 20 lines sent over TLS',
    );
    expect(stored.events[0]).toMatchObject({ process: { name: 'sshd' }, event: { outcome: 'failure' }, vigil: { input: { type: 'syslog_tls' } } });

    expect(Object.values(await refusals(vigil)).reduce((sum, count) => sum + count, 0)).toBe(0);

    await sendOverTls(tlsPort, trust, ['<13>1 - nocert app - - - no certificate']);
    const stranger = createCertificateAuthority({ commonName: 'Not Vigil' });
    await sendOverTls(tlsPort, { ...trust, ...clientCertificate(stranger, 'fw-2') }, ['<13>1 - otherca app - - - other CA']);
    const counted = await waitFor(() => refusals(vigil), (counts) => Object.values(counts).reduce((sum, count) => sum + count, 0) === 2, 10_000, 'both refusals counted');
    console.log(`syslog TLS: 20 lines from fw-1 stored; refused and counted: ${JSON.stringify(counted)}`);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await api<{ total: number }>('/api/v1/events?q=%22no%20certificate%22%20OR%20%22other%20CA%22&size=1')).body.total).toBe(0);
  });
});
