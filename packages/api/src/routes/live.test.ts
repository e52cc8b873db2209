import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedBus, type EmbeddedBus } from '@vigil/bus';
import { silentLogger } from '@vigil/runtime';
import { TOPICS } from '@vigil/schema';
import { AlertFeed, type AlertNotice } from '../live/alert-feed.ts';
import { AlertFollower } from '../live/alert-follower.ts';
import { sampleAlerts } from '../testing/fixtures.ts';
import { bearer, createTestApi, type TestApi } from '../testing/harness.ts';

let api: TestApi;
let baseUrl: string;

beforeAll(async () => {
  api = await createTestApi({ maxLiveStreams: 2 });
  await api.server.start();
  baseUrl = `http://127.0.0.1:${api.server.addresses()[0]!.port}`;
});

afterAll(async () => {
  await api.close();
});

/** Opens the live stream and reads it as text until `until` matches what came so far (or the stream ends). */
async function follow(token: string): Promise<{ status: number; contentType: string | null; read(until: RegExp): Promise<string>; close(): void }> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/v1/alerts/live`, { headers: bearer(token), signal: controller.signal });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    async read(until) {
      while (!until.test(text)) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      return text;
    },
    close: () => controller.abort(),
  };
}

function notices(text: string): AlertNotice[] {
  return [...text.matchAll(/^event: alert\ndata: (.*)$/gm)].map((match) => JSON.parse(match[1]!) as AlertNotice);
}

describe('GET /api/v1/alerts/live', () => {
  it('streams a triage change to every reader following, as Server-Sent Events', async () => {
    const viewer = await follow(await api.login('victor'));
    expect(viewer.status).toBe(200);
    expect(viewer.contentType).toBe('text/event-stream; charset=utf-8');
    await viewer.read(/: connected\n\n/);
    const patched = await api.server.app.inject({
      method: 'PATCH',
      url: '/api/v1/alerts/alert-ssh-bruteforce-203.0.113.50',
      headers: bearer(await api.login('alice')),
      payload: { status: 'acknowledged' },
    });
    expect(patched.statusCode).toBe(200);
    const [notice] = notices(await viewer.read(/event: alert\n.*\n\n/));
    expect(notice).toEqual({ id: 'alert-ssh-bruteforce-203.0.113.50', rule: 'SSH brute force', severity: 'high', status: 'acknowledged', count: 5, lastSeen: expect.any(String), by: 'analyst' });
    viewer.close();
  });

  it('answers 401 without a token, 403 to the ingest role, and 503 over api.maxLiveStreams', async () => {
    expect((await fetch(`${baseUrl}/api/v1/alerts/live`)).status).toBe(401);
    const ingest = await fetch(`${baseUrl}/api/v1/alerts/live`, { headers: bearer(await api.login('ivan')) });
    expect(ingest.status).toBe(403);
    const token = await api.login('victor');
    const open = [await follow(token), await follow(token)];
    await Promise.all(open.map((stream) => stream.read(/: connected/)));
    const third = await fetch(`${baseUrl}/api/v1/alerts/live`, { headers: bearer(token) });
    expect(third.status).toBe(503);
    expect(((await third.json()) as { error: { code: string } }).error.code).toBe('VIGIL_ERR_API_LIVE_STREAMS_FULL');
    for (const stream of open) stream.close();
    // Closed streams free their places.
    await expect.poll(async () => (await api.server.app.inject({ url: '/metrics' })).body).toMatch(/^vigil_api_live_streams 0$/m);
  });
});

describe('AlertFollower', () => {
  let dir: string;
  let bus: EmbeddedBus;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-live-'));
    bus = await createEmbeddedBus({ directory: dir, pollIntervalMs: 50 });
    await bus.ensureTopics([{ name: TOPICS.alerts, partitions: 2, replicationFactor: 1 }]);
  });

  afterAll(async () => {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hands the alert documents engines publish on vigil.alerts to the feed, and skips what is not one', async () => {
    const feed = new AlertFeed();
    const seen: AlertNotice[] = [];
    feed.subscribe((notice) => seen.push(notice));
    const follower = new AlertFollower({ bus, groupId: 'api-live-test', feed, logger: silentLogger() });
    await follower.start();
    const [alert] = sampleAlerts();
    await bus.createProducer().send(TOPICS.alerts, [
      { key: 'x', value: '{"not":"an alert"}' },
      { key: 'y', value: 'not json' },
      { key: alert!.id, value: JSON.stringify(alert) },
    ]);
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]).toMatchObject({ id: alert!.id, by: 'engine', status: alert!.vigil.alert.status });
    await follower.stop();
  });
});
