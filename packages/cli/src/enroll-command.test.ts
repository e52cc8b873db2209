import { X509Certificate, createPrivateKey, verify } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CertificateRenewer } from '@vigil/fleet';
import { CertificateTrust, createCertificateAuthority, generateRsaKeyPair, issueEdgeCertificate, loadEdgeIdentity, readCertificateRequest } from '@vigil/provenance';
import { Metrics, silentLogger } from '@vigil/runtime';
import { enrollCommand, renewOverHttp } from './enroll-command.ts';

const ca = createCertificateAuthority();
const preparedKeys = generateRsaKeyPair();
const nextKeys = generateRsaKeyPair();

/**
 * The two enrollment routes as the API serves them (same contract, same CA functions): one-time
 * tokens bound to an edge id, revoked edges refused with 409, errors as `{ error: { code, message } }`.
 */
class TestApi {
  readonly tokens = new Map<string, string>();
  readonly revoked = new Set<string>();
  /** Issues certificates naming this edge instead of the one asked for (a broken or hostile API). */
  issueAs: string | undefined;
  server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => void this.#handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
    const fail = (status: number, code: string, message: string) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code, message } }));
    let edgeId: string;
    let csrPem: string;
    if (request.method === 'POST' && request.url === '/api/v1/edges/enroll') {
      const bound = this.tokens.get(body.token!);
      if (bound === undefined) return void fail(401, 'VIGIL_ERR_API_ENROLL_TOKEN_INVALID', 'enrollment token is unknown, expired or already used');
      this.tokens.delete(body.token!);
      edgeId = bound;
      csrPem = body.csrPem!;
    } else if (request.method === 'POST' && request.url === '/api/v1/edges/renew') {
      const current = new X509Certificate(body.certificatePem!);
      const trusted = new CertificateTrust({ caCertificatePem: ca.certificatePem }).check(current.raw);
      if ('code' in trusted || !verify('sha256', Buffer.from(body.csrPem!, 'utf8'), current.publicKey, Buffer.from(body.signature!, 'base64'))) {
        return void fail(401, 'VIGIL_ERR_API_RENEW_REFUSED', 'certificate renewal refused: the signature over csrPem does not verify');
      }
      edgeId = trusted.edgeId;
      csrPem = body.csrPem!;
    } else {
      return void fail(404, 'VIGIL_ERR_API_NOT_FOUND', 'no such route');
    }
    if (this.revoked.has(edgeId)) return void fail(409, 'VIGIL_ERR_API_EDGE_REVOKED', `edge ${edgeId} is revoked`);
    const csr = readCertificateRequest(csrPem);
    if (csr.commonName !== edgeId) return void fail(400, 'VIGIL_ERR_API_CSR_INVALID', `it names CN ${csr.commonName}, but must name edge ${edgeId}`);
    const certificatePem = issueEdgeCertificate(ca, { edgeId: this.issueAs ?? edgeId, publicKeyPem: csr.publicKeyPem });
    const certificate = new X509Certificate(certificatePem);
    response.writeHead(201, { 'content-type': 'application/json' }).end(
      JSON.stringify({ edgeId, certificatePem, caCertificatePem: ca.certificatePem, serial: certificate.serialNumber, notAfter: new Date(certificate.validTo).toISOString() }),
    );
  }
}

