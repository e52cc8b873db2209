import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { get } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, generateRsaKeyPair, issueTlsCertificate } from '@vigil/provenance';
import { createTestApi, type TestApi } from '../testing/harness.ts';
import { serverCredentials } from './tls.ts';

const ca = createCertificateAuthority();
let dir: string;

/** GET over HTTPS, trusting `trust` (the system's roots when undefined). */
function httpsGet(url: string, trust?: string): Promise<{ status: number; headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    get(url, { ...(trust && { ca: trust }) }, (response) => {
      response.resume();
      resolve({ status: response.statusCode!, headers: response.headers });
    }).once('error', reject);
  });
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-api-tls-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function started(config: Parameters<typeof createTestApi>[0]): Promise<{ api: TestApi; port: number }> {
  const api = await createTestApi(config);
  await api.server.start();
  return { api, port: api.server.addresses()[0]!.port };
}

describe('api.tls', () => {
  it('serves HTTPS with the configured certificate, with HSTS, and nothing over plain HTTP', async () => {
    const keys = generateRsaKeyPair();
    writeFileSync(join(dir, 'api.crt'), issueTlsCertificate(ca, { commonName: 'localhost', altNames: ['localhost', '127.0.0.1'], publicKeyPem: keys.publicKeyPem, serverAuth: true }));
    writeFileSync(join(dir, 'api.key'), keys.privateKeyPem);
    const { api, port } = await started({ tls: { enabled: true, certFile: join(dir, 'api.crt'), keyFile: join(dir, 'api.key') } });
    try {
      const response = await httpsGet(`https://127.0.0.1:${port}/healthz`, ca.certificatePem);
      expect(response.status).toBe(200);
      expect(response.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
      // A client that does not trust the Vigil CA refuses the certificate.
      await expect(httpsGet(`https://127.0.0.1:${port}/healthz`)).rejects.toThrow(/self-signed|unable to verify|certificate/);
    } finally {
      await api.close();
    }
  });

  it('sends no HSTS over plain HTTP', async () => {
    const { api, port } = await started({});
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(response.headers.get('strict-transport-security')).toBeNull();
    } finally {
      await api.close();
    }
  });

  it('has the Vigil CA issue a certificate for the hostnames when no files are given, and refuses to start with neither', () => {
    const issued = serverCredentials({ enabled: true, hostnames: ['vigil.example.org', '10.0.0.5'], minVersion: 'TLSv1.3' }, ca);
    expect(issued?.minVersion).toBe('TLSv1.3');
    expect(issued?.cert).toContain('-----BEGIN CERTIFICATE-----');
    const certificate = new X509Certificate(issued!.cert);
    expect(certificate.subjectAltName).toBe('DNS:vigil.example.org, IP Address:10.0.0.5');
    expect(certificate.verify(new X509Certificate(ca.certificatePem).publicKey)).toBe(true);
    expect(certificate.checkPrivateKey(createPrivateKey(issued!.key))).toBe(true);
    expect(() => serverCredentials({ enabled: true, hostnames: ['localhost'], minVersion: 'TLSv1.2' }, { certificatePem: ca.certificatePem })).toThrow(/no certificate/);
    expect(serverCredentials({ enabled: false, hostnames: ['localhost'], minVersion: 'TLSv1.2' }, ca)).toBeUndefined();
    expect(() => serverCredentials({ enabled: true, certFile: join(dir, 'none.crt'), keyFile: join(dir, 'none.key'), hostnames: ['localhost'], minVersion: 'TLSv1.2' }, ca)).toThrow(/cannot read the API's TLS certificate/);
  });
});
