import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { partitionForKey, type BusMessage, type BusProducer, type OutgoingMessage } from '@vigil/bus';
import { Metrics, silentLogger } from '@vigil/runtime';
import { TOPICS, type Alert, type EcsEvent } from '@vigil/schema';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EngineStateFiles } from '../engine-state.ts';
import { parseRuleSources } from '../sigma/loader.ts';
import type { Ruleset } from '../sigma/ruleset.ts';
import { bundleByPartition, decodeHitRecord, encodeHitRecord, splitHitBundle, type HitRecord } from './hit-record.ts';
import { HitStage } from './hit-stage.ts';
import { PartitionedDetection } from './partitioned-detection.ts';
import { ShownEvent } from './shown-event.ts';
import { FAILED_SSH_LOGIN_RULE } from '../sigma/test-rules.ts';

const RULES = `${FAILED_SSH_LOGIN_RULE}
---
title: SSH brute force
id: 0e95725d-7320-415d-80f7-004da920fc11
level: high
correlation: {type: event_count, rules: [failed_login], group-by: [source.ip], timespan: 5m, condition: {gte: 4}}
vigil:
  message: 'brute force from {source.ip} on {host.hostname}: {count}'
`;

const T0 = Date.parse('2026-11-20T03:00:00Z');

function failure(i: number): string {
  const at = new Date(T0 + i * 10_000).toISOString();
  const event: EcsEvent = {
    '@timestamp': at,
    message: `Failed password for root from 198.51.100.7 port ${40_000 + i} ssh2`,
    event: { id: `f-${i}`, kind: 'event', outcome: 'failure', created: at },
    host: { hostname: 'web-1' },
    process: { name: 'sshd' },
    source: { ip: '198.51.100.7', port: 40_000 + i },
    user: { name: 'root' },
  };
  return JSON.stringify(event);
}

/** A producer that keeps what it is sent, and fails while `failing` is set. */
class RecordingProducer implements BusProducer {
  readonly sent: { topic: string; messages: OutgoingMessage[] }[] = [];
  /** The topic sends fail to, if any. */
  failing: string | undefined;
  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (this.failing === topic) throw new Error('bus unavailable');
    this.sent.push({ topic, messages });
  }
  async close(): Promise<void> {}
  /** The correlation firings sent on to the hits topic: how many events each reported, and the event it shows. */
  firings(): { events: number; shown: unknown }[] {
    return this.sent
      .filter(({ topic }) => topic === TOPICS.hits)
      .flatMap(({ messages }) => messages.flatMap((message) => splitHitBundle(message.value as string).map((lines) => decodeHitRecord(lines)!)))
      .map(({ record, eventText }) => ({ events: record.n, shown: JSON.parse(eventText) }));
  }
}

