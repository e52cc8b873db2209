import type { EcsEvent } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { DetectionEngine, type DetectionEngineOptions } from '../alerts/detection-engine.ts';
import { parseRuleSources } from '../sigma/loader.ts';
import type { RuleHit } from './types.ts';

const BASE_RULES = `title: Failed SSH login
id: failed
logsource: {product: linux, service: sshd}
detection: {sel: {event.action: ssh_login, event.outcome: failure}, condition: sel}
---
title: Accepted SSH login
id: success
logsource: {product: linux, service: sshd}
detection: {sel: {event.action: ssh_login, event.outcome: success}, condition: sel}
---
title: Invalid SSH user
id: invalid
logsource: {product: linux, service: sshd}
detection: {sel: {event.action: ssh_invalid_user}, condition: sel}
`;

/** An engine over the base rules plus `correlations`; collects correlation hits. */
function setup(correlations: string, options: DetectionEngineOptions = {}) {
  const { ruleset, problems } = parseRuleSources([{ file: 'rules.yml', text: `${BASE_RULES}---\n${correlations}` }]);
  expect(problems).toEqual([]);
  const hits: RuleHit[] = [];
  const engine = new DetectionEngine(ruleset, { ...options, onHit: (hit) => void (hit.rule.kind === 'correlation' && hits.push(hit)) });
  return { engine, hits };
}

const T0 = Date.parse('2026-11-20T03:00:00Z');
let sequence = 0;

/** An sshd event `seconds` after T0. */
function sshd(seconds: number, fields: { action?: string; outcome?: 'failure' | 'success'; ip?: string; user?: string; client?: string } = {}): EcsEvent {
  const at = new Date(T0 + seconds * 1000).toISOString();
  const { action = 'ssh_login', outcome = 'failure', ip = '203.0.113.7', user = 'root', client } = fields;
  const id = `ev-${++sequence}`;
  return {
    '@timestamp': at,
    message: `${outcome === 'failure' ? 'Failed' : 'Accepted'} password for ${user} from ${ip} port 52814 ssh2`,
    event: { id, kind: 'event', category: ['authentication'], action, outcome, created: at },
    process: { name: 'sshd', pid: 4242 },
    source: { ip, port: 52814 },
    ...(client ? { client: { ip: client } } : {}),
    user: { name: user },
  };
}

const run = (engine: DetectionEngine, events: EcsEvent[]) => events.flatMap((event) => engine.process(event));
const EVENT_COUNT = `title: Three failures a minute
id: three-failures
correlation: {type: event_count, rules: [failed], group-by: [source.ip], timespan: 1m, condition: {gte: 3}}
`;

