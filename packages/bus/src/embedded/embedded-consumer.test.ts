import { afterEach, describe, expect, it } from 'vitest';
import type { BatchContext, BusBatch, BusConsumer } from '../bus.ts';
import { createEmbeddedBus, type EmbeddedBus } from './embedded-bus.ts';
import { tempDirectory, waitFor } from './test-helpers.ts';

const event = (partition: number, text: string) => ({ partition, value: `<38>Mar 14 09:30:0${partition} web-0${partition} nginx: ${text}` });

/** A handler whose batches from one partition block until released. */
function gatedHandler(blockedPartition: number) {
  const handled: BusBatch[] = [];
  const contexts: BatchContext[] = [];
  let open!: () => void;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const handler = async (batch: BusBatch, context: BatchContext) => {
    contexts.push(context);
    if (batch.partition === blockedPartition) await gate;
    handled.push(batch);
  };
  const offsets = (partition: number) => handled.filter((batch) => batch.partition === partition).flatMap((batch) => batch.messages.map((message) => message.offset));
  return { handler, handled, contexts, open, offsets };
}

describe('embedded consumer', () => {
  let bus: EmbeddedBus;
  let removeDirectory: () => Promise<void>;
  const consumers: BusConsumer[] = [];

  afterEach(async () => {
    await Promise.allSettled(consumers.splice(0).map((consumer) => consumer.stop()));
    await bus.close();
    await removeDirectory();
  });

  async function setUp(): Promise<void> {
    const directory = await tempDirectory();
    removeDirectory = directory.remove;
    bus = await createEmbeddedBus({ directory: directory.path, pollIntervalMs: 100 });
    await bus.ensureTopics([{ name: 'vigil.events', partitions: 2, replicationFactor: 1 }]);
  }

  function consumer(): BusConsumer {
    const created = bus.createConsumer({ groupId: 'indexer', topics: ['vigil.events'] });
    consumers.push(created);
    return created;
  }

  it('keeps handling other partitions while one partition is slow', async () => {
    await setUp();
    const gated = gatedHandler(1);
    await consumer().run(gated.handler);
    const producer = bus.createProducer();
    await producer.send('vigil.events', [event(1, 'GET /slow 200'), event(0, 'GET /a 200')]);
    await producer.send('vigil.events', [event(0, 'GET /b 200')]);
    await waitFor(() => gated.offsets(0).length === 2, 'partition 0 to be handled');
    expect(gated.offsets(1)).toEqual([]);
    gated.open();
    await waitFor(() => gated.offsets(1).length === 1, 'partition 1 after release');
  });

  it('hands a partition to a joining member only after the batch in flight is committed', async () => {
    await setUp();
    const first = gatedHandler(1);
    await consumer().run(first.handler);
    const producer = bus.createProducer();
    await producer.send('vigil.events', [event(1, 'POST /login 401'), event(1, 'POST /login 401')]);
    await waitFor(() => first.contexts.length === 1, 'the first member to hold partition 1');

    const second = gatedHandler(-1);
    await consumer().run(second.handler);
    expect(first.contexts[0]!.signal.aborted).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(second.handled).toEqual([]);

    first.open();
    await waitFor(async () => (await bus.committedOffset('indexer', 'vigil.events', 1)) === '2', 'the handed-over commit');
    await producer.send('vigil.events', [event(1, 'POST /login 200'), event(0, 'GET / 200')]);
    await waitFor(() => second.offsets(1).length === 1 && first.offsets(0).length === 1, 'both members to get new messages');
    expect(first.offsets(1)).toEqual(['0', '1']);
    expect(second.offsets(1)).toEqual(['2']);
    expect(second.offsets(0)).toEqual([]);
  });

  it('stop waits for the batch in hand and commits it', async () => {
    await setUp();
    const gated = gatedHandler(0);
    const running = consumer();
    await running.run(gated.handler);
    await bus.createProducer().send('vigil.events', [event(0, 'GET /report.pdf 200')]);
    await waitFor(() => gated.contexts.length === 1, 'the batch to be in hand');

    let stopped = false;
    const stopping = running.stop().then(() => {
      stopped = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(stopped).toBe(false);
    expect(gated.contexts[0]!.signal.aborted).toBe(true);
    gated.open();
    await stopping;
    expect(await bus.committedOffset('indexer', 'vigil.events', 0)).toBe('1');
  });
});
