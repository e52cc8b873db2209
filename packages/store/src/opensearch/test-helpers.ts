import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OpenSearchStoreOptions } from './config.ts';

/**
 * Helpers for the integration tests that run against a real OpenSearch node
 * (`VIGIL_OPENSEARCH_URL`, e.g. from `deploy/local/stack.sh start opensearch`).
 */

/** The node's URL; throws (failing the test file) when the variable is not set: these tests never skip. */
export function openSearchUrl(): string {
  const url = process.env.VIGIL_OPENSEARCH_URL;
  if (!url) {
    throw new Error('VIGIL_OPENSEARCH_URL is not set: start a node with `deploy/local/stack.sh start opensearch` and export the URL it prints');
  }
  return url.replace(/\/+$/, '');
}

let counter = 0;

/** An index prefix no other run or test uses. */
export function uniquePrefix(): string {
  counter++;
  return `vigil-test-${process.pid}-${Date.now().toString(36)}-${counter}`;
}

/** Store options for tests: one node, no replicas, fast refresh, quick retries, no retention unless asked. */
export function testOptions(url: string, indexPrefix: string, overrides: Partial<OpenSearchStoreOptions> = {}): OpenSearchStoreOptions {
  return {
    url,
    indexPrefix,
    indices: { replicas: 0, refreshIntervalMs: 100 },
    retry: { maxAttempts: 6, baseDelayMs: 20, maxDelayMs: 200 },
    eventsRetentionDays: null,
    ...overrides,
  };
}

async function call(url: string, method: string, path: string): Promise<unknown> {
  const response = await fetch(`${url}${path}`, { method });
  const text = await response.text();
  if (!response.ok && response.status !== 404) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : null;
}

/** Names of the indices under a prefix, sorted. */
export async function indicesOf(url: string, prefix: string): Promise<string[]> {
  const rows = (await call(url, 'GET', `/_cat/indices/${prefix}-*?format=json&h=index`)) as { index: string }[];
  return rows.map((row) => row.index).sort();
}

/** Deletes every index and template a store with this prefix created. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  await call(url, 'DELETE', `/${prefix}-*?expand_wildcards=all`);
  for (const name of [`${prefix}-events`, `${prefix}-alerts`]) await call(url, 'DELETE', `/_index_template/${name}`);
  for (const name of [`${prefix}-ecs`, `${prefix}-events`, `${prefix}-alerts`]) await call(url, 'DELETE', `/_component_template/${name}`);
}

/** What the interceptor does with one request: answer it itself, or (null) pass it to the node unchanged. */
export type Intercept = (request: { method: string; path: string; body: string }) => Promise<{ status: number; body: string } | null>;

/**
 * A tiny HTTP proxy in front of the real node that lets a test answer some requests itself
 * (e.g. 429 for the first bulk requests) and forwards the rest.
 */
export async function startProxy(target: string, intercept: Intercept): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const method = req.method ?? 'GET';
      const path = req.url ?? '/';
      void handle(method, path, body, req.headers['content-type'])
        .then(({ status, body: answer }) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(answer);
        })
        .catch((error: unknown) => {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { type: 'proxy_error', reason: String(error) }, status: 502 }));
        });
    });
  });
  async function handle(method: string, path: string, body: string, contentType: string | undefined): Promise<{ status: number; body: string }> {
    const answer = await intercept({ method, path, body });
    if (answer) return answer;
    return forward(target, method, path, body, contentType);
  }
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Sends a request to the real node and returns its status and body. */
export async function forward(target: string, method: string, path: string, body: string, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  const response = await fetch(`${target}${path}`, {
    method,
    headers: { 'content-type': contentType },
    ...(body.length > 0 && method !== 'GET' && method !== 'HEAD' && { body }),
  });
  return { status: response.status, body: await response.text() };
}