describe('event_count', () => {
  it('fires per group once the count is reached and then reports only new events', () => {
    const { engine, hits } = setup(EVENT_COUNT);
    const a = [sshd(0), sshd(10), sshd(20), sshd(30)];
    run(engine, [a[0]!, sshd(5, { ip: '198.51.100.4' }), a[1]!, sshd(15, { ip: '198.51.100.4' }), a[2]!, a[3]!]);
    expect(hits.map((hit) => [hit.group, hit.measure, hit.eventIds, hit.eventCount])).toEqual([
      [{ 'source.ip': '203.0.113.7' }, 3, a.slice(0, 3).map((event) => event.event!.id), 3],
      [{ 'source.ip': '203.0.113.7' }, 4, [a[3]!.event!.id], 1],
    ]);
  });

  it('includes an event exactly one timespan after the first, but not one millisecond later', () => {
    const inside = setup(EVENT_COUNT);
    run(inside.engine, [sshd(0), sshd(30), sshd(60)]);
    expect(inside.hits).toHaveLength(1);
    const outside = setup(EVENT_COUNT);
    run(outside.engine, [sshd(0), sshd(30), sshd(60.001)]);
    expect(outside.hits).toHaveLength(0);
  });

  it('counts an event once when several of the referenced rules match it', () => {
    const { engine, hits } = setup(`title: Three sshd problems a minute
id: sshd-problems
correlation: {type: event_count, rules: [failed, failed-again], group-by: [source.ip], timespan: 1m, condition: {gte: 3}}
---
title: Failed SSH login, second rule
id: failed-again
logsource: {product: linux, service: sshd}
detection: {sel: {event.outcome: failure}, condition: sel}
`);
    run(engine, [sshd(0), sshd(10)]);
    expect(hits).toEqual([]);
    run(engine, [sshd(20)]);
    expect(hits.map((hit) => hit.eventCount)).toEqual([3]);
  });

  it('supports ranges: gt and lte together', () => {
    const { engine, hits } = setup(EVENT_COUNT.replace('{gte: 3}', '{gt: 1, lte: 2}'));
    run(engine, [sshd(0), sshd(1), sshd(2)]);
    expect(hits.map((hit) => hit.measure)).toEqual([2]);
  });

  it('places out-of-order events within the timespan where they belong', () => {
    const { engine, hits } = setup(EVENT_COUNT);
    run(engine, [sshd(50), sshd(40), sshd(10)]);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.firstTime).toBe(T0 + 10_000);
    expect(hits[0]!.time).toBe(T0 + 50_000);
  });

  it('ignores and counts events more than a timespan older than their group', () => {
    const { engine, hits } = setup(EVENT_COUNT);
    run(engine, [sshd(200), sshd(210), sshd(100)]);
    expect(hits).toHaveLength(0);
    expect(engine.stats().lateHits).toBe(1);
  });

  it('expires a group left idle for two timespans', () => {
    const { engine, hits } = setup(EVENT_COUNT);
    run(engine, [sshd(0), sshd(10)]);
    expect(engine.stats().correlationGroups).toBe(1);
    run(engine, [sshd(200, { ip: '198.51.100.4' })]);
    expect(engine.stats()).toMatchObject({ correlationGroups: 1, groupsExpired: 1 });
    run(engine, [sshd(201)]);
    expect(hits).toHaveLength(0);
  });

  it('evicts the least recently touched group at the cap and counts it', () => {
    const { engine, hits } = setup(EVENT_COUNT, { maxGroupsPerCorrelation: 2 });
    run(engine, [sshd(0, { ip: '192.0.2.1' }), sshd(10, { ip: '192.0.2.1' }), sshd(20, { ip: '192.0.2.2' }), sshd(30, { ip: '192.0.2.1' })]);
    expect(hits).toHaveLength(1);
    run(engine, [sshd(40, { ip: '192.0.2.3' })]);
    expect(engine.stats()).toMatchObject({ correlationGroups: 2, groupsEvicted: 1 });
    run(engine, [sshd(50, { ip: '192.0.2.2' }), sshd(51, { ip: '192.0.2.2' })]);
    // 192.0.2.2 was evicted, so its first failure is forgotten: two failures, no hit.
    expect(hits).toHaveLength(1);
  });

  it('caps the entries kept per group, counting the dropped ones', () => {
    const { engine, hits } = setup(EVENT_COUNT.replace('{gte: 3}', '{gte: 5}'), { maxEntriesPerGroup: 4 });
    run(engine, [sshd(0), sshd(1), sshd(2), sshd(3), sshd(4), sshd(5)]);
    expect(hits).toHaveLength(0);
    expect(engine.stats().entriesDropped).toBe(2);
  });
});

describe('value_count', () => {
  const VALUE_COUNT = `title: Three users a minute
id: three-users
correlation: {type: value_count, rules: [invalid], group-by: [source.ip], timespan: 1m, condition: {field: user.name, gte: 3}}
`;
  const invalid = (seconds: number, user: string | undefined, ip = '203.0.113.99') => {
    const event = sshd(seconds, { action: 'ssh_invalid_user', user: user ?? 'x', ip });
    if (user === undefined) delete event.user;
    return event;
  };

  it('counts distinct values per group within the timespan (user names are case-sensitive)', () => {
    const { engine, hits } = setup(VALUE_COUNT);
    run(engine, [invalid(0, 'admin'), invalid(5, 'admin'), invalid(10, 'test'), invalid(12, 'oracle', '192.0.2.50'), invalid(15, 'ADMIN'), invalid(20, 'oracle')]);
    expect(hits.map((hit) => [hit.group['source.ip'], hit.measure, hit.eventCount])).toEqual([
      ['203.0.113.99', 3, 4],
      ['203.0.113.99', 4, 1],
    ]);
  });

  it('counts late values into the busiest window that contains them', () => {
    const { engine, hits } = setup(VALUE_COUNT);
    run(engine, [invalid(50, 'admin'), invalid(120, 'guest'), invalid(100, 'test'), invalid(70, 'oracle')]);
    // 70 s fits one window with admin (50), test (100) and oracle (70); guest (120) is in another.
    expect(hits.map((hit) => [hit.measure, hit.firstTime - T0, hit.eventCount])).toEqual([[3, 50_000, 3]]);
  });

  it('forgets values that left the window', () => {
    const { engine, hits } = setup(VALUE_COUNT);
    run(engine, [invalid(0, 'admin'), invalid(30, 'test'), invalid(61, 'oracle')]);
    expect(hits).toHaveLength(0);
  });

  it('skips and counts matches without the counted field', () => {
    const { engine, hits } = setup(VALUE_COUNT);
    run(engine, [invalid(0, undefined), invalid(1, 'a'), invalid(2, 'b')]);
    expect(hits).toHaveLength(0);
    expect(engine.stats().ungroupedHits).toBe(1);
  });
});

