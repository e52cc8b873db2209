import { X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { checkIssuedCertificate, fleetErrors, type IssuedCertificate, type RenewCertificate } from '@vigil/fleet';
import { createCertificateRequest, generateRsaKeyPair, saveEdgeIdentity, writeFileAtomic, type KeyPairPem } from '@vigil/provenance';
import { VigilError, describeError } from '@vigil/runtime';
import { loadConfig } from './config.ts';
import { dataDirOf } from './infrastructure.ts';

const USAGE = `usage: vigil enroll --api <url> --token <token> --edge-id <id> [--identity-dir <dir>] [--force]

Enrolls this edge with the Vigil CA: generates an RSA-2048 key, sends a certificate signing
request with the one-time token an admin created (POST /api/v1/edges/enrollment-tokens), and
stores edge.key (0600), edge.crt and ca.crt in the identity directory (0700).
  --api           URL of the Vigil API (or VIGIL_API_URL)
  --token         the one-time enrollment token
  --edge-id       the edge id the token was created for (or VIGIL_EDGE_ID)
  --identity-dir  where to store the identity (or VIGIL_EDGE_IDENTITY_DIR; default <data dir>/edge/identity)
  --force         replace an identity that is already there`;

const ROUTE_ENROLL = '/api/v1/edges/enroll';
const ROUTE_RENEW = '/api/v1/edges/renew';
const REQUEST_TIMEOUT_MS = 15_000;

const issuedSchema = z.object({
  edgeId: z.string(),
  certificatePem: z.string().min(1),
  caCertificatePem: z.string().min(1),
  serial: z.string(),
  notAfter: z.string(),
});
const errorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** Where `vigil enroll` reads its environment and writes its output; tests pass their own. */
export interface EnrollIo {
  env?: NodeJS.ProcessEnv;
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** Key generation; RSA-2048 by default. */
  generateKeys?: () => KeyPairPem;
}

/**
 * `vigil enroll`: exchanges a one-time token for the edge's certificate. Checks the answer
 * (CN is this edge, chains to the CA sent along, carries the key just generated) before
 * writing anything, and leaves an existing identity alone unless `--force`. Prints what it
 * did and the CA fingerprint to compare with the admin's; never the key or the token.
 */
export async function enrollCommand(args: string[], io: EnrollIo = {}): Promise<number> {
  const out = io.out ?? ((line: string) => console.log(line));
  const err = io.err ?? ((line: string) => console.error(line));
  let values: { api?: string; token?: string; 'edge-id'?: string; 'identity-dir'?: string; force?: boolean; help?: boolean };
  try {
    values = parseArgs({
      args,
      options: { api: { type: 'string' }, token: { type: 'string' }, 'edge-id': { type: 'string' }, 'identity-dir': { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    }).values;
  } catch (error) {
    err(`vigil enroll: ${describeError(error)}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const config = loadConfig(io.env ?? process.env);
  const apiUrl = values.api ?? config.apiUrl;
  const edgeId = values['edge-id'] ?? config.edgeId;
  const identityDir = resolve(values['identity-dir'] ?? config.edgeIdentityDir ?? join(dataDirOf(config), 'edge', 'identity'));
  const problem = !apiUrl
    ? 'name the Vigil API with --api <url> (or VIGIL_API_URL)'
    : !z.url({ protocol: /^https?$/ }).safeParse(apiUrl).success
      ? `--api ${JSON.stringify(apiUrl)} is not an http(s) URL`
      : !values.token
        ? 'pass the enrollment token an admin created with --token <token>'
        : !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(edgeId)
          ? `--edge-id ${JSON.stringify(edgeId)} is not an edge id (letters, digits, . _ -)`
          : null;
  if (problem) {
    err(`vigil enroll: ${problem}\n\n${USAGE}`);
    return 2;
  }

  try {
    const existing = ['edge.key', 'edge.crt'].filter((name) => existsSync(join(identityDir, name)));
    if (existing.length > 0 && !values.force) throw fleetErrors.create('VIGIL_ERR_FLEET_IDENTITY_EXISTS', { dir: identityDir });
    const keys = (io.generateKeys ?? generateRsaKeyPair)();
    const csrPem = createCertificateRequest(edgeId, keys);
    const answer = await postForCertificate(apiUrl!, ROUTE_ENROLL, { token: values.token, csrPem }, edgeId);
    if (answer.edgeId !== edgeId) throw fleetErrors.create('VIGIL_ERR_FLEET_BAD_CERTIFICATE', { reason: `it was issued for edge ${JSON.stringify(answer.edgeId)}, not ${JSON.stringify(edgeId)}` });
    const certificate = checkIssuedCertificate(answer, { edgeId, publicKeyPem: keys.publicKeyPem, caCertificatePem: answer.caCertificatePem });
    mkdirSync(identityDir, { recursive: true, mode: 0o700 });
    chmodSync(identityDir, 0o700);
    writeFileAtomic(join(identityDir, 'ca.crt'), answer.caCertificatePem, 0o644);
    saveEdgeIdentity(identityDir, { edgeId, privateKeyPem: keys.privateKeyPem, certificatePem: answer.certificatePem });

    const ca = new X509Certificate(answer.caCertificatePem);
    out(`enrolled edge ${edgeId} with the Vigil API at ${apiUrl}${existing.length > 0 ? ' (replacing the identity that was there)' : ''}`);
    out(`  certificate   serial ${certificate.serialNumber}, valid until ${new Date(certificate.validTo).toISOString()}`);
    out(`  Vigil CA      ${ca.subject.replace(/\n/g, ', ')}, SHA-256 fingerprint ${ca.fingerprint256}`);
    out(`  wrote         ${join(identityDir, 'edge.key')} (0600), ${join(identityDir, 'edge.crt')}, ${join(identityDir, 'ca.crt')}`);
    out(`start it with  VIGIL_EDGE_ID=${edgeId} VIGIL_EDGE_IDENTITY_DIR=${identityDir} VIGIL_API_URL=${apiUrl} vigil edge`);
    return 0;
  } catch (error) {
    err(`vigil enroll: ${describeError(error)}`);
    return 1;
  }
}

/** What to tell the operator of an edge that has no identity yet. */
export function enrollCommandHint(edgeId: string, identityDir: string): string {
  return `enroll it with \`vigil enroll --api <url> --token <token from an admin> --edge-id ${edgeId} --identity-dir ${identityDir}\` (or issue one on the core with \`vigil pki issue-edge --id ${edgeId} --out ${identityDir}\`)`;
}

/**
 * Renewal over HTTP (`POST /api/v1/edges/renew`) for a standalone edge's certificate renewer.
 * Rejects with VIGIL_ERR_FLEET_API_UNREACHABLE, _RENEWAL_REFUSED, _EDGE_REVOKED or _API_ERROR.
 */
export function renewOverHttp(apiUrl: string, edgeId: string): RenewCertificate {
  return (request) => postForCertificate(apiUrl, ROUTE_RENEW, { ...request }, edgeId);
}

/** POSTs to an enrollment route and returns the issued certificate, or throws a fleet error that says what to do. */
async function postForCertificate(apiUrl: string, route: string, body: Record<string, unknown>, edgeId: string): Promise<IssuedCertificate> {
  let response: Response;
  try {
    response = await fetch(new URL(route, apiUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw fleetErrors.create('VIGIL_ERR_FLEET_API_UNREACHABLE', { url: apiUrl, reason: networkReason(error) }, { cause: error });
  }
  let parsed: unknown = undefined;
  try {
    parsed = await response.json();
  } catch {
    // Not JSON: reported below by status.
  }
  if (response.status === 201) {
    const issued = issuedSchema.safeParse(parsed);
    if (!issued.success) throw fleetErrors.create('VIGIL_ERR_FLEET_API_ERROR', { status: 201, route, reason: 'the answer is not an issued certificate' });
    return issued.data;
  }
  const apiError = errorSchema.safeParse(parsed);
  const reason = apiError.success ? `${apiError.data.error.code}: ${apiError.data.error.message}` : `HTTP ${response.status} ${response.statusText}`;
  if (response.status === 401) throw fleetErrors.create(route === ROUTE_ENROLL ? 'VIGIL_ERR_FLEET_ENROLL_TOKEN_REFUSED' : 'VIGIL_ERR_FLEET_RENEWAL_REFUSED', { reason });
  if (response.status === 409) throw fleetErrors.create('VIGIL_ERR_FLEET_EDGE_REVOKED', { edgeId, reason });
  throw fleetErrors.create('VIGIL_ERR_FLEET_API_ERROR', { status: response.status, route, reason });
}

/** `fetch failed` says nothing; its cause (ECONNREFUSED, ENOTFOUND, a timeout) does. */
function networkReason(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000}s`;
  return error instanceof VigilError ? error.message : describeError(error);
}
