import { randomBytes } from 'node:crypto';
import { zstdCompressSync } from 'node:zlib';
import { defineErrors } from '@vigil/runtime';
import { DLQ_HEADERS, TOPICS } from '@vigil/schema';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BatchHandler, Bus, BusBatch, BusConsumer, BusMessage, ConsumerOptions } from '../bus.ts';
import { sendToDlq } from '../dlq.ts';

/** A bus made for one contract test, and how to get rid of it afterwards. */
export interface BusUnderTest {
  bus: Bus;
  /** Closes the bus and removes whatever it created (temp directories, connections). */
  cleanup: () => Promise<void>;
}

/** How long the suite waits for something to arrive; generous because Kafka rebalances take seconds. */
const WAIT_MS = 30_000;

const testErrors = defineErrors({
  VIGIL_ERR_CONTRACT_UNPARSEABLE: { message: 'cannot parse syslog line: {reason}', status: 400, retryable: false },
});

/**
 * The behaviour every bus implementation must show (Kafka's semantics). Each test makes its
 * own bus through `factory` and uses fresh topic and group names, so the suite also runs
 * against a long-lived broker.
 */
export function runBusContract(name: string, factory: () => Promise<BusUnderTest>): void {
  describe(`bus contract: ${name}`, () => {
    let subject: BusUnderTest;
    let bus: Bus;
    let consumers: BusConsumer[] = [];

    beforeEach(async () => {
      subject = await factory();
      bus = subject.bus;
    });

    afterEach(async () => {
      await Promise.allSettled(consumers.map((consumer) => consumer.stop()));
      consumers = [];
      await subject.cleanup();
    });

    async function start(options: ConsumerOptions, handler: BatchHandler): Promise<BusConsumer> {
      const consumer = bus.createConsumer(options);
      consumers.push(consumer);
      await consumer.run(handler);
      return consumer;
    }

    async function collect(options: ConsumerOptions): Promise<{ consumer: BusConsumer; messages: BusMessage[] }> {
      const messages: BusMessage[] = [];
      const consumer = await start(options, async (batch) => {
        messages.push(...batch.messages);
      });
      return { consumer, messages };
    }

    it('creates topics idempotently and never creates one on send', async () => {
      const topic = uniqueName('topics');
      await bus.ensureTopics([{ name: topic, partitions: 3, replicationFactor: 1 }]);
      await bus.ensureTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      // The second spec changes nothing: the topic keeps its three partitions.
      expect(await bus.partitionCount(topic)).toBe(3);
      const producer = bus.createProducer();
      await producer.send(topic, [{ value: 'still three partitions', partition: 2 }]);

      const missing = uniqueName('missing');
      await expect(producer.send(missing, [{ value: 'lost?' }])).rejects.toMatchObject({ code: 'VIGIL_ERR_BUS_UNKNOWN_TOPIC' });
      await expect(bus.partitionCount(missing)).rejects.toMatchObject({ code: 'VIGIL_ERR_BUS_UNKNOWN_TOPIC' });
      // Had the send auto-created it, the topic would have one partition and partition 1 would not exist.
      await bus.ensureTopics([{ name: missing, partitions: 2, replicationFactor: 1 }]);
      await producer.send(missing, [{ value: 'now it exists', partition: 1 }]);
      await producer.close();
    });

    it('makes a message readable as soon as send resolves, with key, value, headers and offsets from 0', async () => {
      const topic = uniqueName('roundtrip');
      await bus.ensureTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      const producer = bus.createProducer();
      const line = '<34>1 2025-03-14T09:26:53.000Z fw-dmz-1 sshd 4121 - - Failed password for root from 203.0.113.7 port 52144 ssh2';
      const binary = Buffer.from([0x0a, 0x00, 0xff, 0x10, 0x80]);
      const before = Date.now();
      await producer.send(topic, [
        { key: 'edge-7f3a', value: line, headers: { 'content-type': 'text/plain', 'vigil-edge': 'edge-7f3a' } },
        { value: binary },
      ]);

      const { messages } = await collect({ groupId: uniqueName('reader'), topics: [topic] });
      await waitFor(() => messages.length >= 2, 'both messages');
      const [first, second] = messages;
      expect(first).toMatchObject({ topic, partition: 0, offset: '0', headers: { 'content-type': 'text/plain', 'vigil-edge': 'edge-7f3a' } });
      expect(first!.key?.toString()).toBe('edge-7f3a');
      expect(first!.value.toString()).toBe(line);
      expect(Math.abs(first!.timestamp - before)).toBeLessThan(60_000);
      expect(second).toMatchObject({ offset: '1', key: null, headers: {} });
      expect(Buffer.compare(second!.value, binary)).toBe(0);
      await producer.close();
    });

    it('puts every message of a key in one partition, in send order', async () => {
      const topic = uniqueName('keys');
      await bus.ensureTopics([{ name: topic, partitions: 4, replicationFactor: 1 }]);
      const producer = bus.createProducer();
      const keys = ['fw-dmz-1', 'web-02.example.net', 'db-03', 'vpn-gw', 'mail-05'];
      for (let round = 0; round < 6; round++) {
        await producer.send(topic, keys.map((key) => ({ key, value: `${key}#${round}` })));
      }
      await producer.send(topic, [{ key: 'fw-dmz-1', value: 'pinned', partition: 2 }]);

      const { messages } = await collect({ groupId: uniqueName('order'), topics: [topic], maxBatchSize: 4 });
      await waitFor(() => messages.length >= 31, 'all keyed messages');
      for (const key of keys) {
        const ofKey = messages.filter((message) => message.value.toString().startsWith(`${key}#`));
        expect(new Set(ofKey.map((message) => message.partition)).size).toBe(1);
        expect(ofKey.map((message) => message.value.toString())).toEqual([0, 1, 2, 3, 4, 5].map((round) => `${key}#${round}`));
      }
      expect(messages.find((message) => message.value.toString() === 'pinned')?.partition).toBe(2);
      for (let partition = 0; partition < 4; partition++) {
        const offsets = messages.filter((message) => message.partition === partition).map((message) => BigInt(message.offset));
        expect(offsets).toEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)));
        expect(new Set(offsets).size).toBe(offsets.length);
      }
      await producer.close();
    });

    it('delivers already-compressed values (zstd frames) byte for byte, in order among plain ones sent at the same time', async () => {
      const topic = uniqueName('frames');
      await bus.ensureTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      const producer = bus.createProducer();
      const frame = (n: number) => zstdCompressSync(Buffer.from(`{"event":{"sequence":${n}},"message":"${'x'.repeat(200)}"}`));
      const values: Buffer[] = [frame(1), frame(2), Buffer.from('heartbeat 1'), frame(3), Buffer.from('heartbeat 2'), frame(4)];
      await Promise.all(values.map((value) => producer.send(topic, [{ key: 'edge-7f3a', value }])));

      const { messages } = await collect({ groupId: uniqueName('frames'), topics: [topic] });
      await waitFor(() => messages.length >= values.length, 'every value');
      expect(messages.map((message) => message.value)).toEqual(values);
      await producer.close();
    });

    it('delivers values of hundreds of KiB byte for byte, among small ones, framed or not', async () => {
      const topic = uniqueName('large');
      await bus.ensureTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      const producer = bus.createProducer();
      // Random bytes do not compress: the zstd frame of 300 KiB of them is as large as they are.
      const values: Buffer[] = [zstdCompressSync(randomBytes(300 * 1024)), randomBytes(5000), Buffer.from('small'), randomBytes(200 * 1024), randomBytes(4096), zstdCompressSync(randomBytes(4095))];
      await Promise.all(values.map((value, index) => producer.send(topic, [{ key: `edge-${index % 2}`, value }])));

      const { messages } = await collect({ groupId: uniqueName('large'), topics: [topic] });
      await waitFor(() => messages.length >= values.length, 'every value');
      expect(messages.map((message) => message.value)).toEqual(values);
      await producer.close();
    });

    it('resumes a group from its committed offset after the consumer stops and a new one starts', async () => {
      const topic = uniqueName('resume');
      const groupId = uniqueName('indexer');
      await bus.ensureTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      const producer = bus.createProducer();
      await producer.send(topic, numbered('before', 5));

      const first = await collect({ groupId, topics: [topic] });
      await waitFor(() => first.messages.length >= 5, 'the first five');
      await first.consumer.stop();
      expect(await bus.committedOffset(groupId, topic, 0)).toBe('5');

      await producer.send(topic, numbered('after', 3));
      const second = await collect({ groupId, topics: [topic] });
      await waitFor(() => second.messages.length >= 3, 'the three new ones');
      await settle();
      expect(second.messages.map((message) => message.offset)).toEqual(['5', '6', '7']);
      expect(second.messages.map((message) => message.value.toString())).toEqual(['after-0', 'after-1', 'after-2']);
      await producer.close();
    });

    it('commits the offset a handler names instead of the batch end, reads on anyway, and a new member resumes there', async () => {
      const topic = uniqueName('checkpoint');
      const groupId = uniqueName('stateful');
      await bus.ensureTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      const producer = bus.createProducer();
      await producer.send(topic, numbered('m', 3));
      const seen: string[] = [];
      const first = await start({ groupId, topics: [topic] }, async (batch) => {
        seen.push(...batch.messages.map((message) => message.value.toString()));
        // A checkpoint covers offsets 0 and 1 only; later batches commit nothing.
        return { commitOffset: seen.length <= 3 ? '2' : null };
      });
      await waitFor(() => seen.length >= 3, 'the first three');
      await producer.send(topic, numbered('n', 2));
      await waitFor(() => seen.length >= 5, 'the two sent later');
      await first.stop();
      expect(await bus.committedOffset(groupId, topic, 0)).toBe('2');

      const second = await collect({ groupId, topics: [topic] });
      await waitFor(() => second.messages.length >= 3, 'the uncommitted three');
      await settle();
      expect(second.messages.map((message) => message.value.toString())).toEqual(['m-2', 'n-0', 'n-1']);
      await producer.close();
    });

    it('gives every group every message', async () => {
      const topic = uniqueName('fanout');
      await bus.ensureTopics([{ name: topic, partitions: 2, replicationFactor: 1 }]);
      const producer = bus.createProducer();
      await producer.send(topic, numbered('alert', 20));
      const engine = await collect({ groupId: uniqueName('engine'), topics: [topic] });
      const indexer = await collect({ groupId: uniqueName('indexer'), topics: [topic] });
      await waitFor(() => engine.messages.length >= 20 && indexer.messages.length >= 20, 'both groups to read everything');
      const expected = numbered('alert', 20).map((message) => message.value).sort();
      expect(values(engine.messages).sort()).toEqual(expected);
      expect(values(indexer.messages).sort()).toEqual(expected);
      await producer.close();
    });

    it('splits partitions between members of one group, every message handled exactly once', async () => {
      const topic = uniqueName('members');
      const groupId = uniqueName('engine');
      await bus.ensureTopics([{ name: topic, partitions: 4, replicationFactor: 1 }]);
      const producer = bus.createProducer();
      const one = await collect({ groupId, topics: [topic], maxBatchSize: 3 });
      const two = await collect({ groupId, topics: [topic], maxBatchSize: 3 });

      let sent = 0;
      const sendRound = async () => {
        const round = [0, 1, 2, 3].map((partition) => ({ partition, value: `event-${sent + partition}` }));
        sent += round.length;
        await producer.send(topic, round);
      };
      // Keep publishing until both members got a share: Kafka assigns partitions asynchronously.
      await waitFor(async () => {
        await sendRound();
        return one.messages.length > 0 && two.messages.length > 0;
      }, 'both members to receive messages');
      await waitFor(() => one.messages.length + two.messages.length >= sent, 'every message');
      await settle();
      const seen = [...values(one.messages), ...values(two.messages)];
      expect(seen).toHaveLength(sent);
      expect(new Set(seen).size).toBe(sent);

      // When one member leaves, the other takes over all partitions.
      await one.consumer.stop();
      const before = two.messages.length;
      await sendRound();
      await waitFor(() => two.messages.length >= before + 4, 'the remaining member to take every partition');
      expect(new Set(two.messages.slice(before).map((message) => message.partition))).toEqual(new Set([0, 1, 2, 3]));
      await producer.close();
    });

    it('hands the same batch again after the handler throws, skipping nothing, and reports each failure', async () => {
      const topic = uniqueName('retry');
      const groupId = uniqueName('indexer');
      await bus.ensureTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      const producer = bus.createProducer();
      await producer.send(topic, numbered('event', 3));

      const deliveries: string[][] = [];
      const handled: string[] = [];
      const failures: { message: string; offsets: string[]; attempt: number }[] = [];
      await start(
        {
          groupId,
          topics: [topic],
          onError: (error, batch, attempt) => failures.push({ message: (error as Error).message, offsets: offsets(batch), attempt }),
        },
        async (batch) => {
          deliveries.push(offsets(batch));
          if (deliveries.length <= 2) throw new Error('store unavailable');
          handled.push(...offsets(batch));
        },
      );
      await waitFor(() => handled.length >= 3, 'the batch to succeed');
      await waitFor(async () => (await bus.committedOffset(groupId, topic, 0)) === '3', 'the commit');
      expect(deliveries[1]).toEqual(deliveries[0]);
      expect(deliveries[2]).toEqual(deliveries[0]);
      expect(deliveries[0]![0]).toBe('0');
      expect(handled).toEqual(['0', '1', '2']);
      expect(failures.map((failure) => failure.message)).toEqual(['store unavailable', 'store unavailable']);
      expect(failures[0]!.offsets).toEqual(deliveries[0]);
      expect(failures[1]!.attempt).toBeGreaterThan(failures[0]!.attempt);
      await producer.close();
    });

    it('stops fetching a paused topic and picks up where it was on resume', async () => {
      const topic = uniqueName('pause');
      await bus.ensureTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      const producer = bus.createProducer();
      const { consumer, messages } = await collect({ groupId: uniqueName('engine'), topics: [topic] });
      await producer.send(topic, numbered('warmup', 1));
      await waitFor(() => messages.length >= 1, 'the warm-up message');

      consumer.pause([topic]);
      await producer.send(topic, numbered('held', 3));
      await settle(500);
      expect(messages).toHaveLength(1);

      consumer.resume([topic]);
      await waitFor(() => messages.length >= 4, 'the held messages after resume');
      expect(values(messages.slice(1))).toEqual(['held-0', 'held-1', 'held-2']);
      await producer.close();
    });

    it('reports the lag of a group per topic until it has committed everything', async () => {
      const topic = uniqueName('lag');
      await bus.ensureTopics([{ name: topic, partitions: 2, replicationFactor: 1 }]);
      const producer = bus.createProducer();
      await producer.send(topic, numbered('event', 7));
      const messages: BusMessage[] = [];
      const consumer = bus.createConsumer({ groupId: uniqueName('indexer'), topics: [topic] });
      consumers.push(consumer);
      expect(await consumer.lag()).toEqual({ [topic]: 7 });

      await consumer.run(async (batch) => {
        messages.push(...batch.messages);
      });
      await waitFor(async () => (await consumer.lag())[topic] === 0, 'lag to reach zero');
      expect(messages).toHaveLength(7);

      consumer.pause([topic]);
      await producer.send(topic, numbered('more', 2));
      await waitFor(async () => (await consumer.lag())[topic] === 2, 'lag to count the new messages');
      consumer.resume([topic]);
      await waitFor(async () => (await consumer.lag())[topic] === 0, 'lag to return to zero');
      expect(messages).toHaveLength(9);
      await producer.close();
    });

    it('sends a failed message to the DLQ with its original bytes and the reason in headers', async () => {
      const topic = uniqueName('dlq-source');
      await bus.ensureTopics([
        { name: topic, partitions: 1, replicationFactor: 1 },
        { name: TOPICS.dlq, partitions: 1, replicationFactor: 1 },
      ]);
      const producer = bus.createProducer();
      const marker = randomBytes(6).toString('hex');
      const garbage = `<999>not syslog at all ${marker}`;
      await producer.send(topic, [
        { key: 'edge-9c21', value: garbage, headers: { 'vigil-edge': 'edge-9c21' } },
        { value: `plain failure ${marker}` },
      ]);

      await start({ groupId: uniqueName('parser'), topics: [topic] }, async (batch) => {
        for (const message of batch.messages) {
          const error = message.key
            ? testErrors.create('VIGIL_ERR_CONTRACT_UNPARSEABLE', { reason: 'priority out of range' })
            : new Error('socket hang up');
          await sendToDlq(producer, message, error, 'contract-parser');
        }
      });
      const dlq = await collect({ groupId: uniqueName('dlq-reader'), topics: [TOPICS.dlq] });
      const ours = () => dlq.messages.filter((message) => message.value.toString().includes(marker));
      await waitFor(() => ours().length >= 2, 'both DLQ copies');

      const [parsed, plain] = ours();
      expect(parsed!.key?.toString()).toBe('edge-9c21');
      expect(parsed!.value.toString()).toBe(garbage);
      expect(parsed!.headers).toMatchObject({
        'vigil-edge': 'edge-9c21',
        [DLQ_HEADERS.reason]: 'cannot parse syslog line: priority out of range',
        [DLQ_HEADERS.code]: 'VIGIL_ERR_CONTRACT_UNPARSEABLE',
        [DLQ_HEADERS.sourceTopic]: topic,
        [DLQ_HEADERS.sourcePartition]: '0',
        [DLQ_HEADERS.sourceOffset]: '0',
        [DLQ_HEADERS.failedBy]: 'contract-parser',
      });
      expect(plain!.key).toBeNull();
      expect(plain!.headers).toMatchObject({
        [DLQ_HEADERS.reason]: 'socket hang up',
        [DLQ_HEADERS.code]: 'VIGIL_ERR_INTERNAL_UNEXPECTED',
        [DLQ_HEADERS.sourceOffset]: '1',
      });
      await producer.close();
    });
  });
}

/** A topic or group name no earlier run has used. */
function uniqueName(prefix: string): string {
  return `contract-${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

function numbered(prefix: string, count: number): { value: string }[] {
  return Array.from({ length: count }, (_, index) => ({ value: `${prefix}-${index}` }));
}

function values(messages: readonly BusMessage[]): string[] {
  return messages.map((message) => message.value.toString());
}

function offsets(batch: BusBatch): string[] {
  return batch.messages.map((message) => message.offset);
}

/** Polls `condition` until it holds; fails with `what` after the timeout. */
async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Gives a bus time to deliver anything it should not (duplicates, paused topics). */
function settle(ms = 200): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
