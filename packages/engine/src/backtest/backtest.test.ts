import type { EcsEvent } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { parseRuleSources } from '../sigma/loader.ts';
import { runBacktest, type BacktestProgress } from './backtest.ts';
import { selectRules } from './rule-selection.ts';

const RULES = `title: Failed SSH login
id: 1e5b7c9d-2f4a-4c6e-8a1b-3d5f7a9c1e01
name: failed_login
level: low
logsource: {product: linux, service: sshd}
detection: {sel: {process.name: sshd, event.action: ssh_login, event.outcome: failure}, condition: sel}
---
title: SSH brute force
id: 7a9c1e3b-5d7f-4b1d-9e3f-5a7c9e1b3d02
name: brute_force
level: high
tags: [attack.credential_access, attack.t1110.001]
correlation: {type: event_count, rules: [failed_login], group-by: [source.ip], timespan: 5m, condition: {gte: 3}}
vigil:
  message: 'SSH brute force from {source.ip}: {count} failed logins'
---
title: Root login accepted
id: 2c4e6a8b-0d2f-4a6c-8e0b-2d4f6a8c0e03
name: root_login
level: medium
logsource: {product: linux, service: sshd}
detection: {sel: {process.name: sshd, event.outcome: success, user.name: root}, condition: sel}
vigil:
  group-by: [source.ip]
`;

const T0 = Date.parse('2026-03-02T01:00:00Z');

function sshd(seconds: number, id: string, ip: string, outcome: 'success' | 'failure', user = 'root'): EcsEvent {
  const at = new Date(T0 + seconds * 1000).toISOString();
  const message = outcome === 'failure' ? `Failed password for ${user} from ${ip} port 40112 ssh2` : `Accepted password for ${user} from ${ip} port 40112 ssh2`;
  return {
    '@timestamp': at,
    message,
    event: { id, kind: 'event', category: ['authentication'], action: 'ssh_login', outcome, created: at, original: `<38>Mar  2 01:00:00 bastion-2 sshd[7012]: ${message}` },
    host: { hostname: 'bastion-2' },
    process: { name: 'sshd', pid: 7012 },
    source: { ip, port: 40112 },
    user: { name: user },
  };
}

async function* stream(events: readonly EcsEvent[]): AsyncGenerator<EcsEvent> {
  yield* events;
}

/** `count` failures, one a second, cycling over `sources` addresses. */
function failures(count: number, sources: number): EcsEvent[] {
  return Array.from({ length: count }, (_, i) => sshd(i, `edge-b2:boot-1:${Math.floor(i / 100)}:${i % 100}`, `198.51.100.${(i % sources) + 1}`, 'failure'));
}

function selection(rules: readonly string[] | 'all') {
  const { ruleset, problems } = parseRuleSources([{ file: 'rules.yml', text: RULES }]);
  expect(problems).toEqual([]);
  return selectRules(ruleset, rules);
}