describe('the hits stage', () => {
  let ruleset: Ruleset;
  let dir: string;
  beforeAll(() => {
    const parsed = parseRuleSources([{ file: 'rules.yml', text: RULES }]);
    expect(parsed.problems).toEqual([]);
    ruleset = parsed.ruleset;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The hits of `events` as one partition's messages, from `offset` on. */
  function hitMessages(events: string[], offset: number): BusMessage[] {
    const routed = new PartitionedDetection(ruleset).match(events, () => expect.fail('valid events'));
    return routed.map((message, index) => ({
      topic: TOPICS.hits,
      partition: 0,
      offset: String(offset + index),
      key: Buffer.from(message.key as string),
      value: Buffer.from(message.value as string),
      headers: {},
      timestamp: 0,
    }));
  }

  function stage(producer: RecordingProducer, checkpointIntervalMs = 60_000): { stage: HitStage; detection: PartitionedDetection } {
    const detection = new PartitionedDetection(ruleset, { clock: () => T0 });
    const hitStage = new HitStage({
      detection,
      producer,
      state: new EngineStateFiles(dir),
      topics: { hits: TOPICS.hits, alerts: TOPICS.alerts },
      hitPartitions: 1,
      checkpointIntervalMs,
      metrics: new Metrics({ defaultMetrics: false }),
      logger: silentLogger(),
      published: () => undefined,
    });
    return { stage: hitStage, detection };
  }

  const batch = (messages: BusMessage[]) => ({ topic: TOPICS.hits, partition: 0, messages });

  it('commits only what a checkpoint covers, and after a clean stop skips what the checkpoint holds', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-hit-stage-'));
    const messages = hitMessages([0, 1, 2, 3, 4, 5].map(failure), 0);
    const producer = new RecordingProducer();
    const first = stage(producer);
    // No checkpoint yet: the committed offset stays where the partition started.
    expect(await first.stage.handle(batch(messages.slice(0, 2)))).toEqual({ commitOffset: '0' });
    first.stage.checkpointAll();

    // A new process resumes at the committed offset (0): the checkpoint already holds 0 and 1.
    const second = stage(producer);
    expect(await second.stage.handle(batch(messages.slice(0, 4)))).toEqual({ commitOffset: '2' });
    expect(producer.firings()).toEqual([{ events: 4, shown: { source: { ip: '198.51.100.7', port: 40_003 }, host: { hostname: 'web-1' } } }]);
  });

  it('replays onto the last checkpoint after a crash, and sends what a failed send left before applying more', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-hit-stage-'));
    const messages = hitMessages([0, 1, 2, 3, 4].map(failure), 0);
    const producer = new RecordingProducer();
    const crashed = stage(producer);
    await crashed.stage.handle(batch(messages.slice(0, 3)));

    // The crash lost the window: a new process replays from the committed offset (0).
    const replaying = stage(producer);
    producer.failing = TOPICS.hits;
    await expect(replaying.stage.handle(batch(messages.slice(0, 4)))).rejects.toThrow('bus unavailable');
    producer.failing = undefined;
    // The same batch again: its hits are in the state already, the alert it raised goes out now.
    await replaying.stage.handle(batch(messages.slice(0, 4)));
    await replaying.stage.handle(batch(messages.slice(4)));
    expect(producer.firings().map(({ events }) => events)).toEqual([4, 1]);
  });

  it('sends each output once when a later send of the same batch fails: forwards first, then alerts', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-hit-stage-'));
    const producer = new RecordingProducer();
    const { stage: hitStage } = stage(producer);
    await hitStage.handle(batch(hitMessages([0, 1, 2, 3].map(failure), 0)));
    // The brute force fired: its alert record went on to the hits topic. Apply it, with the alerts topic failing once.
    const forwarded = producer.sent.filter(({ topic }) => topic === TOPICS.hits).flatMap(({ messages }) => messages);
    expect(forwarded).toHaveLength(1);
    const alertRecord: BusMessage = { topic: TOPICS.hits, partition: 0, offset: '4', key: null, value: Buffer.from(forwarded[0]!.value as string), headers: {}, timestamp: 0 };
    producer.failing = TOPICS.alerts;
    await expect(hitStage.handle(batch([alertRecord]))).rejects.toThrow('bus unavailable');
    producer.failing = undefined;
    await hitStage.handle(batch([alertRecord]));
    const alerts = producer.sent.filter(({ topic }) => topic === TOPICS.alerts).flatMap(({ messages }) => messages.map((message) => JSON.parse(message.value as string) as Alert));
    expect(alerts.map((alert) => [alert.rule.name, alert.vigil.alert.count])).toEqual([['SSH brute force', 4]]);
    expect(alerts[0]!.message).toBe('brute force from 198.51.100.7 on web-1: 4');
    expect(producer.sent.filter(({ topic }) => topic === TOPICS.hits)).toHaveLength(1);
  });

  it('says so when the group resumes past its checkpoint, and sends hits it cannot apply to the DLQ', async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-hit-stage-'));
    const messages = hitMessages([0, 1, 2].map(failure), 0);
    const producer = new RecordingProducer();
    const first = stage(producer, 100);
    await first.stage.handle(batch(messages.slice(0, 1)));
    first.stage.checkpointAll();
    const garbage: BusMessage = { ...messages[2]!, offset: '10', value: Buffer.from('not a hit') };
    const metrics = new Metrics({ defaultMetrics: false });
    const second = new HitStage({
      detection: new PartitionedDetection(ruleset),
      producer,
      state: new EngineStateFiles(dir),
      topics: { hits: TOPICS.hits, alerts: TOPICS.alerts },
      hitPartitions: 1,
      checkpointIntervalMs: 60_000,
      metrics,
      logger: silentLogger(),
      published: () => undefined,
    });
    await second.handle(batch([garbage]));
    const counter = async (name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values[0]!.value;
    expect(await counter('vigil_engine_state_behind_total')).toBe(1);
    expect(await counter('vigil_engine_hits_rejected_total')).toBe(1);
    expect(producer.sent.filter(({ topic }) => topic === TOPICS.dlq)).toHaveLength(1);
  });
});

describe('hits applied twice', () => {
  it('counts an event once when stage one matched it twice, and a correlation firing once when it was sent twice', () => {
    const parsed = parseRuleSources([{ file: 'rules.yml', text: RULES }]);
    const detection = new PartitionedDetection(parsed.ruleset, { clock: () => T0 });
    const records = (events: string[]) => detection.match(events, () => expect.fail('valid events')).flatMap((message) => splitHitBundle(message.value as string));
    const firstTry = records([0, 1, 2].map(failure));
    // Stage one crashed before committing and matched the same batch again, then the next one.
    const again = records([0, 1, 2].map(failure));
    const applied = detection.apply(0, [...firstTry, ...again, ...records([3].map(failure))]);
    expect(applied.forward.flatMap((message) => splitHitBundle(message.value as string).map((lines) => decodeHitRecord(lines)!.record.n))).toEqual([4]);
    // The firing's alert record, sent twice, raises one alert counting four events.
    const firing = splitHitBundle(applied.forward[0]!.value as string);
    const alerts = detection.apply(0, [...firing, ...firing]).alerts;
    expect(alerts.map(({ alert }) => alert.vigil.alert.count)).toEqual([4]);
  });
});

