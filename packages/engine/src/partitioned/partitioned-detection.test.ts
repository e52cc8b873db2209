import { partitionForKey, type OutgoingMessage } from '@vigil/bus';
import type { Alert } from '@vigil/schema';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DetectionEngine, type RuleStates } from '../alerts/detection-engine.ts';
import { BUILTIN_RULES_DIR } from '../detection-setup.ts';
import { loadRules } from '../sigma/loader.ts';
import type { Ruleset } from '../sigma/ruleset.ts';
import type { EventEnricher } from '../enrich/event-enricher.ts';
import { startTestEnrichment, stixBundleOf } from '../enrich/test-enrichment.ts';
import { splitHitBundle } from './hit-record.ts';
import { PartitionedDetection } from './partitioned-detection.ts';
import { HOSTS, T0, alertSummary as summary, sshdAttackTraffic as traffic } from './test-fixtures.ts';

const HIT_PARTITIONS = 4;
const CREATED_AT = Date.parse('2026-11-24T12:00:00Z');
/**
 * Engine instances on a simulated bus: each instance matches the events of the hosts it is
 * given (stage one) and owns some partitions of the hits topic (stage two). Rounds of small
 * batches run until no hit is left in flight; returns every alert's last document.
 */
function run(
  ruleset: Ruleset,
  instances: { hosts: number[]; partitions: number[] }[],
  batchSize: number,
  restartAt?: number,
  options: { ruleStates?: RuleStates; enricher?: EventEnricher } = {},
): Map<string, Alert> {
  const engines = instances.map(() => new PartitionedDetection(ruleset, { clock: () => CREATED_AT, ...options }));
  const queues: string[][] = Array.from({ length: HIT_PARTITIONS }, () => []);
  const publish = (messages: OutgoingMessage[]) => {
    for (const message of messages) queues[partitionForKey(Buffer.from(message.key as string), HIT_PARTITIONS)]!.push(message.value as string);
  };
  const alerts = new Map<string, Alert>();
  const drain = () => {
    while (queues.some((queue) => queue.length > 0)) {
      instances.forEach(({ partitions }, index) => {
        for (const partition of partitions) {
          const values = queues[partition]!.splice(0);
          if (values.length === 0) continue;
          const applied = engines[index]!.apply(partition, values.flatMap(splitHitBundle));
          expect(applied.rejected).toEqual([]);
          for (const { alert } of applied.alerts) alerts.set(alert.id, alert);
          publish(applied.forward);
        }
      });
    }
  };
  // Edges stream in real time: each round hands over every host's next minute of events, in batches.
  const events = traffic();
  const cursors = HOSTS.map(() => 0);
  for (let until = T0 + 60_000; cursors.some((cursor, host) => cursor < events[host]!.length); until += 60_000) {
    instances.forEach(({ hosts }, index) => {
      for (const host of hosts) {
        const start = cursors[host]!;
        while (cursors[host]! < events[host]!.length && Date.parse(events[host]![cursors[host]!]!['@timestamp']!) < until) cursors[host]!++;
        for (let from = start; from < cursors[host]!; from += batchSize) {
          const batch = events[host]!.slice(from, Math.min(from + batchSize, cursors[host]!));
          publish(engines[index]!.match(batch.map((event) => JSON.stringify(event)), () => expect.fail('valid events')));
        }
      }
    });
    drain();
    if (until === restartAt) {
      // Every instance stops and a new one continues from the snapshots of the partitions it owned.
      instances.forEach(({ partitions }, index) => {
        const restarted = new PartitionedDetection(ruleset, { clock: () => CREATED_AT });
        for (const partition of partitions) restarted.restore(partition, JSON.parse(JSON.stringify(engines[index]!.snapshot(partition))));
        engines[index] = restarted;
      });
    }
  }
  return alerts;
}

