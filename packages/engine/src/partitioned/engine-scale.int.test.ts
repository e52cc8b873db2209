import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafkaBus, type Bus } from '@vigil/bus';
import { fastTestConfig, requireBrokers, uniqueName, waitFor } from '@vigil/bus/kafka-testing';
import { BatchSigner, BatchVerifier, createCertificateAuthority, generateRsaKeyPair, issueEdgeCertificate } from '@vigil/provenance';
import { Metrics, silentLogger, type Component } from '@vigil/runtime';
import { TOPICS, type Alert, type EcsEvent } from '@vigil/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engineConfigSchema } from '../config.ts';
import { BUILTIN_RULES_DIR } from '../detection-setup.ts';
import { createEngine } from '../engine.ts';
import { loadRules } from '../sigma/loader.ts';
import type { Ruleset } from '../sigma/ruleset.ts';
import { PartitionedDetection } from './partitioned-detection.ts';
import { HOSTS, T0, alertSummary, sshdAttackTraffic, type AlertSummary } from './test-fixtures.ts';

const CREATED_AT = Date.parse('2026-11-24T12:00:00Z');
/** Events are published in slices of this much event time, each matched before the next is sent, as edges stream in real time. */
const SLICE_MS = 120_000;

const ca = createCertificateAuthority();
const signers = new Map(
  HOSTS.map((edgeId) => {
    const keys = generateRsaKeyPair();
    return [edgeId, new BatchSigner({ edgeId, privateKeyPem: keys.privateKeyPem, certificatePem: issueEdgeCertificate(ca, { edgeId, publicKeyPem: keys.publicKeyPem }) })];
  }),
);

/** A set of topics and groups of its own, as if on a cluster of its own. */
interface Deployment {
  topics: { events: string; alerts: string; hits: string };
  groupId: string;
  hitsGroupId: string;
  stateRoot: string;
}

/** One engine instance: its own bus client, metrics and data directory, as a process would have. */
interface Instance {
  bus: Bus;
  engine: Component;
  metrics: Metrics;
}

