import { X509Certificate, createPublicKey, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCertificateAuthority, generateRsaKeyPair, issueEdgeCertificate } from '@vigil/provenance';
import { createSqliteFleetRepository } from '../fleet/sqlite-fleet-repository.ts';
import { TestEdge, createFleetTestBed, type FleetTestBed } from '../fleet/test-bed.ts';
import { bearer, createTestApi, type TestApi } from '../testing/harness.ts';

// Key generation is slow: one CA and a handful of edge keys for the whole file.
let bed: FleetTestBed;
let api: TestApi;
let adminToken: string;
let clockShiftMs = 0;
const otherCa = createCertificateAuthority({ commonName: 'Not Vigil' });
const spareKeys = [generateRsaKeyPair(), generateRsaKeyPair(), generateRsaKeyPair()] as const;

beforeAll(async () => {
  bed = await createFleetTestBed();
  api = await createTestApi({}, undefined, (dir) => ({
    repository: createSqliteFleetRepository(`${dir}/auth.db`),
    bus: bed.bus,
    producer: bed.producer,
    ca: bed.ca,
    now: () => Date.now() + clockShiftMs,
  }));
  adminToken = await api.login('admin');
});

afterAll(async () => {
  await api.close();
  await bed.close();
});

let nextAddress = 1;
/** Each test enrolls from its own client address, so the failure limiter of one test does not reach another. */
function client(): string {
  return `198.51.100.${nextAddress++}`;
}