describe('partitioned detection', () => {
  let ruleset: Ruleset;
  beforeAll(async () => {
    ruleset = await loadRules(BUILTIN_RULES_DIR);
  });

  it('raises the correlations whose events are spread over edges, with the same alerts on one instance and on two', () => {
    const oneAlerts = run(ruleset, [{ hosts: [0, 1, 2, 3], partitions: [0, 1, 2, 3] }], 4);
    // Each alert shows an event of its own group (the event a hit carries is the hit's).
    for (const alert of oneAlerts.values()) {
      const group = alert.vigil.alert.group;
      if (group['source.ip'] !== undefined) expect(alert.source?.ip).toBe(group['source.ip']);
      if (group['host.hostname'] !== undefined) expect(alert.host?.hostname).toBe(group['host.hostname']);
    }
    const one = summary(oneAlerts);
    const two = summary(run(ruleset, [{ hosts: [0, 1], partitions: [0, 2] }, { hosts: [2, 3], partitions: [1, 3] }], 3));
    expect(two).toEqual(one);
    const rules = one.map((alert) => alert.rule);
    // Each host saw four failures of the first wave: only the whole stream crosses the threshold of ten.
    expect(rules.filter((rule) => rule === 'SSH brute force')).toHaveLength(2);
    expect(rules).toContain('SSH login after brute force');
    expect(rules).toContain('SSH non-existent account tried from many addresses');

    // Without re-keying, an engine that sees half the hosts sees half of each wave: no brute force.
    for (const hosts of [[0, 1], [2, 3]]) {
      const alone = new DetectionEngine(ruleset, { clock: () => CREATED_AT });
      const alerts = alone.processTexts(hosts.flatMap((host) => traffic()[host]!.map((event) => JSON.stringify(event))), () => expect.fail('valid events'));
      expect(alerts.filter((alert) => alert.rule.name === 'SSH brute force')).toEqual([]);
    }
  });

  it("enriches an event where it raises an alert, and a correlation's last event where the correlation fires, the same on one instance and on two", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'vigil-partitioned-enrich-'));
    const assetsCsv = `host,name,owner,criticality\n${HOSTS.map((host) => `${host},${host} server,ops@example.com,critical`).join('\n')}\n`;
    const { enricher, stop } = await startTestEnrichment(dir, { stix: stixBundleOf('198.51.100.9', 85), assetsCsv });
    try {
      const enrich = vi.spyOn(enricher, 'enrich');
      const oneAlerts = run(ruleset, [{ hosts: [0, 1, 2, 3], partitions: [0, 1, 2, 3] }], 4, undefined, { enricher });
      const bruteForce = [...oneAlerts.values()].filter((alert) => alert.rule.name === 'SSH brute force');
      expect(bruteForce).toHaveLength(2);
      for (const alert of bruteForce) {
        expect(alert.source?.geo).toEqual(expect.objectContaining({ city_name: 'Frankfurt am Main', country_iso_code: 'DE' }));
        expect(alert.threat?.enrichments).toEqual([expect.objectContaining({ indicator: expect.objectContaining({ ip: '198.51.100.9', provider: 'honeypots' }) })]);
        expect(alert.vigil.alert.asset).toEqual(expect.objectContaining({ owner: 'ops@example.com', criticality: 'critical' }));
      }
      // Every alert about the attacker lists the indicator: the correlations' and the single-event rules' (its login).
      const aboutAttacker = [...oneAlerts.values()].filter((alert) => alert.source?.ip === '198.51.100.9');
      expect(aboutAttacker.filter((alert) => alert.rule.type === 'sigma').length).toBeGreaterThan(0);
      for (const alert of aboutAttacker) {
        expect(alert.threat?.enrichments?.[0]?.indicator?.ip).toBe('198.51.100.9');
        expect(alert.source?.geo?.city_name).toBe('Frankfurt am Main');
        expect(alert.vigil.alert.asset?.criticality).toBe('critical');
      }
      // The critical asset and the indicator weigh in: the same alerts without enrichment score lower.
      const plain = [...run(ruleset, [{ hosts: [0, 1, 2, 3], partitions: [0, 1, 2, 3] }], 4).values()].filter((alert) => alert.rule.name === 'SSH brute force');
      expect(plain.map((alert) => alert.id).sort()).toEqual(bruteForce.map((alert) => alert.id).sort());
      for (const alert of bruteForce) expect(alert.event.risk_score).toBeGreaterThan(plain.find((other) => other.id === alert.id)!.event.risk_score!);
      // The 28 failed logins of the two waves only feed the correlation: one is enriched only when it makes the correlation fire.
      const failures = traffic().flat().filter((event) => event.source?.ip === '198.51.100.9' && event.event?.outcome === 'failure').length;
      const attackerEnriched = enrich.mock.calls.filter(([event]) => event.source?.ip === '198.51.100.9').length;
      expect(attackerEnriched).toBeGreaterThan(0);
      expect(attackerEnriched).toBeLessThan(failures / 2);

      const enrichedOf = (alerts: Map<string, Alert>) => [...alerts.values()].map((alert) => ({ id: alert.id, geo: alert.source?.geo, threat: alert.threat?.enrichments?.map(({ indicator, matched }) => ({ indicator, atomic: matched?.atomic, field: matched?.field })), asset: alert.vigil.alert.asset, risk: alert.event.risk_score })).sort((a, b) => a.id.localeCompare(b.id));
      const twoAlerts = run(ruleset, [{ hosts: [0, 1], partitions: [0, 2] }, { hosts: [2, 3], partitions: [1, 3] }], 3, undefined, { enricher });
      expect(summary(twoAlerts)).toEqual(summary(oneAlerts));
      expect(enrichedOf(twoAlerts)).toEqual(enrichedOf(oneAlerts));
    } finally {
      await stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('continues open windows and alerts from partition snapshots when the instances restart in the middle of an attack', () => {
    const uninterrupted = summary(run(ruleset, [{ hosts: [0, 1, 2, 3], partitions: [0, 1, 2, 3] }], 5));
    // Three minutes in: the first wave has sent about half its failures.
    const restarted = summary(run(ruleset, [{ hosts: [0, 1], partitions: [0, 2] }, { hosts: [2, 3], partitions: [1, 3] }], 5, T0 + 180_000));
    expect(restarted).toEqual(uninterrupted);
    const waves = restarted.filter((alert) => alert.rule === 'SSH brute force');
    expect(waves.map(({ first, count }) => ({ first, count })).sort((a, b) => a.first.localeCompare(b.first))).toEqual([
      { first: new Date(T0 + 10_000).toISOString(), count: 16 },
      { first: new Date(T0 + 86_400_000).toISOString(), count: 12 },
    ]);
  });

  it('leaves out rules analysts turned off: a disabled correlation raises nothing, a disabled input feeds nothing, and the rest is untouched', () => {
    const everything = summary(run(ruleset, [{ hosts: [0, 1, 2, 3], partitions: [0, 1, 2, 3] }], 5));
    const idOf = (name: string) => ruleset.rules.find((rule) => rule.name === name)!.id;
    const without = (names: string[]) => summary(run(ruleset, [{ hosts: [0, 1, 2, 3], partitions: [0, 1, 2, 3] }], 5, undefined, { ruleStates: { disabled: new Set(names.map(idOf)) } }));

    const noBruteForce = without(['ssh_brute_force']);
    expect(noBruteForce.filter((alert) => alert.rule === 'SSH brute force')).toEqual([]);
    // What the disabled correlation did not raise, nothing reading it could raise either; everything else is as before.
    expect(noBruteForce.filter((alert) => alert.rule === 'SSH login after brute force')).toEqual([]);
    const unrelated = (alerts: typeof everything) => alerts.filter((alert) => !['SSH brute force', 'SSH login after brute force'].includes(alert.rule));
    expect(unrelated(noBruteForce)).toEqual(unrelated(everything));

    // Turning off the failed-login building block starves the correlations that read it.
    expect(without(['ssh_failed_login']).filter((alert) => alert.rule === 'SSH brute force')).toEqual([]);
  });
});