describe('hit records and shown events', () => {
  it('refuses what is not a hit record', () => {
    for (const value of ['', 'no newline', '{"v":2}\n{}', '[]\n{}', '{"v":1,"t":1,"f":1,"ev":"e","ids":[1],"n":1,"hits":[]}\n{}', '{"v":1,"t":1,"f":1,"ev":"e","ids":[],"n":1,"hits":[{"rule":"r","g":{},"to":[{"kind":"correlation"}]}]}\n{}']) {
      for (const lines of splitHitBundle(value)) expect(decodeHitRecord(lines)).toBeUndefined();
    }
    for (const header of ['[2]', '[2,1,1,"e",[],1,0,[["r",{},null,[{"kind":"alert"}]]]]', '[2,1,1,"e",[],1,0,[["r",{},null,[["c",0,{"a":1},"1",null]]]]]', '[3,1,1,"e",[],1,0,[]]', '[2,1,1,"e",[],1,null,[]]', '[2,1,1,"e",[1],1,0,[]]']) {
      expect(decodeHitRecord({ header, shown: '{}' }), header).toBeUndefined();
    }
    // Format 1 (a JSON object), as an older engine wrote it, is still read.
    expect(decodeHitRecord(splitHitBundle('{"v":1,"t":1,"f":1,"ev":"e","ids":[],"n":1,"hits":[{"rule":"r","g":{},"to":[{"kind":"alert"}]}]}\n{"a":1}')[0]!)?.eventText).toBe('{"a":1}');
  });

  it('writes a record as a positional header and reads it back as it was', () => {
    const record: HitRecord = {
      t: 1_795_514_400_000,
      f: 1_795_514_300_000,
      ev: 'engine-1:42',
      ids: ['ev-1', 'ev-2'],
      n: 3,
      x: { intelConfidence: 85, asset: undefined },
      hits: [
        { rule: 'r1', g: { 'host.hostname': 'web-1' }, m: undefined, to: [{ kind: 'alert' }, { kind: 'correlation', correlation: 'c1', position: 1, values: { 'source.ip': '203.0.113.7' }, groupKey: '203.0.113.7', key: 'root' }] },
        { rule: 'c1', g: { 'source.ip': '203.0.113.7' }, m: 12, to: [{ kind: 'correlation', correlation: 'c2', position: 0, values: { 'source.ip': '203.0.113.7' }, groupKey: '203.0.113.7', key: null }] },
      ],
    };
    const value = encodeHitRecord(record, '{"source":{"ip":"203.0.113.7"}}');
    expect(value.startsWith('[2,')).toBe(true);
    const decoded = decodeHitRecord(splitHitBundle(value)[0]!);
    expect(decoded).toEqual({ record: { ...record, x: { intelConfidence: 85 } }, eventText: '{"source":{"ip":"203.0.113.7"}}' });
    // Not enriched where it was matched: no findings.
    expect(decodeHitRecord(splitHitBundle(encodeHitRecord({ ...record, x: undefined }, '{}'))[0]!)?.record.x).toBeUndefined();
  });

  it('bundles records by the partition of their keys, in order, and splits the bundles back', () => {
    const records = Array.from({ length: 40 }, (_, i) => ({ key: `10.0.0.${i % 7}`, value: `{"h":${i}}\n{"s":${i}}` }));
    const bundles = bundleByPartition(records, 4);
    expect(bundles.length).toBeGreaterThan(1);
    for (const bundle of bundles) {
      const inside = splitHitBundle(bundle.value as string).map(({ header, shown }) => `${header}\n${shown}`);
      const expected = records.filter(({ key }) => partitionForKey(Buffer.from(key), 4) === bundle.partition).map(({ value }) => value);
      expect(inside).toEqual(expected);
    }
    expect(splitHitBundle('{"h":1}')).toEqual([{ header: '{"h":1}', shown: undefined }]);
    // Small bundles: still every record once, in order per partition.
    const small = bundleByPartition(records, 4, 40);
    expect(small.length).toBeGreaterThan(bundles.length);
    for (const partition of [0, 1, 2, 3]) {
      const inside = small.filter((bundle) => bundle.partition === partition).flatMap((bundle) => splitHitBundle(bundle.value as string).map(({ header, shown }) => `${header}\n${shown}`));
      expect(inside).toEqual(records.filter(({ key }) => partitionForKey(Buffer.from(key), 4) === partition).map(({ value }) => value));
    }
  });

  it('writes the shown fields of an event from their JSON, nested, leaving out the absent ones', () => {
    const event: Record<string, unknown> = { source: { ip: '10.0.0.1', geo: { country_iso_code: 'NL' } }, user: { name: 'root', id: 0 }, message: 'hi' };
    const json = (path: readonly string[]) => {
      let value: unknown = event;
      for (const part of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
      return value === undefined ? undefined : JSON.stringify(value);
    };
    const shown = new ShownEvent(['source', 'destination', 'user.name', 'message', 'host.hostname']);
    expect(JSON.parse(shown.text(json))).toEqual({ source: { ip: '10.0.0.1', geo: { country_iso_code: 'NL' } }, user: { name: 'root' }, message: 'hi' });
    expect(new ShownEvent(['destination']).text(json)).toBe('{}');
  });
});
