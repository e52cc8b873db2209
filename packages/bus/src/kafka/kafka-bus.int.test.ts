import { beforeAll } from 'vitest';
import { runBusContract } from '../contract/bus-contract.ts';
import { createKafkaBus } from './kafka-bus.ts';
import { fastTestConfig, requireBrokers } from './test-helpers.ts';

let brokers: string[] = [];

beforeAll(() => {
  brokers = requireBrokers();
});

runBusContract('kafka', async () => {
  const bus = await createKafkaBus(fastTestConfig(brokers));
  return { bus, cleanup: () => bus.close() };
});
