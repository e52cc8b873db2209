import { Metrics } from '@vigil/runtime';
import { MAX_ALERT_EVENT_IDS, SEVERITY_SCORE, alertSchema, type Alert, type EcsEvent } from '@vigil/schema';
import { describe, expect, it } from 'vitest';
import { NotAnEventError } from '../sigma/event-context.ts';
import { detectionErrors } from '../sigma/errors.ts';
import { parseRuleSources } from '../sigma/loader.ts';
import { DetectionEngine, type DetectionEngineOptions } from './detection-engine.ts';

const RULES = `title: Failed SSH login
id: 5638f7c0-ac70-491d-8465-2a65075e0d86
name: failed_login
logsource: {product: linux, service: sshd}
detection: {sel: {process.name: sshd, event.action: ssh_login, event.outcome: failure}, condition: sel}
---
title: SSH brute force
id: 0e95725d-7320-415d-80f7-004da920fc11
description: Three or more failed logins from one address within a minute.
references: [https://attack.mitre.org/techniques/T1110/001/]
tags: [attack.credential_access, attack.t1110, attack.t1110.001]
level: high
correlation: {type: event_count, rules: [failed_login], group-by: [source.ip], timespan: 1m, condition: {gte: 3}}
vigil:
  message: 'SSH brute force from {source.ip}: {count} failed logins in {duration}'
---
title: Possible break-in attempt
id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8
tags: [attack.initial_access, attack.t1133]
level: low
logsource: {product: linux, service: sshd}
detection:
  keywords: ['POSSIBLE BREAK-IN ATTEMPT']
  condition: keywords
vigil:
  group-by: [source.ip]
`;

const CREATED_AT = Date.parse('2026-11-24T12:00:00Z');

function engine(options: DetectionEngineOptions = {}): DetectionEngine {
  const { ruleset, problems } = parseRuleSources([{ file: 'rules.yml', text: RULES }]);
  expect(problems).toEqual([]);
  return new DetectionEngine(ruleset, { clock: () => CREATED_AT, ...options });
}

const T0 = Date.parse('2026-11-20T03:14:00Z');

function failure(seconds: number, id: string, ip = '203.0.113.7'): EcsEvent {
  const at = new Date(T0 + seconds * 1000).toISOString();
  return {
    '@timestamp': at,
    message: `Failed password for root from ${ip} port 52814 ssh2`,
    event: { id, kind: 'event', category: ['authentication'], action: 'ssh_login', outcome: 'failure', created: at },
    process: { name: 'sshd', pid: 24012 },
    source: { ip, port: 52814 },
    user: { name: 'root' },
  };
}

function breakIn(seconds: number, id: string, ip: string): EcsEvent {
  const at = new Date(T0 + seconds * 1000).toISOString();
  return {
    '@timestamp': at,
    message: `reverse mapping checking getaddrinfo for scan.example.net [${ip}] failed - POSSIBLE BREAK-IN ATTEMPT!`,
    event: { id, kind: 'event', action: 'ssh_reverse_mapping_failed', created: at },
    process: { name: 'sshd', pid: 15501 },
    source: { ip },
  };
}

const processAll = (detection: DetectionEngine, events: EcsEvent[]): Alert[] => events.flatMap((event) => detection.process(event));
const failures = (from: number, count: number, prefix: string, ip?: string) => Array.from({ length: count }, (_, i) => failure(from + i * 10, `${prefix}-${i + 1}`, ip));

describe('alert documents', () => {
  it('describes the rule, severity, ATT&CK techniques, group and triggering events', () => {
    const [alert] = processAll(engine(), failures(0, 3, 'bf'));
    expect(alertSchema.parse(alert)).toEqual(alert);
    expect(alert).toEqual({
      id: expect.stringMatching(/^[\w-]{20}$/),
      '@timestamp': '2026-11-20T03:14:00.000Z',
      message: 'SSH brute force from 203.0.113.7: 3 failed logins in 20s',
      event: { kind: 'alert', severity: SEVERITY_SCORE.high, risk_score: SEVERITY_SCORE.high, created: '2026-11-24T12:00:00.000Z' },
      rule: {
        id: '0e95725d-7320-415d-80f7-004da920fc11',
        name: 'SSH brute force',
        description: 'Three or more failed logins from one address within a minute.',
        reference: 'https://attack.mitre.org/techniques/T1110/001/',
        tags: ['attack.credential_access', 'attack.t1110', 'attack.t1110.001'],
        type: 'sigma_event_count',
      },
      threat: { framework: 'MITRE ATT&CK', tactic: { id: ['TA0006'], name: ['Credential Access'] }, technique: { id: ['T1110', 'T1110.001'] } },
      source: { ip: '203.0.113.7', port: 52814 },
      vigil: {
        alert: {
          severity: 'high',
          status: 'open',
          assignee: null,
          dedup_key: '0e95725d-7320-415d-80f7-004da920fc11|source.ip=203.0.113.7',
          group: { 'source.ip': '203.0.113.7' },
          count: 3,
          first_seen: '2026-11-20T03:14:00.000Z',
          last_seen: '2026-11-20T03:14:20.000Z',
          event_ids: ['bf-1', 'bf-2', 'bf-3'],
          comments: [],
          history: [],
        },
      },
    });
  });

  it('raises no alert for a base rule that only feeds a correlation', () => {
    expect(processAll(engine(), failures(0, 2, 'quiet'))).toEqual([]);
  });

  it('groups single-event alerts by the rule\u2019s vigil.group-by fields and summarises them', () => {
    const alerts = processAll(engine(), [breakIn(0, 'b1', '203.0.113.50'), breakIn(5, 'b2', '192.0.2.61'), breakIn(9, 'b3', '203.0.113.50')]);
    expect(alerts.map((alert) => alertSchema.parse(alert).message)).toEqual([
      'Possible break-in attempt (source.ip=203.0.113.50)',
      'Possible break-in attempt (source.ip=192.0.2.61)',
      'Possible break-in attempt (source.ip=203.0.113.50): 2 events',
    ]);
    expect(alerts[2]!.id).toBe(alerts[0]!.id);
    expect(alerts[0]!.threat).toEqual({ framework: 'MITRE ATT&CK', tactic: { id: ['TA0001'], name: ['Initial Access'] }, technique: { id: ['T1133'] } });
    expect(alerts[0]!.rule.type).toBe('sigma');
  });
});

