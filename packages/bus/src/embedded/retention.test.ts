import { Metrics } from '@vigil/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import type { BusMessage } from '../bus.ts';
import { createEmbeddedBus, type EmbeddedBus } from './embedded-bus.ts';
import { readAll, tempDirectory, waitFor } from './test-helpers.ts';

const HOUR_MS = 3_600_000;
const heartbeat = (index: number) => ({ key: 'edge-berlin-1', value: `{"edge":"edge-berlin-1","seq":${index},"spool_bytes":0}` });

describe('embedded bus retention', () => {
  let bus: EmbeddedBus;
  let metrics: Metrics;
  let removeDirectory: () => Promise<void>;

  afterEach(async () => {
    await bus.close();
    await removeDirectory();
  });

  async function open(): Promise<void> {
    const directory = await tempDirectory();
    removeDirectory = directory.remove;
    metrics = new Metrics({ defaultMetrics: false });
    bus = await createEmbeddedBus({ directory: directory.path, pollIntervalMs: 100 }, { metrics });
  }

  it('deletes expired messages only below the offset every group has committed', async () => {
    await open();
    await bus.ensureTopics([
      { name: 'vigil.heartbeats', partitions: 1, replicationFactor: 1, retentionMs: HOUR_MS },
      { name: 'vigil.commands', partitions: 1, replicationFactor: 1 },
    ]);
    const producer = bus.createProducer();
    await producer.send('vigil.heartbeats', Array.from({ length: 10 }, (_, index) => heartbeat(index)));
    await producer.send('vigil.commands', [{ value: '{"command":"rotate-key","edge":"edge-berlin-1"}' }]);
    await readAll(bus, 'vigil.heartbeats', 'api', 10);
    await readAll(bus, 'vigil.commands', 'api', 1);

    // The engine group handles one batch of four, then fails on the next one and stops.
    const engine = bus.createConsumer({ groupId: 'engine', topics: ['vigil.heartbeats'], maxBatchSize: 4 });
    let batches = 0;
    await engine.run(async () => {
      if (++batches > 1) throw new Error('enrichment database unavailable');
    });
    await waitFor(() => batches > 1, 'the second batch');
    await engine.stop();
    expect(await bus.committedOffset('engine', 'vigil.heartbeats', 0)).toBe('4');

    expect(bus.runRetention()).toBe(0);
    const later = Date.now() + 2 * HOUR_MS;
    expect(bus.runRetention(later)).toBe(4);
    const left = await readAll(bus, 'vigil.heartbeats', 'auditor', 6);
    expect(left.map((message) => message.offset)).toEqual(['4', '5', '6', '7', '8', '9']);

    await readAll(bus, 'vigil.heartbeats', 'engine', 6);
    expect(bus.runRetention(later)).toBe(6);
    await producer.send('vigil.heartbeats', [heartbeat(10)]);
    const fresh = await readAll(bus, 'vigil.heartbeats', 'engine', 1);
    expect(fresh.map((message) => message.offset)).toEqual(['10']);

    expect(await readAll(bus, 'vigil.commands', 'late-reader', 1)).toHaveLength(1);
    expect((await metrics.render()).body).toContain('vigil_bus_retention_deleted_total{topic="vigil.heartbeats"} 10');
  });

  it('keeps messages a running group has not finished, and trims a topic nobody reads by age', async () => {
    await open();
    await bus.ensureTopics([
      { name: 'vigil.alerts', partitions: 1, replicationFactor: 1, retentionMs: HOUR_MS },
      { name: 'vigil.dlq', partitions: 1, replicationFactor: 1, retentionMs: HOUR_MS },
    ]);
    const producer = bus.createProducer();
    await producer.send('vigil.alerts', [{ value: '{"rule":"ssh-brute-force","severity":"high"}' }, { value: '{"rule":"new-admin-user"}' }]);
    await producer.send('vigil.dlq', [{ value: '<999>garbage' }]);

    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const seen: BusMessage[] = [];
    const notifier = bus.createConsumer({ groupId: 'notifier', topics: ['vigil.alerts'] });
    await notifier.run(async (batch) => {
      seen.push(...batch.messages);
      await released;
    });
    await waitFor(() => seen.length === 2, 'the notifier to hold the batch');

    const later = Date.now() + 2 * HOUR_MS;
    expect(bus.runRetention(later)).toBe(1);
    release();
    await waitFor(async () => (await bus.committedOffset('notifier', 'vigil.alerts', 0)) === '2', 'the notifier commit');
    expect(bus.runRetention(later)).toBe(2);
    await notifier.stop();
  });
});
