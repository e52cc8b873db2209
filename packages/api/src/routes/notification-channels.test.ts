import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyConfigSchema, webhookSignature } from '@vigil/engine';
import { bearer, createTestApi, type TestApi } from '../testing/harness.ts';

const SECRET = 'a-webhook-secret-of-32-characters';
let api: TestApi;
let receiver: ReturnType<typeof createServer>;
let answer = 204;
const received: { headers: IncomingHttpHeaders; body: string }[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(answer).end();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/t0k3n-in-path`;
  const notify = notifyConfigSchema.parse({
    channels: [
      { kind: 'webhook', name: 'soc-webhook', url, secret: SECRET, minSeverity: 'medium' },
      { kind: 'email', name: 'soc-mail', host: 'smtp.example.org', from: 'vigil@example.org', to: ['soc@example.org'], username: 'vigil', password: 'smtp-password' },
    ],
  });
  api = await createTestApi({}, undefined, undefined, { notify });
});

afterAll(async () => {
  await api.close();
  receiver.close();
});

describe('notification channels', () => {
  it('lists the configured channels for admins, without secrets or the token in a webhook path', async () => {
    const response = await api.server.app.inject({ url: '/api/v1/notification-channels', headers: bearer(await api.login('admin')) });
    expect(response.statusCode).toBe(200);
    expect(response.json().channels).toEqual([
      { name: 'soc-webhook', kind: 'webhook', target: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), on: ['created', 'escalated'], minSeverity: 'medium', rules: null, maxPerMinute: 30 },
      { name: 'soc-mail', kind: 'email', target: 'smtp.example.org:587 → soc@example.org', on: ['created', 'escalated'], minSeverity: 'high', rules: null, maxPerMinute: 30 },
    ]);
    expect(response.body).not.toContain(SECRET);
    expect(response.body).not.toContain('smtp-password');
    expect(response.body).not.toContain('t0k3n');
    expect((await api.server.app.inject({ url: '/api/v1/notification-channels', headers: bearer(await api.login('alice')) })).statusCode).toBe(403);
  });

  it('sends a signed test notification, and says why one was not delivered', async () => {
    const admin = await api.login('admin');
    const sent = await api.server.app.inject({ method: 'POST', url: '/api/v1/notification-channels/soc-webhook/test', headers: bearer(admin) });
    expect(sent.statusCode).toBe(200);
    expect(sent.json()).toMatchObject({ delivered: true });
    const [delivery] = received;
    expect(JSON.parse(delivery!.body).alert.message).toBe('Vigil test notification, sent by admin: this channel works');
    expect(delivery!.headers['x-vigil-signature']).toBe(webhookSignature(SECRET, String(delivery!.headers['x-vigil-timestamp']), delivery!.body));

    answer = 403;
    const refused = await api.server.app.inject({ method: 'POST', url: '/api/v1/notification-channels/soc-webhook/test', headers: bearer(admin) });
    expect(refused.statusCode).toBe(502);
    expect(refused.json().error).toMatchObject({ code: 'VIGIL_ERR_API_CHANNEL_TEST_FAILED', message: expect.stringContaining('403') });
    expect((await api.server.app.inject({ method: 'POST', url: '/api/v1/notification-channels/nope/test', headers: bearer(admin) })).statusCode).toBe(404);
  });
});
