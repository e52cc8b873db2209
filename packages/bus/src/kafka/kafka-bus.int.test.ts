import { beforeAll, describe, expect, it } from 'vitest';
import { runBusContract } from '../contract/bus-contract.ts';
import { createKafkaBus } from './kafka-bus.ts';
import { fastTestConfig, requireBrokers, uniqueName } from './test-helpers.ts';

let brokers: string[] = [];

beforeAll(() => {
  brokers = requireBrokers();
});

// First in the file: Node prints a warning of a kind once per process, so a later test would not see it.
describe('kafka bus on Node 24', () => {
  it('sends and receives without a Node warning (the kafkajs patch: no TimeoutNegativeWarning)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    const bus = await createKafkaBus(fastTestConfig(brokers));
    try {
      const topic = uniqueName('warnings');
      await bus.ensureTopics([{ name: topic, partitions: 1, replicationFactor: 1 }]);
      await bus.createProducer().send(topic, [{ value: 'one' }, { value: 'two' }]);
      const consumer = bus.createConsumer({ groupId: uniqueName('warnings'), topics: [topic], fromBeginning: true });
      const received: string[] = [];
      const done = new Promise<void>((resolve) => {
        void consumer.run(async (batch) => {
          for (const message of batch.messages) received.push(message.value.toString('utf8'));
          if (received.length >= 2) resolve();
        });
      });
      await done;
      await consumer.stop();
      expect(received).toEqual(['one', 'two']);
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
      await bus.close();
    }
    expect(warnings).toEqual([]);
  });
});

runBusContract('kafka', async () => {
  const bus = await createKafkaBus(fastTestConfig(brokers));
  return { bus, cleanup: () => bus.close() };
});
