import { execFileSync, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { REPO_ROOT, freePort, startVigilProcess, stopVigil, type RunningProcess } from '../e2e/harness.ts';

/** Vigil's distributed roles as separate processes on a real Kafka and OpenSearch. */

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: start the local stack (deploy/local/stack.sh start; eval "$(deploy/local/stack.sh env)") or run bin/test`);
  return value;
}

/** Runs a short vigil command (pki, rules) to completion. */
export function runVigil(args: string[], env: Record<string, string>): string {
  const result = spawnSync(process.execPath, [join(REPO_ROOT, 'packages/cli/src/main.ts'), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`vigil ${args.join(' ')} failed (${result.status}): ${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** Writes a config file naming Kafka and OpenSearch (with a per-run index prefix). */
export function writeDistributedConfig(path: string, options: { brokers: string; openSearchUrl: string; indexPrefix: string }): string {
  writeFileSync(
    path,
    stringify({
      bus: { kind: 'kafka', kafka: { brokers: options.brokers.split(',') } },
      store: { kind: 'opensearch', opensearch: { url: options.openSearchUrl, indexPrefix: options.indexPrefix } },
    }),
  );
  return path;
}

export interface RoleProcess extends RunningProcess {
  role: string;
  port: number;
  restart(): Promise<RoleProcess>;
}

/** Starts one role and waits for its health endpoint. */
export async function startRole(role: 'api' | 'engine' | 'indexer' | 'edge', env: Record<string, string>, port?: number): Promise<RoleProcess> {
  const chosen = port ?? (await freePort(role === 'edge' ? 'tcp' : 'tcp'));
  const portEnv: Record<string, string> =
    role === 'api' ? { VIGIL_API_HOST: '127.0.0.1', VIGIL_API_PORT: String(chosen) }
    : role === 'edge' ? { VIGIL_INGEST_HOST: '127.0.0.1', VIGIL_INGEST_PORT: String(chosen) }
    : { VIGIL_OPS_HOST: '127.0.0.1', VIGIL_OPS_PORT: String(chosen) };
  // The config file (VIGIL_CONFIG) names Kafka and OpenSearch; blank the stack's variables
  // inherited from the test process, which would otherwise override it.
  const fromFile = { VIGIL_KAFKA_BROKERS: '', VIGIL_OPENSEARCH_URL: '' };
  const started = await startVigilProcess([role], { ...fromFile, ...env, ...portEnv }, `http://127.0.0.1:${chosen}/healthz`, 120_000);
  // Health answers as soon as the role's HTTP port listens; the start-up line comes once every
  // part (consumers, heartbeats, command listener) has started.
  const deadline = Date.now() + 120_000;
  while (!started.output().includes(`vigil ${role} running`)) {
    if (Date.now() > deadline || started.process.exitCode !== null) throw new Error(`vigil ${role} did not finish starting:\n${started.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const running: RoleProcess = { ...started, role, port: chosen, restart: () => startRole(role, env, chosen) };
  return running;
}

export async function stopRoles(roles: (RunningProcess | undefined)[]): Promise<void> {
  await Promise.all(roles.filter((role): role is RunningProcess => role !== undefined).map((role) => stopVigil(role)));
}

/** A Kafka broker of one test's own (not the shared stack), so it can be killed without disturbing other suites. */
export interface DedicatedKafka {
  brokers: string;
  /** SIGKILL the broker; its data stays on disk. */
  kill(): void;
  /** Start it again on its existing data. */
  resume(): void;
  stop(): void;
}

export async function startDedicatedKafka(dir: string): Promise<DedicatedKafka> {
  // The broker also takes port + 1 for its controller.
  let port = await freePort('tcp');
  while (!(await tcpPortFree(port + 1))) port = await freePort('tcp');
  const env = { ...process.env, VIGIL_STACK_DIR: dir, VIGIL_STACK_KAFKA_PORT: String(port) };
  const stack = (command: string) => execFileSync('bash', [join(REPO_ROOT, 'deploy/local/stack.sh'), command, 'kafka'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  stack('start');
  return { brokers: `127.0.0.1:${port}`, kill: () => stack('kill'), resume: () => stack('resume'), stop: () => stack('stop') };
}

async function tcpPortFree(port: number): Promise<boolean> {
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    server.close();
  }
}
