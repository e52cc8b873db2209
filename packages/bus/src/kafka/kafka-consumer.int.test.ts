import { createServer, type AddressInfo } from 'node:net';
import { Metrics } from '@vigil/runtime';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BusBatch, BusConsumer, BusMessage, ConsumerOptions, BatchHandler } from '../bus.ts';
import { partitionForKey } from '../partitioner.ts';
import type { KafkaBusConfigInput } from './config.ts';
import { createKafkaBus, type KafkaBus } from './kafka-bus.ts';
import { fastTestConfig, requireBrokers, uniqueName, waitFor } from './test-helpers.ts';

const FIREWALL_LINE = (index: number) =>
  `<134>1 2025-03-14T09:26:${String(index % 60).padStart(2, '0')}.000Z fw-dmz-1 filterlog 4121 - - 5,,,1000000103,igb1,match,block,in,4,0x0,,64,${index},0,DF,6,tcp,60,203.0.113.7,10.0.0.${index % 250},52144,22`;

describe('Kafka bus, beyond the contract', () => {
  let brokers: string[] = [];
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(() => {
    brokers = requireBrokers();
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  });

  async function open(overrides: Partial<KafkaBusConfigInput> = {}, metrics?: Metrics): Promise<KafkaBus> {
    const bus = await createKafkaBus(fastTestConfig(brokers, overrides), { metrics });
    cleanups.push(() => bus.close());
    return bus;
  }

  async function start(bus: KafkaBus, options: ConsumerOptions, handler: BatchHandler): Promise<BusConsumer> {
    const consumer = bus.createConsumer(options);
    cleanups.push(() => consumer.stop());
    await consumer.run(handler);
    return consumer;
  }

  async function publish(bus: KafkaBus, topic: string, partitions: number, count: number): Promise<void> {
    const producer = bus.createProducer();
    for (let index = 0; index < count; index += 50) {
      const round = Array.from({ length: Math.min(50, count - index) }, (_, offset) => ({
        partition: (index + offset) % partitions,
        value: FIREWALL_LINE(index + offset),
      }));
      await producer.send(topic, round);
    }
    await producer.close();
  }

  async function committedEverything(bus: KafkaBus, groupId: string, topic: string, ends: number[]): Promise<boolean> {
    const committed = await Promise.all(ends.map((_, partition) => bus.committedOffset(groupId, topic, partition)));
    // A partition that never had a message has nothing to commit.
    return committed.every((offset, partition) => offset === (ends[partition] === 0 ? null : String(ends[partition])));
  }

  it('never skips a message when handlers throw in the middle of a large fetched batch', async () => {
    const bus = await open();
    const topic = uniqueName('throws');
    const groupId = uniqueName('indexer');
    await bus.ensureTopics([{ name: topic, partitions: 3, replicationFactor: 1 }]);
    await publish(bus, topic, 3, 300);

    // Every third handler call fails: kafkajs fetches ~100 messages per partition at once and
    // the consumer cuts them into batches of 7, so failures land mid-fetch and mid-partition.
    const handled = new Map<number, string[]>([[0, []], [1, []], [2, []]]);
    const failedFirstOffsets = new Map<number, string[]>([[0, []], [1, []], [2, []]]);
    const deliveries: BusBatch[] = [];
    let calls = 0;
    await start(bus, { groupId, topics: [topic], maxBatchSize: 7 }, async (batch) => {
      deliveries.push(batch);
      if (++calls % 3 === 0) {
        failedFirstOffsets.get(batch.partition)!.push(batch.messages[0]!.offset);
        throw new Error('opensearch bulk request rejected: es_rejected_execution_exception');
      }
      handled.get(batch.partition)!.push(...batch.messages.map((message) => message.offset));
    });

    await waitFor(() => [...handled.values()].every((offsets) => offsets.length >= 100), 'every message to be handled');
    await waitFor(() => committedEverything(bus, groupId, topic, [100, 100, 100]), 'the final commits');
    for (const [partition, offsets] of handled) {
      expect(offsets, `partition ${partition}`).toEqual(Array.from({ length: 100 }, (_, index) => String(index)));
    }
    expect(deliveries.every((batch) => batch.messages.length <= 7)).toBe(true);
    // A failed batch is always followed, on its partition, by a delivery from the same offset.
    for (const [partition, firstOffsets] of failedFirstOffsets) {
      const ofPartition = deliveries.filter((batch) => batch.partition === partition).map((batch) => batch.messages[0]!.offset);
      for (const first of firstOffsets) {
        const failedAt = ofPartition.indexOf(first);
        expect(ofPartition[failedAt + 1], `retry of ${partition}/${first}`).toBe(first);
      }
    }
  });

  it('loses nothing when members join and leave a group under load, and repeats at most the batches in hand', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const bus = await open({}, metrics);
    const topic = uniqueName('rebalance');
    const groupId = uniqueName('engine');
    const partitions = 4;
    const maxBatchSize = 10;
    await bus.ensureTopics([{ name: topic, partitions, replicationFactor: 1 }]);

    const seen = new Map<string, number>();
    const byMember = [0, 0, 0];
    const member =
      (index: number): BatchHandler =>
      async (batch) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        byMember[index]! += batch.messages.length;
        for (const message of batch.messages) {
          const id = `${message.partition}/${message.offset}`;
          seen.set(id, (seen.get(id) ?? 0) + 1);
        }
      };
    const producer = bus.createProducer();
    let sent = 0;
    let producing = true;
    const production = (async () => {
      while (producing) {
        await producer.send(topic, Array.from({ length: 8 }, (_, index) => ({ partition: index % partitions, value: FIREWALL_LINE(sent + index) })));
        sent += 8;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    const options = { groupId, topics: [topic], maxBatchSize };
    const first = await start(bus, options, member(0));
    await waitFor(() => seen.size >= 40, 'the first member to make progress');
    const second = await start(bus, options, member(1));
    await waitFor(() => byMember[1]! > 0 && seen.size >= 200, 'both members to make progress');
    await first.stop();
    await waitFor(() => seen.size >= 320, 'the remaining member to take over');
    const third = await start(bus, options, member(2));
    await waitFor(() => byMember[2]! > 0 && seen.size >= 440, 'the third member to share the work');
    producing = false;
    await production;
    await producer.close();

    const ends = await endOffsets(brokers, topic);
    const total = ends.reduce((sum, end) => sum + end, 0);
    expect(total).toBe(sent);
    await waitFor(() => seen.size === total, 'every message to be handled');
    await waitFor(() => committedEverything(bus, groupId, topic, ends), 'every partition to be committed');
    await second.stop();
    await third.stop();

    const duplicates = [...seen.values()].reduce((sum, times) => sum + times - 1, 0);
    // Three membership changes; each may repeat at most the batch each partition had in hand.
    expect(duplicates).toBeLessThanOrEqual(3 * partitions * maxBatchSize);
    const body = (await metrics.render()).body;
    expect(body).toMatch(new RegExp(`vigil_bus_batches_handled_total\\{topic="${topic}",group="${groupId}"\\} \\d+`));
  });

  it('does not commit for a member that lost its partitions while its handler was busy, and aborts its signal', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const bus = await open({ rebalanceTimeoutMs: 1_500 }, metrics);
    const topic = uniqueName('revoked');
    const groupId = uniqueName('indexer');
    await bus.ensureTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    await publish(bus, topic, 1, 5);

    // The first member gets stuck in its first batch, longer than the group waits for it to rejoin.
    // Neither member ever finishes another batch, so nothing may move the commit.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let stuckSignal: AbortSignal | null = null;
    const stuck = await start(bus, { groupId, topics: [topic] }, async (_batch, { signal }) => {
      if (stuckSignal) throw new Error('store unavailable');
      stuckSignal = signal;
      await released;
    });
    await waitFor(() => stuckSignal !== null, 'the first member to hold the batch');

    const taken: string[][] = [];
    await start(bus, { groupId, topics: [topic] }, async (batch) => {
      taken.push(batch.messages.map((message) => message.offset));
      throw new Error('store unavailable');
    });
    await waitFor(() => taken.length > 0, 'the second member to take the partition over');
    expect(taken[0]).toEqual(['0', '1', '2', '3', '4']);
    await waitFor(() => stuckSignal!.aborted, 'the stuck handler to be told it lost the partition');

    // Its handler now succeeds; committing would overwrite the new owner's position.
    release();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await bus.committedOffset(groupId, topic, 0)).toBeNull();
    await stuck.stop();
    expect(await bus.committedOffset(groupId, topic, 0)).toBeNull();
    // Not even tried (the broker would have refused it): no failed commit was counted.
    expect((await metrics.render()).body).not.toMatch(/vigil_bus_commit_errors_total\{/);
  });

  it('reports a committed offset beyond the end of the partition and starts again from the earliest message', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const bus = await open({}, metrics);
    const topic = uniqueName('out-of-range');
    const groupId = uniqueName('indexer');
    await bus.ensureTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    await publish(bus, topic, 1, 5);
    // As after the topic was deleted and recreated under the same name: the group's commit is far ahead.
    await commitOffset(brokers, groupId, topic, 0, '1000');
    expect(await bus.committedOffset(groupId, topic, 0)).toBe('1000');

    const errors: { code: unknown; batch: BusBatch }[] = [];
    const messages: BusMessage[] = [];
    await start(
      bus,
      { groupId, topics: [topic], onError: (error, batch) => errors.push({ code: (error as { code?: unknown }).code, batch }) },
      async (batch) => {
        messages.push(...batch.messages);
      },
    );
    await waitFor(() => messages.length >= 5, 'the messages from the earliest offset');
    expect(messages.map((message) => message.offset)).toEqual(['0', '1', '2', '3', '4']);
    expect(errors).toEqual([{ code: 'VIGIL_ERR_BUS_OFFSET_OUT_OF_RANGE', batch: { topic, partition: 0, messages: [] } }]);
    await waitFor(async () => (await bus.committedOffset(groupId, topic, 0)) === '5', 'the commit after the reset');
    expect((await metrics.render()).body).toContain(`vigil_bus_offset_out_of_range_total{topic="${topic}",group="${groupId}"} 1`);
  });

  it('joins concurrent sends into few produce requests, each message stored once, keys in the embedded partitions', async () => {
    const metrics = new Metrics({ defaultMetrics: false });
    const bus = await open({}, metrics);
    const topic = uniqueName('concurrent');
    await bus.ensureTopics([{ name: topic, partitions: 4, replicationFactor: 1 }]);
    const producer = bus.createProducer();

    // Twenty edges publish ten heartbeats each, every edge waiting for its previous send.
    const edges = Array.from({ length: 20 }, (_, index) => `edge-${index.toString(16).padStart(4, '0')}`);
    await Promise.all(
      edges.map(async (edge) => {
        for (let beat = 0; beat < 10; beat++) {
          await producer.send(topic, [{ key: edge, value: JSON.stringify({ edge, beat, load: 0.42 }) }]);
        }
      }),
    );
    await producer.close();
    const body = (await metrics.render()).body;
    const requests = Number(/vigil_bus_produce_requests_total (\d+)/.exec(body)?.[1]);
    expect(requests).toBeGreaterThan(0);
    expect(requests).toBeLessThanOrEqual(40);
    expect(body).toContain(`vigil_bus_messages_appended_total{topic="${topic}"} 200`);

    const stored: BusMessage[] = [];
    await start(bus, { groupId: uniqueName('api'), topics: [topic] }, async (batch) => {
      stored.push(...batch.messages);
    });
    await waitFor(() => stored.length >= 200, 'all heartbeats');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(stored).toHaveLength(200);
    for (const edge of edges) {
      const ofEdge = stored.filter((message) => message.key?.toString() === edge);
      expect(ofEdge.map((message) => JSON.parse(message.value.toString()).beat)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(new Set(ofEdge.map((message) => message.partition))).toEqual(new Set([partitionForKey(Buffer.from(edge), 4)]));
    }
  });

  it('lets the batch in hand finish and commit when the consumer stops, with its signal aborted', async () => {
    const bus = await open();
    const topic = uniqueName('stop');
    const groupId = uniqueName('indexer');
    await bus.ensureTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    await publish(bus, topic, 1, 4);

    let inHand = false;
    let sawAbort = false;
    const consumer = await start(bus, { groupId, topics: [topic] }, async (_batch, { signal }) => {
      inHand = true;
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      sawAbort = true;
    });
    await waitFor(() => inHand, 'the batch to be in hand');
    await consumer.stop();
    expect(sawAbort).toBe(true);
    expect(await bus.committedOffset(groupId, topic, 0)).toBe('4');
  });

  it('heartbeats while a handler works longer than the session timeout, so the group keeps the member', async () => {
    const bus = await open({ sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 });
    const topic = uniqueName('slow');
    const groupId = uniqueName('indexer');
    await bus.ensureTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
    await publish(bus, topic, 1, 5);

    const deliveries: { offsets: string[]; aborted: boolean }[] = [];
    await start(bus, { groupId, topics: [topic] }, async (batch, { signal }) => {
      await new Promise((resolve) => setTimeout(resolve, 7_000));
      deliveries.push({ offsets: batch.messages.map((message) => message.offset), aborted: signal.aborted });
    });
    await waitFor(async () => (await bus.committedOffset(groupId, topic, 0)) === '5', 'the slow batch to be committed', 15_000);
    expect(deliveries).toEqual([{ offsets: ['0', '1', '2', '3', '4'], aborted: false }]);
  });

  it('fails start-up with the broker list when Kafka cannot be reached', async () => {
    const port = await closedPort();
    await expect(createKafkaBus(fastTestConfig([`127.0.0.1:${port}`], { connectionTimeoutMs: 200, requestRetries: 1 }))).rejects.toMatchObject({
      code: 'VIGIL_ERR_BUS_BROKER_UNAVAILABLE',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
  });
});

/**
 * Commits an offset for a group that has no running member, the way an operator's tool would:
 * a plain kafkajs consumer seeks on a paused partition, which commits without fetching.
 */
async function commitOffset(brokers: string[], groupId: string, topic: string, partition: number, offset: string): Promise<void> {
  const kafka = new Kafka({ brokers, clientId: 'vigil-bus-test-admin', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50, sessionTimeout: 6_000, heartbeatInterval: 300 });
  const admin = kafka.admin();
  await Promise.all([consumer.connect(), admin.connect()]);
  try {
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({ autoCommit: true, eachBatch: async () => undefined });
    consumer.pause([{ topic }]);
    consumer.seek({ topic, partition, offset });
    await waitFor(async () => {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return offsets?.partitions.find((entry) => entry.partition === partition)?.offset === offset;
    }, `offset ${offset} to be committed`);
  } finally {
    await consumer.disconnect();
    await admin.disconnect();
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The end offset of every partition, read with a separate client. */
async function endOffsets(brokers: string[], topic: string): Promise<number[]> {
  const admin = new Kafka({ brokers, clientId: 'vigil-bus-test-admin', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.sort((a, b) => a.partition - b.partition).map((entry) => Number(entry.high));
  } finally {
    await admin.disconnect();
  }
}
