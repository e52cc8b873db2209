// The chart's PKI Job (pki.mode=job), run by Helm before every install and upgrade, in the
// Vigil image:
//   1. restores the CA from the Secret $VIGIL_PKI_CA_SECRET and the edge identities from
//      $VIGIL_PKI_SECRET into $VIGIL_DATA_DIR (an emptyDir), when those Secrets exist;
//   2. runs `vigil pki init` and `vigil pki issue-edge` for every id in $VIGIL_PKI_EDGE_IDS,
//      which keep whatever was restored and create only what is missing;
//   3. writes the CA (certificate and private key) back to $VIGIL_PKI_CA_SECRET, and the CA
//      certificate and every edge identity (`<id>.crt`, `<id>.key`) to $VIGIL_PKI_SECRET.
// It talks to the Kubernetes API with the pod's service account, which may only create
// Secrets and read and patch those two.
import { execFileSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';

const SERVICE_ACCOUNT = process.env.VIGIL_PKI_SERVICE_ACCOUNT_DIR || '/var/run/secrets/kubernetes.io/serviceaccount';
const CLI = process.env.VIGIL_CLI || '/app/packages/cli/src/main.ts';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function apiBase() {
  if (process.env.VIGIL_PKI_KUBE_API) return process.env.VIGIL_PKI_KUBE_API.replace(/\/$/, '');
  const host = required('KUBERNETES_SERVICE_HOST');
  const port = process.env.KUBERNETES_SERVICE_PORT || '443';
  return `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

const dataDir = required('VIGIL_DATA_DIR');
const caSecret = required('VIGIL_PKI_CA_SECRET');
const pkiSecret = required('VIGIL_PKI_SECRET');
const edgeIds = (process.env.VIGIL_PKI_EDGE_IDS || '').split(',').map((id) => id.trim()).filter(Boolean);
const labels = JSON.parse(process.env.VIGIL_PKI_LABELS || '{}');
const namespace = readFileSync(join(SERVICE_ACCOUNT, 'namespace'), 'utf8').trim();
const token = readFileSync(join(SERVICE_ACCOUNT, 'token'), 'utf8').trim();
const secrets = `${apiBase()}/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;

async function kube(method, url, body, contentType = 'application/json') {
  const response = await globalThis.fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(body ? { 'content-type': contentType } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : {};
  if (method === 'GET' && response.status === 404) return null;
  if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${json.message || text}`);
  return json;
}

/** A Secret's data, decoded; empty when it does not exist. */
async function readSecret(name) {
  const secret = await kube('GET', `${secrets}/${encodeURIComponent(name)}`);
  const data = new Map();
  for (const [key, value] of Object.entries(secret?.data ?? {})) data.set(key, Buffer.from(value, 'base64').toString('utf8'));
  return { exists: secret !== null, data };
}

/** Creates the Secret, or adds and replaces the given keys in the existing one. */
async function writeSecret(name, exists, entries) {
  const data = Object.fromEntries(Object.entries(entries).map(([key, value]) => [key, Buffer.from(value, 'utf8').toString('base64')]));
  if (exists) {
    await kube('PATCH', `${secrets}/${encodeURIComponent(name)}`, { metadata: { labels }, data }, 'application/merge-patch+json');
  } else {
    await kube('POST', secrets, { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name, labels }, data });
  }
}

function restore(path, content, mode) {
  writeFileSync(path, content, { mode });
}

function vigil(...args) {
  execFileSync(process.execPath, [CLI, ...args], { stdio: 'inherit', env: process.env });
}

const pkiDir = join(dataDir, 'pki');
const edgeDir = (id) => join(dataDir, 'edges', id);

const ca = await readSecret(caSecret);
const published = await readSecret(pkiSecret);
const caKept = ca.data.has('ca.crt') && ca.data.has('ca.key');
if (caKept) {
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  restore(join(pkiDir, 'ca.crt'), ca.data.get('ca.crt'), 0o644);
  restore(join(pkiDir, 'ca.key'), ca.data.get('ca.key'), 0o600);
}
// Identities issued by a CA that is gone would be rejected by the engine: issue new ones then.
for (const id of edgeIds) {
  if (!caKept || !published.data.has(`${id}.crt`) || !published.data.has(`${id}.key`)) continue;
  mkdirSync(edgeDir(id), { recursive: true, mode: 0o700 });
  restore(join(edgeDir(id), 'edge.crt'), published.data.get(`${id}.crt`), 0o644);
  restore(join(edgeDir(id), 'edge.key'), published.data.get(`${id}.key`), 0o600);
}

vigil('pki', 'init');
for (const id of edgeIds) vigil('pki', 'issue-edge', '--id', id, '--out', edgeDir(id));

const caCertificate = readFileSync(join(pkiDir, 'ca.crt'), 'utf8');
await writeSecret(caSecret, ca.exists, { 'ca.crt': caCertificate, 'ca.key': readFileSync(join(pkiDir, 'ca.key'), 'utf8') });
const identities = { 'ca.crt': caCertificate };
for (const id of edgeIds) {
  identities[`${id}.crt`] = readFileSync(join(edgeDir(id), 'edge.crt'), 'utf8');
  identities[`${id}.key`] = readFileSync(join(edgeDir(id), 'edge.key'), 'utf8');
}
await writeSecret(pkiSecret, published.exists, identities);
process.stdout.write(`published the CA certificate and ${edgeIds.length} edge identit${edgeIds.length === 1 ? 'y' : 'ies'} in Secret ${pkiSecret}\n`);