describe('dedup', () => {
  it('an ongoing attack updates one alert: same id, more events, higher count, later last_seen', () => {
    const alerts = processAll(engine(), failures(0, 6, 'bf'));
    expect(alerts).toHaveLength(4);
    expect(new Set(alerts.map((alert) => alert.id)).size).toBe(1);
    expect(alerts.map((alert) => alert.vigil.alert.count)).toEqual([3, 4, 5, 6]);
    const last = alerts[3]!.vigil.alert;
    expect(last.event_ids).toEqual(['bf-1', 'bf-2', 'bf-3', 'bf-4', 'bf-5', 'bf-6']);
    expect([last.first_seen, last.last_seen]).toEqual(['2026-11-20T03:14:00.000Z', '2026-11-20T03:14:50.000Z']);
    expect(alerts[3]!.message).toBe('SSH brute force from 203.0.113.7: 6 failed logins in 50s');
  });

  it('a hit after the dedup window starts a new alert; one within it updates the old one', () => {
    const detection = engine({ dedupWindowMs: 600_000 });
    const first = processAll(detection, failures(0, 3, 'a'));
    const within = processAll(detection, failures(20 + 590, 3, 'b'));
    const after = processAll(detection, failures(640 + 601, 3, 'c'));
    expect(within.at(-1)!.id).toBe(first[0]!.id);
    expect(within.at(-1)!.vigil.alert.count).toBe(6);
    expect(after[0]!.id).not.toBe(first[0]!.id);
    expect(after[0]!.vigil.alert.count).toBe(3);
  });

  it('gives the same alert ids when the same input is processed again', () => {
    const events = [...failures(0, 4, 'x'), ...failures(5, 3, 'y', '198.51.100.4')];
    const ids = (detection: DetectionEngine) => processAll(detection, events).map((alert) => alert.id);
    expect(ids(engine())).toEqual(ids(engine({ clock: () => 0 })));
    // An attack that starts at another time is another alert.
    const shifted = processAll(engine(), failures(20, 3, 'x'));
    expect(shifted[0]!.id).not.toBe(ids(engine())[0]);
  });

  it('raises the same alerts from JSON text as from parsed events', () => {
    const events = [...failures(0, 4, 'x'), breakIn(3, 'b1', '198.51.100.9'), { message: 'unrelated' } as EcsEvent, ...failures(5, 3, 'y', '198.51.100.4')];
    const fromObjects = processAll(engine(), events);
    const fromText = engine();
    const textAlerts = events.flatMap((event) => fromText.processText(JSON.stringify(event, null, events.indexOf(event) % 2 === 0 ? 0 : 2)));
    expect(textAlerts).toEqual(fromObjects);
    expect(fromObjects.length).toBeGreaterThan(2);
  });

  it('writes each alert a batch changed once, in its state after the batch, and hands invalid texts back', () => {
    const changes: string[] = [];
    const detection = engine({ onAlert: (alert, change) => changes.push(`${change} ${alert.vigil.alert.count}`) });
    const texts = [...failures(0, 6, 'batch').map((event) => JSON.stringify(event)), 'not json', JSON.stringify(breakIn(30, 'b-9', '198.51.100.9'))];
    const invalid: number[] = [];
    const alerts = detection.processTexts(texts, (index) => invalid.push(index));
    expect(invalid).toEqual([6]);
    expect(alerts.map((alert) => [alert.rule.name, alert.vigil.alert.count])).toEqual([
      ['SSH brute force', 6],
      ['Possible break-in attempt', 1],
    ]);
    expect(changes).toEqual(['created 6', 'created 1']);
    const next = detection.processTexts([JSON.stringify(failure(40, 'batch-7'))], () => undefined);
    expect(next.map((alert) => alert.vigil.alert.count)).toEqual([7]);
    expect(changes.at(-1)).toBe('updated 7');
  });

  it('refuses text that is not a JSON object, having recorded nothing of it', () => {
    const detection = engine();
    for (const text of ['', 'not json', '[1,2]', '"x"', 'null', '{"message":"POSSIBLE BREAK-IN ATTEMPT", "source":{"ip":"198.51.100.9"},}']) {
      expect(() => detection.processText(text), text).toThrow(NotAnEventError);
    }
    expect(detection.stats().alertsCreated).toBe(0);
    expect(detection.stats().ruleErrors).toBe(0);
  });

  it('keeps at most MAX_ALERT_EVENT_IDS event ids while the count keeps counting', () => {
    const detection = engine();
    const events = Array.from({ length: MAX_ALERT_EVENT_IDS + 20 }, (_, i) => breakIn(i, `flood-${i}`, '203.0.113.66'));
    const last = processAll(detection, events).at(-1)!;
    expect(last.vigil.alert.count).toBe(MAX_ALERT_EVENT_IDS + 20);
    expect(last.vigil.alert.event_ids).toHaveLength(MAX_ALERT_EVENT_IDS);
    expect(alertSchema.safeParse(last).success).toBe(true);
  });
});