async function createToken(edgeId: string, ttlSeconds?: number): Promise<string> {
  const response = await api.server.app.inject({
    method: 'POST',
    url: '/api/v1/edges/enrollment-tokens',
    headers: bearer(adminToken),
    payload: { edgeId, ...(ttlSeconds !== undefined && { ttlSeconds }) },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().token as string;
}

function enroll(payload: { token: string; csrPem: string }, remoteAddress = client()) {
  return api.server.app.inject({ method: 'POST', url: '/api/v1/edges/enroll', payload, remoteAddress });
}

function renew(payload: { certificatePem: string; csrPem: string; signature: string }, remoteAddress = client()) {
  return api.server.app.inject({ method: 'POST', url: '/api/v1/edges/renew', payload, remoteAddress });
}

async function enrolled(edge: TestEdge): Promise<TestEdge> {
  const response = await enroll({ token: await createToken(edge.edgeId), csrPem: edge.csr() });
  expect(response.statusCode, response.body).toBe(201);
  edge.certificatePem = response.json().certificatePem as string;
  return edge;
}

describe('enrollment', () => {
  it('an admin\'s one-time token and the edge\'s CSR get the edge a certificate from the Vigil CA for its own key', async () => {
    const edge = new TestEdge('dc1-fw-edge', spareKeys[0]);
    const before = Date.now();
    const tokenResponse = await api.server.app.inject({ method: 'POST', url: '/api/v1/edges/enrollment-tokens', headers: bearer(adminToken), payload: { edgeId: 'dc1-fw-edge' } });
    expect(tokenResponse.statusCode).toBe(201);
    const { token, edgeId, expiresAt } = tokenResponse.json() as { token: string; edgeId: string; expiresAt: string };
    expect(token).toMatch(/^vget_[A-Za-z0-9_-]{43}$/);
    expect(edgeId).toBe('dc1-fw-edge');
    expect(Date.parse(expiresAt) - before).toBeGreaterThanOrEqual(3_600_000 - 1000);
    expect(Date.parse(expiresAt) - before).toBeLessThanOrEqual(3_600_000 + 5000);

    const response = await enroll({ token, csrPem: edge.csr() });
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json() as { edgeId: string; certificatePem: string; caCertificatePem: string; serial: string; notAfter: string };
    const certificate = new X509Certificate(body.certificatePem);
    expect(body.edgeId).toBe('dc1-fw-edge');
    expect(certificate.subject).toContain('CN=dc1-fw-edge');
    expect(certificate.verify(new X509Certificate(bed.ca.certificatePem).publicKey)).toBe(true);
    expect(certificate.publicKey.equals(createPublicKey(edge.keys.publicKeyPem))).toBe(true);
    expect(body.caCertificatePem).toBe(bed.ca.certificatePem);
    expect(body.serial).toBe(certificate.serialNumber);
    expect(Date.parse(body.notAfter)).toBe(Date.parse(certificate.validTo));
    expect(Date.parse(body.notAfter) - before).toBeGreaterThan(364 * 86_400_000);

    const shown = await api.server.app.inject({ url: '/api/v1/edges/dc1-fw-edge', headers: bearer(await api.login('victor')) });
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({ edgeId: 'dc1-fw-edge', status: 'enrolled', certificate: { serial: body.serial, notAfter: body.notAfter }, lastHeartbeat: null, revokedAt: null });
    expect(shown.json().enrolledAt).not.toBeNull();
  });

  it('a token works once: a second enrollment with it is refused', async () => {
    const token = await createToken('dc2-edge');
    const edge = new TestEdge('dc2-edge', spareKeys[1]);
    expect((await enroll({ token, csrPem: edge.csr() })).statusCode).toBe(201);
    const reused = await enroll({ token, csrPem: edge.csr() });
    expect(reused.statusCode).toBe(401);
    expect(reused.json().error.code).toBe('VIGIL_ERR_API_ENROLL_TOKEN_INVALID');
  });

  it('refuses expired and unknown tokens', async () => {
    const edge = new TestEdge('dc3-edge', spareKeys[1]);
    const token = await createToken('dc3-edge', 60);
    clockShiftMs = 61_000;
    try {
      const expired = await enroll({ token, csrPem: edge.csr() });
      expect(expired.statusCode).toBe(401);
      expect(expired.json().error.code).toBe('VIGIL_ERR_API_ENROLL_TOKEN_INVALID');
    } finally {
      clockShiftMs = 0;
    }
    const unknown = await enroll({ token: `vget_${'x'.repeat(43)}`, csrPem: edge.csr() });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error.code).toBe('VIGIL_ERR_API_ENROLL_TOKEN_INVALID');
  });

  it('refuses a CSR that names another edge or is not signed by its key, without using the token up', async () => {
    const token = await createToken('branch-7-edge');
    const edge = new TestEdge('branch-7-edge', spareKeys[2]);
    const wrongName = await enroll({ token, csrPem: edge.csr('dc1-fw-edge') });
    expect(wrongName.statusCode).toBe(400);
    expect(wrongName.json().error).toMatchObject({ code: 'VIGIL_ERR_API_CSR_INVALID' });
    expect(wrongName.json().error.message).toContain('"dc1-fw-edge"');
    const csr = edge.csr();
    const lines = csr.trim().split(/\r?\n/);
    // Flip one character inside the signature (the end of the base64 body).
    const last = lines[lines.length - 2]!;
    lines[lines.length - 2] = last.slice(0, 5) + (last[5] === 'A' ? 'B' : 'A') + last.slice(6);
    const tampered = await enroll({ token, csrPem: lines.join('\n') });
    expect(tampered.statusCode).toBe(400);
    expect(tampered.json().error.code).toBe('VIGIL_ERR_API_CSR_INVALID');
    const garbage = await enroll({ token, csrPem: 'hello' });
    expect(garbage.statusCode).toBe(400);
    expect((await enroll({ token, csrPem: csr })).statusCode).toBe(201);
  });

  it('limits failed attempts per client address, like logins', async () => {
    const address = client();
    const csrPem = new TestEdge('guess-edge', spareKeys[0]).csr();
    for (let attempt = 0; attempt < 5; attempt++) {
      expect((await enroll({ token: `vget_${String(attempt).repeat(43)}`, csrPem }, address)).statusCode).toBe(401);
    }
    const limited = await enroll({ token: await createToken('guess-edge'), csrPem }, address);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('VIGIL_ERR_API_ENROLL_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await enroll({ token: await createToken('guess-edge'), csrPem })).statusCode).toBe(201);
    expect((await api.metrics.render()).body).toMatch(/vigil_api_fleet_auth_failures_total\{route="enroll"\} [5-9]/);
  });

  it('only admins create tokens, for valid edge ids and at most 7 days', async () => {
    const analyst = await api.login('alice');
    const forbidden = await api.server.app.inject({ method: 'POST', url: '/api/v1/edges/enrollment-tokens', headers: bearer(analyst), payload: { edgeId: 'x-edge' } });
    expect(forbidden.statusCode).toBe(403);
    for (const payload of [{ edgeId: 'x-edge', ttlSeconds: 7 * 86_400 + 1 }, { edgeId: '../etc/passwd' }, { edgeId: 'x-edge', extra: true }]) {
      const response = await api.server.app.inject({ method: 'POST', url: '/api/v1/edges/enrollment-tokens', headers: bearer(adminToken), payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
    }
  });
});

describe('renewal', () => {
  it('an edge signing with its current key gets a new certificate for its new key, and can renew again with that', async () => {
    const edge = await enrolled(new TestEdge('renew-edge', spareKeys[0]));
    const first = await renew(edge.renewal(spareKeys[1]));
    expect(first.statusCode, first.body).toBe(201);
    const renewed = new X509Certificate(first.json().certificatePem as string);
    expect(renewed.publicKey.equals(createPublicKey(spareKeys[1].publicKeyPem))).toBe(true);
    expect(renewed.serialNumber).not.toBe(new X509Certificate(edge.certificatePem!).serialNumber);

    edge.keys = spareKeys[1];
    edge.certificatePem = first.json().certificatePem as string;
    const second = await renew(edge.renewal(spareKeys[2]));
    expect(second.statusCode, second.body).toBe(201);
    const shown = (await api.server.app.inject({ url: '/api/v1/edges/renew-edge', headers: bearer(adminToken) })).json();
    expect(shown.certificate.serial).toBe(second.json().serial);
  });

  it('refuses a signature made with another key, a certificate from another CA, an expired certificate and a CSR for another edge', async () => {
    const edge = await enrolled(new TestEdge('renew-refused-edge', spareKeys[0]));
    const badSignature = await renew(edge.renewal(spareKeys[1], spareKeys[2].privateKeyPem));
    expect(badSignature.statusCode).toBe(401);
    expect(badSignature.json().error).toMatchObject({ code: 'VIGIL_ERR_API_RENEW_REFUSED' });
    expect(badSignature.json().error.message).toContain('signature');

    const foreign = new TestEdge('renew-refused-edge', spareKeys[0]);
    foreign.certificatePem = issueEdgeCertificate(otherCa, { edgeId: 'renew-refused-edge', publicKeyPem: spareKeys[0].publicKeyPem });
    const untrusted = await renew(foreign.renewal(spareKeys[1]));
    expect(untrusted.statusCode).toBe(401);
    expect(untrusted.json().error.message).toContain('VIGIL_ERR_PROVENANCE_UNKNOWN_EDGE');

    clockShiftMs = 400 * 86_400_000;
    try {
      const expired = await renew(edge.renewal(spareKeys[1]));
      expect(expired.statusCode).toBe(401);
      expect(expired.json().error.message).toContain('VIGIL_ERR_PROVENANCE_CERT_EXPIRED');
    } finally {
      clockShiftMs = 0;
    }

    const renewal = edge.renewal(spareKeys[1]);
    const otherName = new TestEdge('dc1-fw-edge', spareKeys[1]).csr();
    const misnamed = await renew({ ...renewal, csrPem: otherName, signature: sign('sha256', Buffer.from(otherName), spareKeys[0].privateKeyPem).toString('base64') });
    expect(misnamed.statusCode).toBe(400);
    expect(misnamed.json().error.code).toBe('VIGIL_ERR_API_CSR_INVALID');
  });
});

describe('revoked edges', () => {
  it('cannot enroll, renew or get new tokens', async () => {
    const edge = await enrolled(new TestEdge('stolen-edge', spareKeys[0]));
    const token = await createToken('stolen-edge');
    const revoked = await api.server.app.inject({ method: 'POST', url: '/api/v1/edges/stolen-edge/revoke', headers: bearer(adminToken), payload: { reason: 'appliance stolen from branch 7' } });
    expect(revoked.statusCode, revoked.body).toBe(200);

    const renewal = await renew(edge.renewal(spareKeys[1]));
    expect(renewal.statusCode).toBe(409);
    expect(renewal.json().error.code).toBe('VIGIL_ERR_API_EDGE_REVOKED');
    const enrollment = await enroll({ token, csrPem: edge.csr() });
    expect(enrollment.statusCode).toBe(409);
    expect(enrollment.json().error.code).toBe('VIGIL_ERR_API_EDGE_REVOKED');
    const newToken = await api.server.app.inject({ method: 'POST', url: '/api/v1/edges/enrollment-tokens', headers: bearer(adminToken), payload: { edgeId: 'stolen-edge' } });
    expect(newToken.statusCode).toBe(409);
    expect(newToken.json().error.code).toBe('VIGIL_ERR_API_EDGE_REVOKED');
  });
});

describe('an API process without the CA key', () => {
  it('answers 503 with a clear code for enrollment, renewal, commands and revocation, and still serves the edge list', async () => {
    const keyless = await createTestApi({}, undefined, (dir) => ({
      repository: createSqliteFleetRepository(`${dir}/auth.db`),
      bus: bed.bus,
      producer: bed.producer,
      ca: { certificatePem: bed.ca.certificatePem },
    }));
    try {
      const admin = await keyless.login('admin');
      const edge = await enrolled(new TestEdge('keyless-edge', spareKeys[0]));
      const token = (await keyless.server.app.inject({ method: 'POST', url: '/api/v1/edges/enrollment-tokens', headers: bearer(admin), payload: { edgeId: 'keyless-edge' } })).json().token as string;
      const requests = [
        { method: 'POST' as const, url: '/api/v1/edges/enroll', payload: { token, csrPem: edge.csr() } },
        { method: 'POST' as const, url: '/api/v1/edges/renew', payload: edge.renewal(spareKeys[1]) },
        { method: 'POST' as const, url: '/api/v1/edges/keyless-edge/commands', headers: bearer(admin), payload: { action: 'reload-config', args: {} } },
        { method: 'POST' as const, url: '/api/v1/edges/keyless-edge/revoke', headers: bearer(admin), payload: { reason: 'test' } },
      ];
      for (const request of requests) {
        const response = await keyless.server.app.inject(request);
        expect(response.statusCode, request.url).toBe(503);
        expect(response.json().error.code, request.url).toBe('VIGIL_ERR_API_FLEET_NO_CA_KEY');
        expect(response.json().error.message).toContain('VIGIL_CA_KEY');
      }
      const listed = await keyless.server.app.inject({ url: '/api/v1/edges', headers: bearer(admin) });
      expect(listed.statusCode).toBe(200);
      expect(listed.json()).toEqual({ edges: [] });
    } finally {
      await keyless.close();
    }
  });

  it('refuses to start with a CA key that does not belong to the CA certificate', async () => {
    const repository = createSqliteFleetRepository(':memory:');
    try {
      await expect(
        createTestApi({}, undefined, () => ({ repository, ca: { certificatePem: bed.ca.certificatePem, privateKeyPem: otherCa.privateKeyPem } })),
      ).rejects.toMatchObject({ code: 'VIGIL_ERR_API_FLEET_CA_KEY_MISMATCH' });
    } finally {
      await repository.close();
    }
  });
});

describe('OpenAPI', () => {
  it('documents the edge routes: enrollment and renewal without a bearer, the rest with their roles', async () => {
    const doc = (await api.server.app.inject({ url: '/api/v1/openapi.json' })).json();
    expect(doc.paths['/api/v1/edges/enroll'].post).toMatchObject({ operationId: 'enrollEdge', security: [] });
    expect(doc.paths['/api/v1/edges/renew'].post.security).toEqual([]);
    expect(doc.paths['/api/v1/edges/enroll'].post.responses['401']).toBeDefined();
    expect(doc.paths['/api/v1/edges/{id}/revoke'].post['x-vigil-roles']).toEqual(['admin']);
    expect(doc.paths['/api/v1/edges'].get['x-vigil-roles']).toEqual(['admin', 'analyst', 'viewer']);
    const command = doc.paths['/api/v1/edges/{id}/commands'].post.requestBody.content['application/json'].schema;
    expect(JSON.stringify(command)).toContain('block-source');
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Edge', 'EdgeCommand']));
  });
});