describe('temporal', () => {
  const TEMPORAL = `title: Failure, unknown user and login
id: all-three
correlation: {type: temporal, rules: [failed, invalid, success], group-by: [source.ip], timespan: 1m}
`;

  it('fires when every referenced rule matched within the timespan, in any order', () => {
    const { engine, hits } = setup(TEMPORAL);
    run(engine, [sshd(0, { outcome: 'success' }), sshd(20, { action: 'ssh_invalid_user' }), sshd(40, { ip: '192.0.2.8' }), sshd(50)]);
    expect(hits.map((hit) => [hit.group['source.ip'], hit.measure, hit.eventCount])).toEqual([['203.0.113.7', 3, 3]]);
  });

  it('does not fire when one rule matched outside the timespan', () => {
    const { engine, hits } = setup(TEMPORAL);
    run(engine, [sshd(0, { outcome: 'success' }), sshd(20, { action: 'ssh_invalid_user' }), sshd(61)]);
    expect(hits).toHaveLength(0);
  });

  it('takes a condition on how many of the rules must match', () => {
    const { engine, hits } = setup(TEMPORAL.replace('timespan: 1m}', 'timespan: 1m, condition: {gte: 2}}'));
    run(engine, [sshd(0), sshd(5), sshd(10, { outcome: 'success' })]);
    expect(hits.map((hit) => hit.measure)).toEqual([2]);
  });

  it('groups through aliases when the rules name the address differently', () => {
    const { engine, hits } = setup(`title: Failed here, accepted there
id: aliased
correlation:
  type: temporal
  rules: [failed, success]
  group-by: [peer]
  timespan: 1m
  aliases:
    peer: {failed: source.ip, success: client.ip}
`);
    run(engine, [sshd(0, { ip: '192.0.2.9' }), sshd(10, { outcome: 'success', ip: '10.0.0.1', client: '192.0.2.9' })]);
    expect(hits.map((hit) => hit.group)).toEqual([{ peer: '192.0.2.9' }]);
  });
});

describe('temporal_ordered', () => {
  const ORDERED = `title: Failure then login
id: failure-then-login
correlation: {type: temporal_ordered, rules: [failed, success], group-by: [source.ip], timespan: 1m}
`;

  it('fires only when the rules match in the listed order', () => {
    const inOrder = setup(ORDERED);
    run(inOrder.engine, [sshd(0), sshd(30, { outcome: 'success' })]);
    expect(inOrder.hits).toHaveLength(1);
    const reversed = setup(ORDERED);
    run(reversed.engine, [sshd(0, { outcome: 'success' }), sshd(30)]);
    expect(reversed.hits).toHaveLength(0);
    const tooLate = setup(ORDERED);
    run(tooLate.engine, [sshd(0), sshd(60.5, { outcome: 'success' })]);
    expect(tooLate.hits).toHaveLength(0);
  });

  it('orders by event time, not arrival', () => {
    const { engine, hits } = setup(ORDERED);
    run(engine, [sshd(30, { outcome: 'success' }), sshd(10)]);
    expect(hits).toHaveLength(1);
    expect(hits[0]!.firstTime).toBe(T0 + 10_000);
  });

  it('chains correlations: a brute force followed by a login carries the failures and the login', () => {
    const { engine, hits } = setup(`${EVENT_COUNT}name: three_failures
---
title: Login after brute force
id: login-after-brute-force
correlation: {type: temporal_ordered, rules: [three_failures, success], group-by: [source.ip], timespan: 5m}
`);
    const failures = [sshd(0), sshd(10), sshd(20), sshd(25)];
    const login = sshd(90, { outcome: 'success', user: 'deploy' });
    run(engine, [...failures, sshd(40, { outcome: 'success', ip: '192.0.2.200' }), login]);
    const outer = hits.filter((hit) => hit.rule.id === 'login-after-brute-force');
    expect(outer).toHaveLength(1);
    expect(outer[0]!.eventIds).toEqual([...failures, login].map((event) => event.event!.id));
    expect(outer[0]!).toMatchObject({ eventCount: 5, firstTime: T0, time: T0 + 90_000, group: { 'source.ip': '203.0.113.7' } });
  });
});