describe('engine instances on Kafka', () => {
  let brokers: string[];
  let admin: Bus;
  let ruleset: Ruleset;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    brokers = requireBrokers();
    admin = await createKafkaBus(fastTestConfig(brokers));
    ruleset = await loadRules(BUILTIN_RULES_DIR);
    await admin.ensureTopics([{ name: TOPICS.dlq, partitions: 1, replicationFactor: 1 }]);
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await admin.close();
  });

  async function deployment(name: string): Promise<Deployment> {
    const topics = { events: uniqueName(`${name}-events`), alerts: uniqueName(`${name}-alerts`), hits: uniqueName(`${name}-hits`) };
    await admin.ensureTopics([
      { name: topics.events, partitions: 4, replicationFactor: 1 },
      { name: topics.hits, partitions: 4, replicationFactor: 1 },
      { name: topics.alerts, partitions: 1, replicationFactor: 1 },
    ]);
    const stateRoot = mkdtempSync(join(tmpdir(), 'vigil-engine-scale-'));
    cleanups.push(() => rmSync(stateRoot, { recursive: true, force: true }));
    return { topics, groupId: uniqueName(`${name}-engine`), hitsGroupId: uniqueName(`${name}-hits`), stateRoot };
  }

  async function startInstance(at: Deployment, name: string, checkpointIntervalMs: number): Promise<Instance> {
    const bus = await createKafkaBus(fastTestConfig(brokers, { clientId: `engine-${name}` }));
    const metrics = new Metrics({ defaultMetrics: false });
    const config = engineConfigSchema.parse({ groupId: at.groupId, hitsGroupId: at.hitsGroupId, checkpointIntervalMs, maxBatchMessages: 10 });
    const engine = createEngine(config, {
      bus,
      producer: bus.createProducer(),
      verifier: new BatchVerifier({ caCertificatePem: ca.certificatePem }),
      detection: new PartitionedDetection(ruleset, { ...config.detection, clock: () => CREATED_AT }),
      stateDir: join(at.stateRoot, name),
      topics: at.topics,
      metrics,
      logger: silentLogger(),
    });
    await engine.start();
    return { bus, engine, metrics };
  }

  async function stopInstance(instance: Instance): Promise<void> {
    await instance.engine.stop();
    await instance.bus.close();
  }

  /** Every alert's latest document on the deployment's alerts topic, as it arrives. */
  async function watchAlerts(at: Deployment): Promise<Map<string, Alert>> {
    const alerts = new Map<string, Alert>();
    const consumer = admin.createConsumer({ groupId: uniqueName('alert-watch'), topics: [at.topics.alerts] });
    cleanups.push(() => consumer.stop());
    await consumer.run(async (batch) => {
      for (const message of batch.messages) {
        const alert = JSON.parse(message.value.toString('utf8')) as Alert;
        alerts.set(alert.id, alert);
      }
    });
    return alerts;
  }

  /** Signs and publishes events of several edges, keyed by edge as edges do, in slices of event time; each slice is matched before the next goes. */
  async function publish(at: Deployment, perHost: readonly (readonly EcsEvent[])[], sequences: Map<string, bigint>): Promise<void> {
    const producer = admin.createProducer();
    const lag = admin.createConsumer({ groupId: at.groupId, topics: [at.topics.events] });
    const cursors = perHost.map(() => 0);
    const timeOf = (event: EcsEvent) => Date.parse(event['@timestamp']!);
    const start = Math.min(...perHost.filter((events) => events.length > 0).map((events) => timeOf(events[0]!)));
    for (let until = start + SLICE_MS; cursors.some((cursor, host) => cursor < perHost[host]!.length); until += SLICE_MS) {
      const messages = [];
      for (const [host, events] of perHost.entries()) {
        const edgeId = HOSTS[host]!;
        const slice: EcsEvent[] = [];
        while (cursors[host]! < events.length && timeOf(events[cursors[host]!]!) < until) slice.push(events[cursors[host]!++]!);
        for (let from = 0; from < slice.length; from += 5) {
          const sequence = (sequences.get(edgeId) ?? 0n) + 1n;
          sequences.set(edgeId, sequence);
          const batch = { edgeId, bootId: 'boot-1', sequence, sentAtMs: until, events: slice.slice(from, from + 5).map((event) => Buffer.from(JSON.stringify(event))) };
          messages.push({ key: edgeId, value: signers.get(edgeId)!.sign(batch) });
        }
      }
      if (messages.length === 0) continue;
      await producer.send(at.topics.events, messages);
      await waitFor(async () => (await lag.lag())[at.topics.events] === 0, `slice until ${new Date(until).toISOString()} matched`, 60_000);
    }
    await producer.close();
  }

  /** Waits until the alerts have not changed for a while (stage two has applied every hit). */
  async function settled(alerts: Map<string, Alert>, quietMs = 3_000): Promise<AlertSummary[]> {
    let last = JSON.stringify(alertSummary(alerts));
    let since = Date.now();
    await waitFor(
      () => {
        const now = JSON.stringify(alertSummary(alerts));
        if (now !== last) {
          last = now;
          since = Date.now();
        }
        return Date.now() - since >= quietMs;
      },
      'the alerts to settle',
      120_000,
    );
    return alertSummary(alerts);
  }

  async function hitsApplied(instance: Instance): Promise<number> {
    const metric = await instance.metrics.registry.getSingleMetric('vigil_engine_hits_applied_total')?.get();
    return metric?.values.reduce((sum, { value }) => sum + value, 0) ?? 0;
  }

  it('two engine instances raise exactly the alerts one raises, correlations spread over edges included', async () => {
    // Everything but the next day's wave: an hour of traffic.
    const traffic = sshdAttackTraffic().map((events) => events.filter((event) => Date.parse(event['@timestamp']!) < T0 + 7_200_000));

    const single = await deployment('one');
    const singleAlerts = await watchAlerts(single);
    const one = await startInstance(single, 'a', 1_000);
    await publish(single, traffic, new Map());
    const expected = await settled(singleAlerts);
    await stopInstance(one);

    const pair = await deployment('two');
    const pairAlerts = await watchAlerts(pair);
    const first = await startInstance(pair, 'a', 1_000);
    const second = await startInstance(pair, 'b', 1_000);
    await publish(pair, traffic, new Map());
    const actual = await settled(pairAlerts);
    // Both instances took part in both stages.
    expect(await hitsApplied(first)).toBeGreaterThan(0);
    expect(await hitsApplied(second)).toBeGreaterThan(0);
    await Promise.all([stopInstance(first), stopInstance(second)]);

    expect(actual).toEqual(expected);
    const rules = expected.map((alert) => alert.rule);
    expect(rules).toContain('SSH brute force');
    expect(rules).toContain('SSH login after brute force');
    expect(rules).toContain('SSH non-existent account tried from many addresses');
  });

  it('an engine that crashes and one that restarts in the middle of a correlation window still raise the alert, with every event', async () => {
    const at = await deployment('restart');
    const alerts = await watchAlerts(at);
    const sequences = new Map<string, bigint>();
    // Twelve failures from one address over four hosts, 20 s apart: the threshold is ten within five minutes.
    const failures = HOSTS.map(() => [] as EcsEvent[]);
    for (let i = 0; i < 12; i++) {
      const time = new Date(T0 + i * 20_000).toISOString();
      failures[i % 4]!.push({
        '@timestamp': time,
        message: `Failed password for root from 198.51.100.77 port ${50_000 + i} ssh2`,
        event: { id: `fail-${i}`, kind: 'event', category: ['authentication'], action: 'ssh_login', outcome: 'failure', created: time },
        host: { hostname: HOSTS[i % 4]! },
        process: { name: 'sshd', pid: 4000 + i },
        source: { ip: '198.51.100.77', port: 50_000 + i },
        user: { name: 'root' },
      });
    }
    const firstHalf = failures.map((events) => events.filter((event) => Number(event.event!.id!.slice(5)) < 6));
    const secondHalf = failures.map((events) => events.filter((event) => Number(event.event!.id!.slice(5)) >= 6));

    // No periodic checkpoint within the test: the crash loses the in-memory windows entirely.
    const crashed = await startInstance(at, 'engine', 600_000);
    await publish(at, firstHalf, sequences);
    await waitFor(async () => (await hitsApplied(crashed)) >= 6, 'the first six failures in the correlation window', 60_000);
    await crashed.bus.close();

    // The next start finds no checkpoint and replays the hits topic from the last commit (none).
    const replaying = await startInstance(at, 'engine', 600_000);
    await waitFor(async () => (await hitsApplied(replaying)) >= 6, 'the six failures replayed', 60_000);
    expect([...alerts.values()].filter((alert) => alert.rule.name === 'SSH brute force')).toEqual([]);
    // A clean stop checkpoints the window with the offset it covers.
    await stopInstance(replaying);

    const restarted = await startInstance(at, 'engine', 600_000);
    await publish(at, secondHalf, sequences);
    await waitFor(() => [...alerts.values()].some((alert) => alert.rule.name === 'SSH brute force'), 'the brute-force alert', 60_000);
    await settled(alerts);
    await stopInstance(restarted);
    // One alert with each failure once: nothing lost in the crash, nothing applied twice after the checkpoint.
    const bruteForce = [...alerts.values()].find((alert) => alert.rule.name === 'SSH brute force')!;
    expect([...alerts.values()].filter((alert) => alert.rule.name === 'SSH brute force')).toHaveLength(1);
    expect(bruteForce.vigil.alert.count).toBe(12);
    expect(bruteForce.vigil.alert.first_seen).toBe(new Date(T0).toISOString());
    expect([...bruteForce.vigil.alert.event_ids].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `fail-${i}`).sort());
  });
});

