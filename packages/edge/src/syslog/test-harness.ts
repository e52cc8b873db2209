import { connect as connectTcp, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { createCertificateAuthority, generateRsaKeyPair, issueTlsCertificate, type CertificateAuthority } from '@vigil/provenance';
import type { Metrics } from '@vigil/runtime';
import type { EdgeConfigInput } from '../config.ts';
import { createEdge, type Edge, type EdgeDeps } from '../edge.ts';
import { testDeps, type MemoryProducer } from '../test-support.ts';

/**
 * Test support for the syslog listeners (not exported from the package): a real edge on
 * loopback ports, socket clients, and a throwaway PKI for TLS.
 */

export const LOOPBACK = '127.0.0.1';

/** Cleanups run after each test, last first. */
export const cleanups: Array<() => Promise<void> | void> = [];

export async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

/** Starts an edge with syslog on loopback port 0 (HTTP off), publishing to an in-memory bus. */
export async function startEdge(config: EdgeConfigInput = {}, deps: Partial<EdgeDeps> = {}): Promise<{ edge: Edge; producer: MemoryProducer; metrics: Metrics }> {
  const { deps: full, producer, metrics, cleanup } = testDeps(deps);
  cleanups.push(cleanup);
  const edge = createEdge(
    {
      http: { enabled: false },
      ...config,
      syslog: {
        ...config.syslog,
        udp: { host: LOOPBACK, port: 0, ...config.syslog?.udp },
        tcp: { host: LOOPBACK, port: 0, maxMessageBytes: 1024, ...config.syslog?.tcp },
        tls: { host: LOOPBACK, port: 0, maxMessageBytes: 1024, ...config.syslog?.tls },
      },
      batch: { flushIntervalMs: 20, ...config.batch },
    },
    full,
  );
  await edge.start();
  cleanups.push(() => edge.stop());
  return { edge, producer, metrics };
}

export async function tcpClient(port: number): Promise<Socket> {
  const socket = connectTcp({ host: LOOPBACK, port });
  socket.setNoDelay(true);
  cleanups.push(() => void socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** A TLS client; resolves once the handshake is done (TLS 1.3: before the server has checked the client certificate). */
export async function tlsClient(port: number, options: ConnectionOptions): Promise<TLSSocket> {
  const socket = connectTls({ host: LOOPBACK, port, servername: 'localhost', ...options });
  socket.setNoDelay(true);
  socket.on('error', () => {});
  cleanups.push(() => void socket.destroy());
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  return socket;
}

/** Writes pieces with a pause between them, so they reach the edge as separate segments. */
export async function writeSlowly(socket: Socket, pieces: Array<string | Buffer>, pauseMs = 15): Promise<void> {
  for (const piece of pieces) {
    await new Promise<void>((resolve, reject) => socket.write(piece, (error) => (error ? reject(error) : resolve())));
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

/** Every byte of `text` as its own chunk. */
export const bytewise = (text: string | Buffer): Buffer[] => [...(typeof text === 'string' ? Buffer.from(text) : text)].map((byte) => Buffer.from([byte]));

export const octet = (message: string): string => `${Buffer.byteLength(message)} ${message}`;

/** A certificate with its key, as PEM. */
export interface Credential {
  certPem: string;
  keyPem: string;
}

/** A CA with a server certificate for localhost/127.0.0.1 and client certificates: valid, signed by another CA with the same name, expired. */
export interface TestPki {
  ca: CertificateAuthority;
  server: Credential;
  client: Credential;
  foreignClient: Credential;
  expiredClient: Credential;
}

let pki: TestPki | undefined;

/** One PKI per test file (RSA key generation is the slow part). */
export function testPki(): TestPki {
  if (pki) return pki;
  const ca = createCertificateAuthority({ commonName: 'Vigil Test CA' });
  // An attacker's CA may well copy the real CA's name.
  const rogue = createCertificateAuthority({ commonName: 'Vigil Test CA' });
  const issue = (authority: CertificateAuthority, request: Omit<Parameters<typeof issueTlsCertificate>[1], 'publicKeyPem'>): Credential => {
    const keys = generateRsaKeyPair();
    return { certPem: issueTlsCertificate(authority, { ...request, publicKeyPem: keys.publicKeyPem }), keyPem: keys.privateKeyPem };
  };
  pki = {
    ca,
    server: issue(ca, { commonName: 'edge-syslog.example.net', serverAuth: true, altNames: ['localhost', LOOPBACK] }),
    client: issue(ca, { commonName: 'fw01.example.net', clientAuth: true }),
    foreignClient: issue(rogue, { commonName: 'fw01.example.net', clientAuth: true }),
    expiredClient: issue(ca, { commonName: 'old-router.example.net', clientAuth: true, notBefore: new Date(Date.now() - 30 * 86_400_000), validityDays: 10 }),
  };
  return pki;
}
