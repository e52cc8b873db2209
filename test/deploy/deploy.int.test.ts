import { execFile } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The deployment files, checked with the tools ops teams use on them (docker-compose, helm)
// but without a Docker engine or a cluster. CI installs the tools with
// `deploy/validate.sh --install`; a missing tool fails these tests, it never skips them.

const ROOT = resolve(import.meta.dirname, '../..');
const CHART = join(ROOT, 'deploy/helm/vigil');
const COMPOSE_FILE = join(ROOT, 'docker-compose.yml');
const run = promisify(execFile);

type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML of several schemas

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function exec(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

const MISSING = 'install it with `deploy/validate.sh --install`';

function helmBinary(): string {
  const cached = join(process.env.VIGIL_CACHE_DIR ?? join(homedir(), '.cache/vigil'), 'bin/helm');
  try {
    accessSync(cached, constants.X_OK);
    return cached;
  } catch {
    const found = onPath('helm');
    if (!found) throw new Error(`helm is not installed (looked in ${cached} and on PATH): ${MISSING}`);
    return found;
  }
}

async function composeCommand(): Promise<string[]> {
  const v1 = onPath('docker-compose');
  if (v1) return [v1];
  const docker = onPath('docker');
  if (docker && (await exec(docker, ['compose', 'version'])).code === 0) return [docker, 'compose'];
  throw new Error(`docker-compose is not installed: ${MISSING}`);
}

/** Compose with no Docker engine reachable: parsing must not need one. */
function composeEnv(adminPassword: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
  delete env.VIGIL_ADMIN_PASSWORD;
  if (adminPassword !== undefined) env.VIGIL_ADMIN_PASSWORD = adminPassword;
  return env;
}

function published(service: Doc): string[] {
  return (service.ports ?? []).map((port: Doc) => `${port.published}:${port.target}/${port.protocol ?? 'tcp'}`).sort();
}

describe('docker-compose.yml', () => {
  let compose: string[];
  let services: Record<string, Doc>;

  beforeAll(async () => {
    compose = await composeCommand();
    const [command, ...prefix] = compose;
    const result = await exec(command!, [...prefix, '-f', COMPOSE_FILE, 'config'], composeEnv('compose-test-password'));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    services = (parse(result.stdout) as Doc).services;
  });

  it('resolves without a Docker engine into Kafka, OpenSearch and the four Vigil roles', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['kafka', 'opensearch', 'opensearch-dashboards', 'vigil-init', 'edge', 'engine', 'indexer', 'api']));
    expect(services['opensearch-dashboards']!.profiles).toEqual(['dashboards']);
    for (const role of ['edge', 'engine', 'indexer', 'api']) {
      expect(services[role]!.command).toEqual([role]);
      expect(services[role]!.build.context).toBe(ROOT);
      expect(services[role]!.healthcheck.test.join(' ')).toContain('/healthz');
      expect(services[role]!.restart).toBe('unless-stopped');
    }
  });

  it('publishes the API, HTTP ingest and syslog over TCP and UDP, and nothing of Kafka or OpenSearch', () => {
    expect(published(services.api!)).toEqual(['8080:8080/tcp']);
    expect(published(services.edge!)).toEqual(['5514:5514/tcp', '5514:5514/udp', '8088:8088/tcp']);
    expect(published(services.kafka!)).toEqual([]);
    expect(published(services.opensearch!)).toEqual([]);
  });

  it('lets engines and indexers scale: no fixed container names or host ports', () => {
    for (const role of ['engine', 'indexer']) {
      expect(services[role]!.container_name).toBeUndefined();
      expect(services[role]!.ports).toBeUndefined();
    }
  });

  it('starts the roles only after Kafka/OpenSearch are healthy and the PKI is issued', () => {
    expect(services.edge!.depends_on).toMatchObject({ kafka: { condition: 'service_healthy' }, 'vigil-init': { condition: 'service_completed_successfully' } });
    expect(services.engine!.depends_on).toMatchObject({ kafka: { condition: 'service_healthy' }, 'vigil-init': { condition: 'service_completed_successfully' } });
    expect(services.indexer!.depends_on).toMatchObject({ opensearch: { condition: 'service_healthy' }, 'vigil-init': { condition: 'service_completed_successfully' } });
    expect(services.api!.depends_on).toMatchObject({ opensearch: { condition: 'service_healthy' } });
    expect(services.api!.environment).toMatchObject({ VIGIL_STORE: 'opensearch', VIGIL_ADMIN_PASSWORD: 'compose-test-password' });
    expect(services.engine!.environment).toMatchObject({ VIGIL_BUS: 'kafka', VIGIL_KAFKA_BROKERS: 'kafka:9092', VIGIL_CA_CERT: '/etc/vigil/trust/ca.crt' });
  });

  it('refuses to start without VIGIL_ADMIN_PASSWORD and says which variable to set', async () => {
    const [command, ...prefix] = compose;
    const result = await exec(command!, [...prefix, '-f', COMPOSE_FILE, 'config', '-q'], composeEnv(undefined));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('set VIGIL_ADMIN_PASSWORD');
  });
});

