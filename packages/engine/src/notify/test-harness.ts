import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Server } from 'node:net';
import type { Alert, AlertSeverity } from '@vigil/schema';
import type { NotifyConfigInput } from './config.ts';
import { Notifier, type NotifierDeps } from './notifier.ts';
import type { DeliveryRecord } from './types.ts';

/**
 * Test support for notifications (not exported from the package): a realistic alert, a
 * started notifier and an HTTP receiver on loopback port 0. The SMTP server is in
 * `smtp-test-server.ts`.
 */

export const LOOPBACK = '127.0.0.1';

/** Cleanups run after each test, last first. */
export const cleanups: Array<() => Promise<void> | void> = [];

export async function runCleanups(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

/** Polls until `condition` holds (at most 5 s). */
export async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A started notifier whose delivery records are collected; stopped after the test. */
export async function startNotifier(config: NotifyConfigInput, deps: NotifierDeps = {}): Promise<{ notifier: Notifier; records: DeliveryRecord[] }> {
  const records: DeliveryRecord[] = [];
  const notifier = new Notifier({ stopTimeoutMs: 100, ...config }, { ...deps, onDelivery: (record) => records.push(record) });
  await notifier.start();
  cleanups.push(() => notifier.stop());
  return { notifier, records };
}

/** Retry settings that keep tests fast. */
export const FAST_RETRY = { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 20 } as const;

/** A brute-force alert as the engine makes it from Vigil's own SSH rule pack. */
export function testAlert(overrides: { id?: string; severity?: AlertSeverity; ruleId?: string; ruleName?: string; message?: string; description?: string } = {}): Alert {
  const severity = overrides.severity ?? 'high';
  const score = { informational: 0, low: 21, medium: 47, high: 73, critical: 99 }[severity];
  return {
    id: overrides.id ?? 'kR3vX0pQmB7yTz2LwN4a',
    '@timestamp': '2025-03-14T11:58:01.000Z',
    message: overrides.message ?? 'SSH brute force from 203.0.113.7: 42 failed logins in 2m 10s',
    event: { kind: 'alert', severity: score, risk_score: score, created: '2025-03-14T12:00:11.000Z' },
    rule: {
      id: overrides.ruleId ?? '1c71af4b-6f5e-468b-982c-be67e027ff69',
      name: overrides.ruleName ?? 'SSH brute force',
      description: overrides.description ?? 'Ten or more failed SSH logins from one source address within five minutes.',
      reference: 'https://attack.mitre.org/techniques/T1110/001/',
      tags: ['attack.credential_access', 'attack.t1110', 'attack.t1110.001'],
      type: 'sigma_event_count',
    },
    threat: { framework: 'MITRE ATT&CK', tactic: { id: ['TA0006'], name: ['Credential Access'] }, technique: { id: ['T1110', 'T1110.001'] } },
    vigil: {
      alert: {
        severity,
        status: 'open',
        assignee: null,
        dedup_key: '1c71af4b-6f5e-468b-982c-be67e027ff69|source.ip=203.0.113.7',
        group: { 'source.ip': '203.0.113.7' },
        count: 42,
        first_seen: '2025-03-14T11:58:01.000Z',
        last_seen: '2025-03-14T12:00:11.000Z',
        event_ids: ['edge-fw01:b7:1042:0', 'edge-fw01:b7:1042:1'],
        comments: [],
        history: [],
      },
    },
  };
}

/** A request as the receiver got it, body bytes untouched. */
export interface ReceivedRequest {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** When it arrived (Date.now()). */
  readonly at: number;
}

/** How the receiver answers: a status (with headers and body), or `'hang'` to never answer (the answer may come later, as a promise). */
export type ReceiverAnswer = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/** An HTTP receiver on loopback that records every request and answers as `answer` says. */
export async function startReceiver(
  answer: (request: ReceivedRequest, index: number) => ReceiverAnswer | Promise<ReceiverAnswer> = () => ({ status: 204 }),
): Promise<{ url: string; requests: ReceivedRequest[] }> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = { url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), at: Date.now() };
      requests.push(request);
      void Promise.resolve(answer(request, requests.length - 1)).then((reply) => {
        if (reply !== 'hang' && !res.destroyed) res.writeHead(reply.status, reply.headers).end(reply.body);
      });
    });
  });
  await listen(server);
  cleanups.push(() => close(server, () => server.closeAllConnections()));
  return { url: `http://${LOOPBACK}:${(server.address() as AddressInfo).port}/hooks/vigil`, requests };
}

/** Listens on loopback port 0. */
export function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => server.once('error', reject).listen(0, LOOPBACK, () => resolve()));
}

/** Closes `server` after dropping its connections. */
export function close(server: Server, dropConnections: () => void): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    dropConnections();
  });
}
