import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Metrics } from '@vigil/runtime';
import type { EdgeConfigInput } from '../config.ts';
import { createEdge, type Edge, type EdgeDeps } from '../edge.ts';
import { testDeps, type MemoryProducer } from '../test-support.ts';
import type { IngestKeyIdentity } from './auth.ts';

/**
 * Test harness for the HTTP routes (not exported from the package): a real edge listening on
 * a free port with a memory bus, and ingest keys that carry names as the API's keys do.
 */

/** Vigil-shaped ingest keys the harness's verifier knows, with the identity the API would give them. */
export const KEYS = {
  filebeat: 'vgl_0123456789abcdef_ZmlsZWJlYXQtc2VjcmV0LWZpbGViZWF0LXNlY3JldC0wMQ',
  logstash: 'vgl_fedcba9876543210_bG9nc3Rhc2gtc2VjcmV0LWxvZ3N0YXNoLXNlY3JldC0wMg',
} as const;

const IDENTITIES: Record<string, IngestKeyIdentity> = {
  [KEYS.filebeat]: { id: '0123456789abcdef', name: 'filebeat-dmz' },
  [KEYS.logstash]: { id: 'fedcba9876543210', name: 'logstash-core' },
};

/** A started edge and what a test looks at. */
export interface StartedEdge {
  edge: Edge;
  producer: MemoryProducer;
  metrics: Metrics;
  url: string;
}

/** Registers cleanup for the calling test file and returns a function that starts edges. */
export function edgeStarter(): (config?: EdgeConfigInput, overrides?: Partial<EdgeDeps>) => Promise<StartedEdge> {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  return async (config = {}, overrides = {}) => {
    const { deps, producer, metrics, cleanup } = testDeps({ verifyIngestKey: async (key) => IDENTITIES[key] ?? null, ...overrides });
    const edge = createEdge(
      {
        ...config,
        syslog: { udp: { enabled: false }, tcp: { enabled: false } },
        http: { host: '127.0.0.1', port: 0, ...config.http },
        batch: { flushIntervalMs: 20, retryBaseMs: 200, retryMaxMs: 400, ...config.batch },
      },
      deps,
    );
    await edge.start();
    cleanups.push(cleanup, () => edge.stop());
    return { edge, producer, metrics, url: `http://127.0.0.1:${edge.addresses().http!.port}` };
  };
}

/** An answer as a test reads it. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // Tests read answers loosely; the assertions say what they expect.
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Sends one request over a real socket. */
export async function call(url: string, path: string, init: { method?: string; body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Answer> {
  const response = await fetch(`${url}${path}`, { method: init.method ?? 'GET', headers: init.headers ?? {}, ...(init.body !== undefined && { body: init.body }) });
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON (HEAD, /metrics): tests read `text`.
  }
  return { status: response.status, headers: response.headers, text, body };
}

/** `Basic base64(user:key)`, as Fluent Bit, Vector and Logstash send it. */
export function basic(key: string, user = 'elastic'): string {
  return `Basic ${Buffer.from(`${user}:${key}`).toString('base64')}`;
}

/** A bulk body fixture from testdata/. */
export function fixture(name: string): string {
  return readFileSync(join(import.meta.dirname, 'testdata', name), 'utf8');
}
