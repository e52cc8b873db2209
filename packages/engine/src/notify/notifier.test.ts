import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '@vigil/runtime';
import { notifyConfigSchema } from './config.ts';
import { Notifier } from './notifier.ts';
import { FAST_RETRY, cleanups, runCleanups, startNotifier, startReceiver, testAlert, until, type ReceivedRequest } from './test-harness.ts';

afterEach(runCleanups);

const SECRET = 'c2f1e0a9b8d7c6e5f4a3b2c1d0e9f8a7';
const webhook = (name: string, url: string, extra: Record<string, unknown> = {}) => ({ kind: 'webhook' as const, name, url, secret: SECRET, retry: FAST_RETRY, ...extra });
const bodyOf = (request: ReceivedRequest) => JSON.parse(request.body.toString('utf8')) as { event: string; alert?: { id: string }; suppressed?: Record<string, unknown> };

describe('notifier', () => {
  it('returns from notify() at once while a receiver hangs, without holding up the other channels', async () => {
    const hanging = await startReceiver(() => 'hang');
    const healthy = await startReceiver();
    const { notifier, records } = await startNotifier({
      stopTimeoutMs: 50,
      channels: [webhook('hanging', hanging.url, { timeoutMs: 60_000 }), webhook('healthy', healthy.url)],
    });
    const started = performance.now();
    for (let index = 0; index < 5; index++) expect(notifier.notify(testAlert({ id: `alert-${index}` }), 'created')).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(100);

    await until(() => notifier.stats().channels.healthy!.delivered === 5 && hanging.requests.length === 1, 'deliveries');
    expect(notifier.stats().channels).toMatchObject({ hanging: { delivered: 0, queued: 4 }, healthy: { delivered: 5, queued: 0 } });

    const stopping = performance.now();
    await notifier.stop();
    expect(performance.now() - stopping).toBeLessThan(1_000);
    // The one in flight and the four queued behind it were not delivered by the deadline.
    expect(notifier.stats().channels.hanging).toMatchObject({ dropped: 5, queued: 0 });
    expect(records.filter((record) => record.channel === 'hanging').map((record) => record.outcome)).toEqual(Array(5).fill('dropped'));
    notifier.notify(testAlert({ id: 'after-stop' }), 'created');
    expect(notifier.stats().dropped).toBe(7);
  });

  it('drops the oldest queued notification when the queue is full, and counts it', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const receiver = await startReceiver(async (_request, index) => {
      if (index === 0) await released;
      return { status: 204 };
    });
    const { notifier, records } = await startNotifier({ channels: [webhook('hook', receiver.url, { maxQueued: 2 })] });
    notifier.notify(testAlert({ id: 'first' }), 'created');
    await until(() => receiver.requests.length === 1, 'first in flight');
    for (const id of ['second', 'third', 'fourth', 'fifth']) notifier.notify(testAlert({ id }), 'created');
    expect(notifier.stats()).toMatchObject({ dropped: 2, channels: { hook: { queued: 2 } } });
    release();
    await until(() => notifier.stats().delivered === 3, 'deliveries');

    expect(receiver.requests.map((request) => bodyOf(request).alert!.id)).toEqual(['first', 'fourth', 'fifth']);
    expect(records.filter((record) => record.outcome === 'dropped').map((record) => [record.alertId, record.error?.code])).toEqual([
      ['second', 'VIGIL_ERR_NOTIFY_DROPPED'],
      ['third', 'VIGIL_ERR_NOTIFY_DROPPED'],
    ]);
  });

  it('holds the rate limit and then sends one summary of what it held back', async () => {
    const receiver = await startReceiver();
    let now = Date.parse('2025-03-14T12:00:00Z');
    const metrics = new Metrics({ defaultMetrics: false });
    const { notifier, records } = await startNotifier({ channels: [webhook('hook', receiver.url, { maxPerMinute: 3 })] }, { now: () => now, metrics });
    for (let index = 0; index < 10; index++) {
      notifier.notify(testAlert({ id: `burst-${index}` }), 'created');
      now += 100;
    }
    await until(() => notifier.stats().delivered === 3, 'the burst');
    expect(notifier.stats()).toMatchObject({ delivered: 3, rateLimited: 7 });
    expect(records.filter((record) => record.outcome === 'rate-limited')).toHaveLength(7);

    now += 40_000; // two tokens at three a minute: one for the summary, one for the next alert
    notifier.notify(testAlert({ id: 'later' }), 'created');
    await until(() => notifier.stats().delivered === 5, 'summary and alert');

    const bodies = receiver.requests.map(bodyOf);
    expect(bodies.map((body) => body.alert?.id ?? body.event)).toEqual(['burst-0', 'burst-1', 'burst-2', 'suppressed', 'later']);
    expect(bodies[3]).toEqual({
      event: 'suppressed',
      suppressed: { count: 7, firstAt: '2025-03-14T12:00:00.300Z', lastAt: '2025-03-14T12:00:00.900Z', maxPerMinute: 3 },
    });
    expect(records.find((record) => record.event === 'suppressed')).toMatchObject({ alertId: null, outcome: 'delivered' });
    const metric = (await metrics.render()).body;
    expect(metric).toContain('vigil_engine_notifications_total{channel="hook",outcome="rate-limited"} 7');
    expect(metric).toContain('vigil_engine_notifications_total{channel="hook",outcome="delivered"} 5');
  });

  it('sends only the changes, severities and rules each channel asks for', async () => {
    const receiver = await startReceiver();
    const { notifier } = await startNotifier({
      channels: [
        webhook('ssh-high', receiver.url, { minSeverity: 'high', rules: ['1c71af4b-6f5e-468b-982c-be67e027ff69', 'Possible break-in'] }),
        webhook('everything', receiver.url, { minSeverity: 'informational', on: ['created', 'escalated', 'updated'] }),
      ],
    });
    const cases = [
      { id: 'medium', alert: { severity: 'medium' as const }, change: 'created' as const },
      { id: 'other-rule', alert: { severity: 'critical' as const, ruleId: 'c9a3d1e2', ruleName: 'Port scan' }, change: 'created' as const },
      { id: 'by-name', alert: { severity: 'critical' as const, ruleId: '5e0b7c4d', ruleName: 'Possible break-in' }, change: 'created' as const },
      { id: 'dedup-update', alert: { severity: 'high' as const }, change: 'updated' as const },
      { id: 'escalation', alert: { severity: 'high' as const }, change: 'escalated' as const },
    ];
    for (const { id, alert, change } of cases) notifier.notify(testAlert({ id, ...alert }), change);
    await until(() => notifier.stats().delivered === 7, 'deliveries');

    const seen = (channel: string) => notifier.stats().channels[channel]!.delivered;
    expect(seen('ssh-high')).toBe(2);
    expect(seen('everything')).toBe(5);
    const bodies = receiver.requests.map(bodyOf);
    expect(bodies.filter((body) => ['by-name', 'escalation'].includes(body.alert!.id))).toHaveLength(4);
    expect(bodies.find((body) => body.alert!.id === 'escalation')!.event).toBe('escalated');
  });

  it('gives the same alert state the same delivery id when it is notified again, as after an engine restart', async () => {
    const receiver = await startReceiver();
    const { notifier } = await startNotifier({ channels: [webhook('hook', receiver.url, { on: ['created', 'updated'] })] });
    const alert = testAlert();
    const grown = { ...alert, vigil: { alert: { ...alert.vigil.alert, count: 43, last_seen: '2025-03-14T12:00:12.000Z' } } };
    notifier.notify(alert, 'created');
    notifier.notify(structuredClone(alert), 'created');
    notifier.notify(grown, 'updated');
    await until(() => notifier.stats().delivered === 3, 'deliveries');

    const ids = receiver.requests.map((request) => request.headers['x-vigil-delivery']);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
  });

  it('keeps delivering when the onDelivery callback throws', async () => {
    const receiver = await startReceiver();
    const onDelivery = () => {
      throw new Error('log store full');
    };
    const notifier = new Notifier({ channels: [webhook('hook', receiver.url)] }, { onDelivery });
    await notifier.start();
    cleanups.push(() => notifier.stop());
    notifier.notify(testAlert({ id: 'a' }), 'created');
    notifier.notify(testAlert({ id: 'b' }), 'created');
    await until(() => notifier.stats().delivered === 2, 'deliveries');
  });

  it('refuses configurations that cannot work, naming the key', () => {
    const problems = (input: unknown) => notifyConfigSchema.safeParse(input).error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(problems({ channels: [webhook('a', 'https://hooks.example.com/x'), webhook('a', 'https://hooks.example.com/y')] })).toEqual(['channels: channel names must be unique']);
    expect(problems({ channels: [webhook('a', 'ftp://hooks.example.com/x', { secret: 'short' })] })).toEqual([
      'channels.0.url: must be an http:// or https:// URL',
      'channels.0.secret: Too small: expected string to have >=16 characters',
    ]);
    expect(problems({ channels: [webhook('a', 'https://hooks.example.com/x', { headers: { 'X-Vigil-Signature': 'forged' } })] })![0]).toMatch(/^channels\.0\.headers: X-Vigil-\*/);
    expect(problems({ channels: [{ kind: 'email', name: 'm', host: 'smtp.example.com', from: 'vigil@example.com', to: ['soc@example.com'], username: 'vigil' }] })).toEqual([
      'channels.0.password: username and password go together',
    ]);
    expect(notifyConfigSchema.parse({ channels: [webhook('a', 'https://hooks.example.com/x', { retry: undefined })] }).channels[0]).toMatchObject({
      on: ['created', 'escalated'],
      minSeverity: 'high',
      maxPerMinute: 30,
      maxQueued: 1_000,
      retry: { maxAttempts: 5, initialDelayMs: 1_000, maxDelayMs: 60_000 },
    });
  });
});
