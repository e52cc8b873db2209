import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Runs `vigil start` as a real child process on free loopback ports with its own data dir. */

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const ADMIN_PASSWORD = 'e2e-admin-password-0123';

export interface VigilPorts {
  api: number;
  ingest: number;
  syslog: number;
}

export interface RunningVigil extends RunningProcess {
  ports: VigilPorts;
  dataDir: string;
  apiUrl(path: string): string;
  ingestUrl(path: string): string;
}

/** A port free right now on loopback (the OS picks it; we release it for the child). */
export async function freePort(kind: 'tcp' | 'tcp+udp' = 'tcp'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    server.close();
    await once(server, 'close');
    if (kind === 'tcp' || (await udpFree(port))) return port;
  }
  throw new Error('no free port found');
}

async function udpFree(port: number): Promise<boolean> {
  const { createSocket } = await import('node:dgram');
  const socket = createSocket('udp4');
  try {
    await new Promise<void>((resolveBind, reject) => {
      socket.once('error', reject);
      socket.bind(port, '127.0.0.1', () => resolveBind());
    });
    return true;
  } catch {
    return false;
  } finally {
    socket.close();
  }
}

export async function allocatePorts(): Promise<VigilPorts> {
  return { api: await freePort(), ingest: await freePort(), syslog: await freePort('tcp+udp') };
}

export function makeDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'vigil-e2e-'));
}

export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface RunningProcess {
  process: ChildProcess;
  output(): string;
}

/** Runs `vigil <args>` and resolves once `healthUrl` answers 200 (or fails with the output). */
export async function startVigilProcess(args: string[], env: Record<string, string>, healthUrl: string, timeoutMs = 60_000): Promise<RunningProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'packages/cli/src/main.ts'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, VIGIL_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`vigil ${args.join(' ')} exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(healthUrl)).status === 200) return { process: child, output: () => output };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`vigil ${args.join(' ')} did not become healthy within ${timeoutMs} ms:\n${output}`);
}

/** Starts `vigil start` and resolves once `GET /healthz` answers 200 on the API port. */
export async function startVigil(options: { dataDir: string; ports: VigilPorts; env?: Record<string, string> }): Promise<RunningVigil> {
  const { dataDir, ports } = options;
  const started = await startVigilProcess(
    ['start'],
    {
      VIGIL_DATA_DIR: dataDir,
      VIGIL_ADMIN_PASSWORD: ADMIN_PASSWORD,
      VIGIL_API_HOST: '127.0.0.1',
      VIGIL_API_PORT: String(ports.api),
      VIGIL_INGEST_HOST: '127.0.0.1',
      VIGIL_INGEST_PORT: String(ports.ingest),
      VIGIL_SYSLOG_HOST: '127.0.0.1',
      VIGIL_SYSLOG_PORT: String(ports.syslog),
      ...options.env,
    },
    `http://127.0.0.1:${ports.api}/healthz`,
  );
  return {
    ...started,
    ports,
    dataDir,
    apiUrl: (path) => `http://127.0.0.1:${ports.api}${path}`,
    ingestUrl: (path) => `http://127.0.0.1:${ports.ingest}${path}`,
  };
}

/** Stops gracefully (SIGTERM) and waits for the exit. */
export async function stopVigil(running: RunningProcess): Promise<number | null> {
  if (running.process.exitCode !== null) return running.process.exitCode;
  running.process.kill('SIGTERM');
  const [code] = (await once(running.process, 'exit')) as [number | null];
  return code;
}

/** Kills with SIGKILL (no chance to flush) and waits for the exit. */
export async function killVigil(running: RunningProcess): Promise<void> {
  if (running.process.exitCode !== null || running.process.signalCode !== null) return;
  running.process.kill('SIGKILL');
  await once(running.process, 'exit');
}

/** Logs in as admin and returns a function for authenticated JSON requests to the API. */
export async function apiClient(running: Pick<RunningVigil, 'apiUrl'>): Promise<<T>(path: string, init?: RequestInit) => Promise<{ status: number; body: T }>> {
  const login = await fetch(running.apiUrl('/api/v1/auth/login'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${await login.text()}`);
  const { token } = (await login.json()) as { token: string };
  return async <T>(path: string, init: RequestInit = {}) => {
    const response = await fetch(running.apiUrl(path), {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers as Record<string, string>) },
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  };
}

/** Polls `probe` until it returns a value that `done` accepts, or fails with the last value. */
export async function waitFor<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 60_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 250));
    last = await probe();
  }
  return last;
}