describe('snapshot and restore', () => {
  it('continues an open window and the same alert after a restart', () => {
    const events = failures(0, 5, 'bf');
    const uninterrupted = processAll(engine(), events);

    const before = engine();
    processAll(before, events.slice(0, 2));
    const saved = JSON.parse(JSON.stringify(before.snapshot()));
    const after = engine();
    after.restore(saved);
    const resumed = processAll(after, events.slice(2, 4));

    const again = engine();
    again.restore(JSON.parse(JSON.stringify(after.snapshot())));
    resumed.push(...processAll(again, events.slice(4)));
    expect(resumed).toEqual(uninterrupted);
  });

  it('refuses a corrupt snapshot and keeps its state', () => {
    const detection = engine();
    processAll(detection, failures(0, 2, 'keep'));
    const good = detection.snapshot();
    const broken = { ...good, correlations: [{ rule: 'x', groups: [{ key: 'k', values: {}, touched: 0, entries: [[1, 'not-a-number']] }] }] };
    for (const bad of [broken, { version: 2 }, 'not json at all']) {
      let caught: unknown;
      try {
        detection.restore(bad);
      } catch (error) {
        caught = error;
      }
      expect(detectionErrors.is(caught, 'VIGIL_ERR_DETECTION_SNAPSHOT_INVALID')).toBe(true);
    }
    expect(processAll(detection, failures(20, 1, 'keep-3'))).toHaveLength(1);
  });

  it('skips state of correlations the current rules no longer have', () => {
    const detection = engine();
    processAll(detection, failures(0, 2, 'gone'));
    const snapshot = detection.snapshot();
    snapshot.correlations[0]!.rule = 'a-removed-rule';
    expect(engine().restore(snapshot)).toEqual({ skippedGroups: 1 });
  });
});

describe('robustness and metrics', () => {
  it('never throws on hostile input: a failing rule is counted and skipped', () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const detection = engine({ metrics });
    const hostile = new Proxy({ message: 'POSSIBLE BREAK-IN ATTEMPT' }, {
      get: () => {
        throw new Error('boom');
      },
    });
    expect(detection.process(hostile as EcsEvent)).toEqual([]);
    expect(detection.process(null as unknown as EcsEvent)).toEqual([]);
    expect(detection.process({ message: ['not', { a: 'string' }], process: { name: 42 }, source: null } as unknown as EcsEvent)).toEqual([]);
    expect(detection.stats().ruleErrors).toBeGreaterThan(0);
    expect(processAll(detection, failures(0, 3, 'after'))).toHaveLength(1);
  });

  it('counts hits, alerts and dropped correlation state in Prometheus metrics', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const detection = engine({ metrics, maxGroupsPerCorrelation: 1 });
    processAll(detection, [...failures(0, 4, 'm'), failure(50, 'n-1', '198.51.100.9')]);
    const { body } = await metrics.render();
    expect(body).toContain('vigil_engine_rule_hits_total{rule="5638f7c0-ac70-491d-8465-2a65075e0d86",kind="detection"} 5');
    expect(body).toContain('vigil_engine_alerts_total{action="created"} 1');
    expect(body).toContain('vigil_engine_alerts_total{action="updated"} 1');
    expect(body).toContain('vigil_engine_correlation_drops_total{reason="group_evicted"} 1');
  });

  it('rejects unknown options at construction', () => {
    const { ruleset } = parseRuleSources([{ file: 'rules.yml', text: RULES }]);
    expect(() => new DetectionEngine(ruleset, { dedupWindow: 5 } as DetectionEngineOptions)).toThrow(/dedupWindow/);
  });
});