describe('runBacktest', () => {
  it('reports matches per rule and each alert in its final state, deduplicated as the engine would', async () => {
    const events = [
      sshd(0, 'e-01', '203.0.113.9', 'failure'),
      sshd(20, 'e-02', '203.0.113.9', 'failure'),
      sshd(40, 'e-03', '203.0.113.9', 'failure'),
      sshd(45, 'e-04', '192.0.2.4', 'failure'),
      sshd(60, 'e-05', '203.0.113.9', 'failure'),
      sshd(80, 'e-06', '203.0.113.9', 'success'),
      sshd(90, 'e-07', '203.0.113.9', 'success', 'deploy'),
    ];
    const report = await runBacktest(selection('all'), stream(events), { eventIdsPerAlert: 2 });
    expect(report).toMatchObject({ complete: true, stoppedBy: null, eventsRead: 7, firstEventTime: '2026-03-02T01:00:00.000Z', lastEventTime: '2026-03-02T01:01:30.000Z', alertsRaised: 2, alertsOmitted: 0, ruleErrors: 0 });
    expect(report.rules).toEqual([
      { id: '1e5b7c9d-2f4a-4c6e-8a1b-3d5f7a9c1e01', name: 'failed_login', title: 'Failed SSH login', kind: 'detection', level: 'low', selected: true, raisesAlerts: false, matches: 5, alerts: 0 },
      { id: '7a9c1e3b-5d7f-4b1d-9e3f-5a7c9e1b3d02', name: 'brute_force', title: 'SSH brute force', kind: 'correlation', level: 'high', selected: true, raisesAlerts: true, matches: 2, alerts: 1 },
      { id: '2c4e6a8b-0d2f-4a6c-8e0b-2d4f6a8c0e03', name: 'root_login', title: 'Root login accepted', kind: 'detection', level: 'medium', selected: true, raisesAlerts: true, matches: 1, alerts: 1 },
    ]);
    const [bruteForce, rootLogin] = report.alerts;
    expect(bruteForce).toEqual({
      id: expect.any(String),
      rule: { id: '7a9c1e3b-5d7f-4b1d-9e3f-5a7c9e1b3d02', title: 'SSH brute force' },
      group: { 'source.ip': '203.0.113.9' },
      count: 4,
      firstSeen: '2026-03-02T01:00:00.000Z',
      lastSeen: '2026-03-02T01:01:00.000Z',
      severity: 'high',
      riskScore: expect.any(Number),
      message: 'SSH brute force from 203.0.113.9: 4 failed logins',
      eventIds: ['e-01', 'e-02'],
    });
    expect(rootLogin).toMatchObject({ rule: { title: 'Root login accepted' }, group: { 'source.ip': '203.0.113.9' }, count: 1, severity: 'medium', eventIds: ['e-06'] });
    expect(report.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('runs only the rules asked for, and reports a building block\'s matches without alerts of its own', async () => {
    const events = [sshd(0, 'e-01', '203.0.113.9', 'failure'), sshd(1, 'e-02', '203.0.113.9', 'failure'), sshd(2, 'e-03', '203.0.113.9', 'failure'), sshd(3, 'e-04', '203.0.113.9', 'success')];
    const report = await runBacktest(selection(['failed_login']), stream(events));
    expect(report.rules.map(({ name, matches, alerts, raisesAlerts }) => ({ name, matches, alerts, raisesAlerts }))).toEqual([{ name: 'failed_login', matches: 3, alerts: 0, raisesAlerts: false }]);
    expect(report.alerts).toEqual([]);
    expect(report.eventsRead).toBe(4);
  });

  it('lists at most maxAlerts alerts, in the order raised, and counts the rest', async () => {
    // 40 sources, 5 failures each within 200 s: 40 brute-force alerts.
    const report = await runBacktest(selection(['brute_force']), stream(failures(200, 40)), { maxAlerts: 10 });
    expect(report.alertsRaised).toBe(40);
    expect(report.alerts).toHaveLength(10);
    expect(report.alertsOmitted).toBe(30);
    expect(report.alerts.map((alert) => alert.group['source.ip'])).toEqual(Array.from({ length: 10 }, (_, i) => `198.51.100.${i + 1}`));
    // Listed alerts keep updating after the list is full.
    expect(report.alerts.every((alert) => alert.count === 5)).toBe(true);
  });

  it('stops at maxEvents and says so, with the range covered so far', async () => {
    const report = await runBacktest(selection('all'), stream(failures(3000, 7)), { maxEvents: 1000 });
    expect(report).toMatchObject({ complete: false, stoppedBy: 'event-limit', eventsRead: 1000, lastEventTime: new Date(T0 + 999_000).toISOString() });
    const exact = await runBacktest(selection('all'), stream(failures(1000, 7)), { maxEvents: 1000 });
    expect(exact).toMatchObject({ complete: true, stoppedBy: null, eventsRead: 1000 });
  });

  it('stops at the time limit', async () => {
    let now = 0;
    const report = await runBacktest(selection('all'), stream(failures(5000, 7)), { timeLimitMs: 25, clock: () => (now += 10) });
    // The clock is read at the start and once per 512 events: the third check is 30 ms in.
    expect(report).toMatchObject({ complete: false, stoppedBy: 'time-limit', eventsRead: 1536 });
  });

  it('reports progress as it goes and once at the end', async () => {
    let now = 0;
    const seen: BacktestProgress[] = [];
    await runBacktest(selection('all'), stream(failures(2100, 7)), { clock: () => (now += 100), progressIntervalMs: 150, onProgress: (progress) => seen.push(progress) });
    expect(seen.map((progress) => [progress.eventsRead, progress.done])).toEqual([
      [1024, false],
      [2048, false],
      [2100, true],
    ]);
    expect(seen[0]).toMatchObject({ lastEventTime: new Date(T0 + 1023_000).toISOString(), elapsedMs: 200, eventsPerSecond: 5120 });
    expect(seen.at(-1)!.alertsRaised).toBeGreaterThan(0);
  });

  it('stops when cancelled and reports what it found until then', async () => {
    const controller = new AbortController();
    let read = 0;
    async function* cancelledHalfway(): AsyncGenerator<EcsEvent> {
      for (const event of failures(2000, 7)) {
        if (++read === 700) controller.abort();
        yield event;
      }
    }
    const report = await runBacktest(selection('all'), cancelledHalfway(), { signal: controller.signal });
    expect(report).toMatchObject({ complete: false, stoppedBy: 'cancelled', eventsRead: 699 });
    expect(report.alertsRaised).toBeGreaterThan(0);
  });

  it('gives the event loop a turn while it runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    try {
      await runBacktest(selection('all'), stream(failures(4000, 50)));
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });
});