async function helmTemplate(helm: string, ...sets: string[]): Promise<Doc[]> {
  const result = await exec(helm, ['template', 'vigil', CHART, '--namespace', 'siem', ...sets]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as Doc | null)
    .filter((doc): doc is Doc => doc !== null);
}

function named(docs: Doc[], kind: string, name: string): Doc {
  const found = docs.find((doc) => doc.kind === kind && doc.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in: ${docs.map((doc) => `${doc.kind}/${doc.metadata.name}`).join(', ')}`);
  return found;
}

describe('Helm chart deploy/helm/vigil', () => {
  let helm: string;
  let docs: Doc[];

  beforeAll(async () => {
    helm = helmBinary();
    docs = await helmTemplate(helm);
  });

  it('passes helm lint --strict', async () => {
    const result = await exec(helm, ['lint', '--strict', CHART]);
    expect(result.stdout).toContain('0 chart(s) failed');
    expect(result.code).toBe(0);
  });

  it('renders a Deployment per role, each probed on its own /healthz port', () => {
    const deployments = docs.filter((doc) => doc.kind === 'Deployment');
    const roles = { api: 8080, 'edge-edge-1': 8088, engine: 8091, indexer: 8092 };
    expect(deployments.map((doc) => doc.metadata.name).sort()).toEqual(Object.keys(roles).map((role) => `vigil-${role}`).sort());
    for (const [role, port] of Object.entries(roles)) {
      const pod = named(docs, 'Deployment', `vigil-${role}`).spec.template.spec;
      const [container] = pod.containers;
      expect(container.args).toEqual([role.split('-')[0]]);
      const portName = container.ports.find((candidate: Doc) => candidate.containerPort === port)?.name;
      expect(portName).toBeTruthy();
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        expect(container[probe].httpGet).toEqual({ path: '/healthz', port: portName });
      }
    }
  });

  it('runs every pod as the non-root user 10001 on a read-only root filesystem, without a service account token', () => {
    const pods = docs.filter((doc) => ['Deployment', 'StatefulSet', 'Job'].includes(doc.kind)).map((doc) => doc.spec.template.spec);
    expect(pods).toHaveLength(5);
    for (const pod of pods) {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 });
      for (const container of pod.containers) {
        expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      }
      // Only the PKI Job talks to the Kubernetes API.
      expect(pod.automountServiceAccountToken).toBe(pod.serviceAccountName === 'vigil-pki');
    }
  });

  it('exposes the API on 8080 and the edge on 8088/TCP and 5514 over TCP and UDP', () => {
    const api = named(docs, 'Service', 'vigil-api');
    expect(api.spec.ports.map((port: Doc) => `${port.port}/${port.protocol}`)).toEqual(['8080/TCP']);
    const edge = named(docs, 'Service', 'vigil-edge-edge-1');
    expect(edge.spec.ports.map((port: Doc) => `${port.port}/${port.protocol}`)).toEqual(['8088/TCP', '5514/TCP', '5514/UDP']);
  });

  it('gives the roles Kafka, OpenSearch and the admin password from the ConfigMap and Secret', () => {
    expect(named(docs, 'ConfigMap', 'vigil').data).toMatchObject({ VIGIL_BUS: 'kafka', VIGIL_KAFKA_BROKERS: 'kafka:9092', VIGIL_STORE: 'opensearch' });
    const secret = named(docs, 'Secret', 'vigil');
    expect(Buffer.from(secret.data['admin-password'], 'base64').toString()).toMatch(/^[A-Za-z0-9]{24}$/);
    const api = named(docs, 'Deployment', 'vigil-api').spec.template.spec.containers[0];
    expect(api.env).toContainEqual({ name: 'VIGIL_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: 'vigil', key: 'admin-password' } } });
    for (const pvc of ['vigil-api', 'vigil-engine', 'vigil-edge-edge-1']) expect(named(docs, 'PersistentVolumeClaim', pvc).spec.accessModes).toEqual(['ReadWriteOnce']);
  });

  it('scales engines as a StatefulSet with a state volume each, under an HPA', async () => {
    const scaled = await helmTemplate(helm, '--set', 'engine.kind=StatefulSet', '--set', 'engine.autoscaling.enabled=true', '--set', 'engine.autoscaling.maxReplicas=4');
    const engine = named(scaled, 'StatefulSet', 'vigil-engine');
    expect(engine.spec.volumeClaimTemplates.map((claim: Doc) => claim.metadata.name)).toEqual(['data']);
    expect(named(scaled, 'HorizontalPodAutoscaler', 'vigil-engine').spec).toMatchObject({ scaleTargetRef: { kind: 'StatefulSet', name: 'vigil-engine' }, maxReplicas: 4 });
  });

  it('refuses settings that would break provenance or the auth database, with a message saying what to change', async () => {
    const engines = await exec(helm, ['template', 'vigil', CHART, '--set', 'engine.replicaCount=2']);
    expect(engines.code).not.toBe(0);
    expect(engines.stderr).toContain('engine.kind=StatefulSet');
    const edges = await exec(helm, ['template', 'vigil', CHART, '--set-json', 'edge.instances=[{"id":"edge-1"},{"id":"edge-1"}]']);
    expect(edges.code).not.toBe(0);
    expect(edges.stderr).toContain('"edge-1" is listed twice');
    const api = await exec(helm, ['template', 'vigil', CHART, '--set', 'api.replicaCount=2']);
    expect(api.code).not.toBe(0);
    expect(api.stderr).toContain('api.replicaCount must be 1');
  });
});

/**
 * The part of the Kubernetes API the PKI Job uses (Secrets in one namespace), holding the
 * Secrets in memory and allowing only what the chart's Role allows.
 */
class SecretsApi {
  readonly secrets = new Map<string, Record<string, string>>();
  readonly #server: Server;
  readonly #token: string;
  readonly #namespace: string;
  readonly #readable: string[];

  constructor(options: { token: string; namespace: string; readable: string[] }) {
    this.#token = options.token;
    this.#namespace = options.namespace;
    this.#readable = options.readable;
    this.#server = createServer((request, response) => void this.#handle(request, response));
  }

  async start(): Promise<string> {
    await new Promise<void>((done) => this.#server.listen(0, '127.0.0.1', done));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise((done) => this.#server.close(done));
  }

  /** A Secret's values, decoded. */
  decoded(name: string): Record<string, string> {
    return Object.fromEntries(Object.entries(this.secrets.get(name) ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]));
  }

  async #handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const reply = (status: number, body: unknown): void => {
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    let text = '';
    for await (const chunk of request) text += String(chunk);
    if (request.headers.authorization !== `Bearer ${this.#token}`) return reply(401, { message: 'Unauthorized' });
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(request.url ?? '');
    if (!match || match[1] !== this.#namespace) return reply(403, { message: `forbidden: ${request.method} ${request.url}` });
    const name = match[2];
    if (request.method === 'POST' && name === undefined) {
      const secret = JSON.parse(text) as { metadata: { name: string }; data: Record<string, string> };
      if (this.secrets.has(secret.metadata.name)) return reply(409, { message: 'AlreadyExists' });
      this.secrets.set(secret.metadata.name, secret.data);
      return reply(201, secret);
    }
    if (name === undefined || !this.#readable.includes(name)) return reply(403, { message: `forbidden: ${request.method} secret ${name}` });
    const existing = this.secrets.get(name);
    if (request.method === 'GET') return existing ? reply(200, { metadata: { name }, data: existing }) : reply(404, { message: 'NotFound' });
    if (request.method === 'PATCH' && request.headers['content-type'] === 'application/merge-patch+json') {
      if (!existing) return reply(404, { message: 'NotFound' });
      this.secrets.set(name, { ...existing, ...(JSON.parse(text) as { data: Record<string, string> }).data });
      return reply(200, {});
    }
    return reply(405, { message: `${request.method} not allowed` });
  }
}

describe('the chart PKI Job (pki.mode=job) with the Vigil CLI', () => {
  let work: string;
  let helm: string;
  let api: SecretsApi;
  let script: string;
  let jobEnv: Record<string, string>;
  let apiUrl: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'vigil-deploy-pki-'));
    helm = helmBinary();
    const docs = await helmTemplate(helm);
    const role = named(docs, 'Role', 'vigil-pki');
    const readable = role.rules.flatMap((rule: Doc) => rule.resourceNames ?? []) as string[];
    const job = named(docs, 'Job', 'vigil-pki').spec.template.spec.containers[0];
    jobEnv = Object.fromEntries(job.env.map((variable: Doc) => [variable.name, variable.value]));
    script = join(work, 'pki-bootstrap.mjs');
    writeFileSync(script, named(docs, 'ConfigMap', 'vigil-pki-script').data['pki-bootstrap.mjs']);
    writeFileSync(join(work, 'token'), 'job-token\n');
    writeFileSync(join(work, 'namespace'), 'siem\n');
    api = new SecretsApi({ token: 'job-token', namespace: 'siem', readable });
    apiUrl = await api.start();
  });

  afterAll(async () => {
    await api?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function runJob(edgeIds: string): Promise<void> {
    const dataDir = mkdtempSync(join(work, 'job-'));
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      ...jobEnv,
      NODE_EXTRA_CA_CERTS: undefined,
      VIGIL_PKI_EDGE_IDS: edgeIds,
      VIGIL_DATA_DIR: dataDir,
      VIGIL_PKI_KUBE_API: apiUrl,
      VIGIL_PKI_SERVICE_ACCOUNT_DIR: work,
      VIGIL_CLI: join(ROOT, 'packages/cli/src/main.ts'),
    };
    const result = await exec(process.execPath, [script], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  }

  function expectIdentity(identities: Record<string, string>, edgeId: string): void {
    const ca = new X509Certificate(identities['ca.crt']!);
    const certificate = new X509Certificate(identities[`${edgeId}.crt`]!);
    expect(certificate.subject).toContain(`CN=${edgeId}`);
    expect(certificate.verify(ca.publicKey)).toBe(true);
    const publicOfKey = createPublicKey(createPrivateKey(identities[`${edgeId}.key`]!)).export({ type: 'spki', format: 'pem' });
    expect(publicOfKey).toBe(certificate.publicKey.export({ type: 'spki', format: 'pem' }));
  }

  it('creates the CA and the edge identity the pods mount, touching only the Secrets its Role allows', async () => {
    await runJob(jobEnv.VIGIL_PKI_EDGE_IDS!);
    const ca = api.decoded('vigil-pki-ca');
    expect(ca['ca.key']).toMatch(/^-----BEGIN (RSA )?PRIVATE KEY-----/);
    const published = api.decoded('vigil-pki');
    expect(Object.keys(published).sort()).toEqual(['ca.crt', 'edge-1.crt', 'edge-1.key']);
    expect(published['ca.crt']).toBe(ca['ca.crt']);
    expectIdentity(published, 'edge-1');
  });

  it('keeps the CA and existing identities on upgrade and issues only the new edge', async () => {
    const before = api.decoded('vigil-pki');
    await runJob('edge-1,branch-2');
    const after = api.decoded('vigil-pki');
    expect(after['ca.crt']).toBe(before['ca.crt']);
    expect(after['edge-1.crt']).toBe(before['edge-1.crt']);
    expect(after['edge-1.key']).toBe(before['edge-1.key']);
    expectIdentity(after, 'branch-2');
  });
});

describe('deploy/validate.sh', () => {
  it('passes on the repository deployment files', async () => {
    const result = await exec(join(ROOT, 'deploy/validate.sh'), []);
    expect(result.stderr).toContain('deployment files are valid');
    expect(result.code).toBe(0);
  }, 120_000);
});