describe('vigil enroll', () => {
  const api = new TestApi();
  let apiUrl: string;
  let dir: string;
  let output: string[];

  beforeAll(async () => {
    apiUrl = await api.start();
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => api.server!.close(() => resolve()));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    api.issueAs = undefined;
  });

  /** `generateKeys: null` generates a real key, as `vigil enroll` does; the others reuse one made once for this file. */
  function run(args: string[], env: Record<string, string> = {}, generateKeys: (() => typeof preparedKeys) | null = () => preparedKeys): Promise<number> {
    output = [];
    const io = { env: { VIGIL_DATA_DIR: join(dir, 'data'), ...env }, out: (line: string) => output.push(line), err: (line: string) => output.push(line) };
    return enrollCommand(args, generateKeys ? { ...io, generateKeys } : io);
  }
  const setup = () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-enroll-'));
    return join(dir, 'identity');
  };

  it('generates a key, gets a certificate and stores it 0600 in a 0700 directory, printing neither key nor token', async () => {
    const identityDir = setup();
    api.tokens.set('tok-8f2c1e9a', 'branch-fw-01');
    const code = await run(['--token', 'tok-8f2c1e9a'], { VIGIL_API_URL: apiUrl, VIGIL_EDGE_ID: 'branch-fw-01', VIGIL_EDGE_IDENTITY_DIR: identityDir }, null);
    expect(output.join('\n')).toMatch(/enrolled edge branch-fw-01/);
    expect(code).toBe(0);
    expect(readdirSync(identityDir).sort()).toEqual(['ca.crt', 'edge.crt', 'edge.key']);
    expect(statSync(identityDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(identityDir, 'edge.key')).mode & 0o777).toBe(0o600);
    const identity = loadEdgeIdentity(identityDir, 'branch-fw-01')!;
    const certificate = new X509Certificate(identity.certificatePem);
    expect(certificate.subject).toMatch(/CN=branch-fw-01/);
    expect(certificate.checkPrivateKey(createPrivateKey(identity.privateKeyPem))).toBe(true);
    expect(certificate.verify(new X509Certificate(readFileSync(join(identityDir, 'ca.crt'), 'utf8')).publicKey)).toBe(true);
    const printed = output.join('\n');
    expect(printed).toContain(certificate.serialNumber);
    expect(printed).toContain(new X509Certificate(ca.certificatePem).fingerprint256);
    expect(printed).not.toContain('tok-8f2c1e9a');
    expect(printed).not.toContain('PRIVATE KEY');
  });

  it('leaves an existing identity alone unless --force', async () => {
    const identityDir = setup();
    api.tokens.set('tok-first', 'branch-fw-02');
    expect(await run(['--api', apiUrl, '--token', 'tok-first', '--edge-id', 'branch-fw-02', '--identity-dir', identityDir])).toBe(0);
    const before = readFileSync(join(identityDir, 'edge.crt'), 'utf8');

    api.tokens.set('tok-second', 'branch-fw-02');
    expect(await run(['--api', apiUrl, '--token', 'tok-second', '--edge-id', 'branch-fw-02', '--identity-dir', identityDir])).toBe(1);
    expect(output.join('\n')).toMatch(/an edge identity already exists in .*identity; pass --force to replace it/);
    expect(readFileSync(join(identityDir, 'edge.crt'), 'utf8')).toBe(before);
    expect(api.tokens.has('tok-second')).toBe(true);

    expect(await run(['--api', apiUrl, '--token', 'tok-second', '--edge-id', 'branch-fw-02', '--identity-dir', identityDir, '--force'])).toBe(0);
    expect(readFileSync(join(identityDir, 'edge.crt'), 'utf8')).not.toBe(before);
    expect(output[0]).toMatch(/replacing the identity that was there/);
  });

  it('refuses a certificate that names another edge, and writes nothing', async () => {
    const identityDir = setup();
    api.tokens.set('tok-cn', 'branch-fw-03');
    api.issueAs = 'hq-fw-01';
    expect(await run(['--api', apiUrl, '--token', 'tok-cn', '--edge-id', 'branch-fw-03', '--identity-dir', identityDir])).toBe(1);
    expect(output.join('\n')).toMatch(/cannot be used: it names CN "hq-fw-01", not this edge "branch-fw-03"/);
    expect(existsSync(identityDir)).toBe(false);
  });

  it('says clearly when the token is refused, the edge is revoked or the API cannot be reached', async () => {
    const identityDir = setup();
    const args = (token: string, url = apiUrl) => ['--api', url, '--token', token, '--edge-id', 'branch-fw-04', '--identity-dir', identityDir];
    expect(await run(args('tok-never-issued'))).toBe(1);
    expect(output.join('\n')).toMatch(/refused the enrollment token \(unknown, expired or already used\): ask an admin for a new one/);

    api.tokens.set('tok-revoked', 'branch-fw-04');
    api.revoked.add('branch-fw-04');
    expect(await run(args('tok-revoked'))).toBe(1);
    expect(output.join('\n')).toMatch(/says edge branch-fw-04 is revoked .*VIGIL_ERR_API_EDGE_REVOKED/);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as { port: number }).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await run(args('tok-any', deadUrl))).toBe(1);
    expect(output.join('\n')).toMatch(/cannot be reached: ECONNREFUSED/);

    expect(await run(['--token', 'tok-any'])).toBe(2);
    expect(output.join('\n')).toMatch(/name the Vigil API with --api/);
    expect(existsSync(identityDir)).toBe(false);
  });

  it('renews over HTTP with proof of the current key, and the renewer saves the new identity', async () => {
    const identityDir = setup();
    api.tokens.set('tok-renew', 'branch-fw-05');
    expect(await run(['--api', apiUrl, '--token', 'tok-renew', '--edge-id', 'branch-fw-05', '--identity-dir', identityDir])).toBe(0);
    const enrolled = loadEdgeIdentity(identityDir, 'branch-fw-05')!;
    const notAfter = Date.parse(new X509Certificate(enrolled.certificatePem).validTo);
    const renewer = new CertificateRenewer({
      identity: enrolled,
      identityDir,
      caCertificatePem: readFileSync(join(identityDir, 'ca.crt'), 'utf8'),
      renew: renewOverHttp(apiUrl, 'branch-fw-05'),
      onRenewed: () => {},
      metrics: new Metrics({ defaultMetrics: false }),
      logger: silentLogger(),
      now: () => notAfter - 7 * 86_400_000,
      generateKeys: () => nextKeys,
    });
    expect(await renewer.check()).toBe('renewed');
    const renewed = loadEdgeIdentity(identityDir, 'branch-fw-05')!;
    expect(renewed.privateKeyPem).toBe(nextKeys.privateKeyPem);
    expect(new X509Certificate(renewed.certificatePem).checkPrivateKey(createPrivateKey(nextKeys.privateKeyPem))).toBe(true);

    const forged = renewOverHttp(apiUrl, 'branch-fw-05')({ certificatePem: renewed.certificatePem, csrPem: 'not a csr', signature: Buffer.from('nope').toString('base64') });
    await expect(forged).rejects.toThrow(/refused to renew the certificate: VIGIL_ERR_API_RENEW_REFUSED/);
  });
});
