import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FAST_RETRY, LOOPBACK, runCleanups, startNotifier, startReceiver, testAlert, until, type ReceivedRequest } from './test-harness.ts';

afterEach(runCleanups);

const SECRET = 'c2f1e0a9b8d7c6e5f4a3b2c1d0e9f8a7';

/** What a receiver does with the shared secret: recompute the HMAC over `timestamp.rawBody` and reject stale timestamps. */
function verify(request: ReceivedRequest, secret: string): boolean {
  const timestamp = String(request.headers['x-vigil-timestamp']);
  const signature = Buffer.from(String(request.headers['x-vigil-signature']));
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(request.body).digest('hex')}`);
  const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
  return signature.length === expected.length && timingSafeEqual(signature, expected) && fresh;
}

const webhook = (url: string, extra: Record<string, unknown> = {}) => ({ kind: 'webhook' as const, name: 'soc-hook', url, secret: SECRET, retry: FAST_RETRY, ...extra });

describe('webhook channel', () => {
  it('signs each delivery so a receiver holding the shared secret accepts it and one with another secret refuses it', async () => {
    const receiver = await startReceiver((request) => (verify(request, SECRET) ? { status: 204 } : { status: 401, body: 'bad signature' }));
    const { notifier, records } = await startNotifier({
      channels: [
        webhook(receiver.url, { headers: { Authorization: 'Bearer 7f3c' } }),
        webhook(receiver.url, { name: 'stale-secret', secret: 'an-old-secret-rotated-away' }),
      ],
    });
    const alert = testAlert();
    notifier.notify(alert, 'created');
    await until(() => records.filter((record) => record.outcome !== 'retrying').length === 2, 'both deliveries');

    const signed = receiver.requests.find((request) => verify(request, SECRET))!;
    expect(JSON.parse(signed.body.toString('utf8'))).toEqual({ event: 'created', alert });
    expect(signed.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', 'x-vigil-event': 'created', authorization: 'Bearer 7f3c' });
    expect(signed.headers['x-vigil-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(receiver.requests.filter((request) => !verify(request, SECRET))).toHaveLength(1);
    const outcomes = Object.fromEntries(records.map((record) => [record.channel, record]));
    expect(outcomes['soc-hook']).toMatchObject({ outcome: 'delivered', attempt: 1, alertId: alert.id, event: 'created' });
    // A 401 is permanent: retrying with the same wrong secret cannot help.
    expect(outcomes['stale-secret']).toMatchObject({ outcome: 'failed', attempt: 1, error: { code: 'VIGIL_ERR_NOTIFY_REJECTED' } });
    expect(outcomes['stale-secret']!.error!.message).toContain('401 bad signature');
    expect(notifier.stats()).toMatchObject({ delivered: 1, failed: 1, retries: 0 });
  });

  it('waits as long as Retry-After asks after a 503, then delivers with the same delivery id', async () => {
    const receiver = await startReceiver((_request, index) => (index === 0 ? { status: 503, headers: { 'retry-after': '1' } } : { status: 200 }));
    const { notifier, records } = await startNotifier({ channels: [webhook(receiver.url, { retry: { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 5_000 } })] });
    notifier.notify(testAlert(), 'created');
    await until(() => records.some((record) => record.outcome === 'delivered'), 'delivery');

    const [first, second] = receiver.requests;
    expect(receiver.requests).toHaveLength(2);
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(950);
    expect(second!.headers['x-vigil-delivery']).toBe(first!.headers['x-vigil-delivery']);
    expect(verify(first!, SECRET) && verify(second!, SECRET)).toBe(true);
    expect(records.map((record) => [record.outcome, record.attempt, record.error?.code])).toEqual([
      ['retrying', 1, 'VIGIL_ERR_NOTIFY_UNAVAILABLE'],
      ['delivered', 2, undefined],
    ]);
    expect(new Set(records.map((record) => record.deliveryId))).toEqual(new Set([first!.headers['x-vigil-delivery']]));
    expect(notifier.stats()).toMatchObject({ delivered: 1, retries: 1, failed: 0 });
  });

  it('gives up at once on a 400 and after maxAttempts on a 500, keeping one delivery id per notification', async () => {
    const receiver = await startReceiver((request) => (JSON.parse(request.body.toString('utf8')).alert.id === 'bad-request' ? { status: 400, body: '{"error":"unknown field"}' } : { status: 500 }));
    const { notifier, records } = await startNotifier({ channels: [webhook(receiver.url)] });
    notifier.notify(testAlert({ id: 'bad-request' }), 'created');
    notifier.notify(testAlert({ id: 'server-down' }), 'created');
    await until(() => records.filter((record) => record.outcome === 'failed').length === 2, 'both failures');

    const byAlert = (id: string) => receiver.requests.filter((request) => JSON.parse(request.body.toString('utf8')).alert.id === id);
    expect(byAlert('bad-request')).toHaveLength(1);
    expect(byAlert('server-down')).toHaveLength(FAST_RETRY.maxAttempts);
    expect(new Set(byAlert('server-down').map((request) => request.headers['x-vigil-delivery'])).size).toBe(1);
    expect(records.filter((record) => record.outcome === 'failed').map((record) => [record.alertId, record.attempt, record.error?.code])).toEqual([
      ['bad-request', 1, 'VIGIL_ERR_NOTIFY_REJECTED'],
      ['server-down', 3, 'VIGIL_ERR_NOTIFY_UNAVAILABLE'],
    ]);
    expect(notifier.stats()).toMatchObject({ delivered: 0, failed: 2, retries: 2 });
  });

  it('retries a receiver that is down or too slow, and does not follow redirects', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, LOOPBACK, resolve));
    const deadPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const slow = await startReceiver(() => 'hang');
    const moved = await startReceiver(() => ({ status: 302, headers: { location: 'http://203.0.113.9/elsewhere' } }));
    const { notifier, records } = await startNotifier({
      channels: [
        webhook(`http://${LOOPBACK}:${deadPort}/hook`, { name: 'down' }),
        webhook(slow.url, { name: 'slow', timeoutMs: 50, retry: { ...FAST_RETRY, maxAttempts: 2 } }),
        webhook(moved.url, { name: 'moved' }),
      ],
    });
    notifier.notify(testAlert(), 'created');
    await until(() => records.filter((record) => record.outcome === 'failed').length === 3, 'three failures');

    const failed = Object.fromEntries(records.filter((record) => record.outcome === 'failed').map((record) => [record.channel, [record.attempt, record.error?.code]]));
    expect(failed).toEqual({
      down: [3, 'VIGIL_ERR_NOTIFY_NETWORK'],
      slow: [2, 'VIGIL_ERR_NOTIFY_TIMEOUT'],
      moved: [1, 'VIGIL_ERR_NOTIFY_REJECTED'],
    });
    expect(slow.requests).toHaveLength(2);
  });
});
