import { afterEach, describe, expect, it, vi } from 'vitest';
import { Metrics, silentLogger } from '@vigil/runtime';
import { eventId, type EcsEvent } from '@vigil/schema';
import { EdgeMetrics } from '../metrics.ts';
import type { EdgeDeps } from '../edge.ts';
import { MemoryProducer, TEST_EDGE_ID, metricValue, testDeps } from '../test-support.ts';
import { BusSink } from './batch-sink.ts';
import { EventPublisher, type EventPublisherOptions } from './publisher.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function setup(options: Partial<EventPublisherOptions> = {}): { publisher: EventPublisher; producer: MemoryProducer; metrics: Metrics; deps: EdgeDeps } {
  const { deps, producer, metrics, cleanup } = testDeps();
  const edgeMetrics = new EdgeMetrics(metrics);
  const publisher = new EventPublisher({
    sink: new BusSink({ producer, edgeId: TEST_EDGE_ID, maxMessageBytes: 900_000, metrics: edgeMetrics }),
    signer: deps.signer,
    sequence: deps.sequence,
    bootId: deps.bootId,
    maxBatchEvents: 500,
    maxBatchBytes: 900_000,
    compression: 'zstd',
    flushIntervalMs: 20,
    maxInFlightEvents: 10_000,
    retryBaseMs: 5,
    retryMaxMs: 20,
    shutdownTimeoutMs: 2_000,
    metrics: edgeMetrics,
    logger: silentLogger(),
    ...options,
  });
  cleanups.push(cleanup, () => publisher.stop());
  return { publisher, producer, metrics, deps };
}

const line = (n: number): EcsEvent => ({ message: `line ${n}`, event: { kind: 'event', original: `<13>1 - host app - - - line ${n}`, created: '2025-03-14T12:00:00.000Z' } });

describe('batching', () => {
  it('closes a batch at maxBatchEvents and stamps every event with its id and provenance', async () => {
    const { publisher, producer } = setup({ maxBatchEvents: 2, flushIntervalMs: 60_000 });
    await publisher.publish([line(1), line(2), line(3), line(4)]);
    const batches = producer.batches();
    expect(batches).toHaveLength(2);
    expect(producer.messages.every(({ topic, message }) => topic === 'vigil.events' && message.key === TEST_EDGE_ID)).toBe(true);
    expect(batches[1]!.sequence).toBe(batches[0]!.sequence + 1n);
    const [first] = batches;
    expect(first!.events.map((e) => e.message)).toEqual(['line 1', 'line 2']);
    expect(first!.events[1]).toMatchObject({
      event: { id: eventId(TEST_EDGE_ID, 'boot-test', first!.sequence, 1), created: '2025-03-14T12:00:00.000Z' },
      vigil: { edge: { id: TEST_EDGE_ID, boot_id: 'boot-test' }, batch: { sequence: Number(first!.sequence), position: 1 } },
    });
  });

  it('closes a small batch after flushIntervalMs', async () => {
    const { publisher, producer } = setup({ flushIntervalMs: 30 });
    const started = Date.now();
    publisher.enqueue(line(1));
    await producer.waitForEvents(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(producer.batches()).toHaveLength(1);
  });

  it('splits a batch whose events would pass maxBatchBytes, keeping sequence order', async () => {
    // Plain batches, so the JSON size is the batch size (zstd-framed ones: seal.test.ts).
    const { publisher, producer } = setup({ maxBatchBytes: 16 * 1024, flushIntervalMs: 50, compression: 'none' });
    const big = (n: number): EcsEvent => ({ message: 'x'.repeat(6000), event: { original: `big ${n}` } });
    await publisher.publish([big(1), big(2), big(3), big(4), big(5)]);
    const batches = producer.batches();
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(batches.flatMap((b) => b.events.map((e) => e.event?.original))).toEqual(['big 1', 'big 2', 'big 3', 'big 4', 'big 5']);
    for (const message of producer.messages) expect((message.message.value as Buffer).length).toBeLessThan(16 * 1024 + 4096);
    const sequences = batches.map((b) => b.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => (a < b ? -1 : 1)));
  });
});

describe('durability and retries', () => {
  it('resolves publish() only once the bus has the batch', async () => {
    const { publisher, producer } = setup();
    const release = producer.hold();
    let durable = false;
    const done = publisher.publish([line(1)]).then(() => (durable = true));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(durable).toBe(false);
    expect(publisher.inFlight).toBe(1);
    release();
    await done;
    expect(producer.events()).toHaveLength(1);
    expect(publisher.inFlight).toBe(0);
  });

  it('re-sends a rejected batch until the bus takes it, in order, telling waiting callers at once', async () => {
    const { publisher, producer, metrics } = setup({ maxBatchEvents: 2 });
    producer.failNext(3);
    const waiting = publisher.publish([line(1), line(2)]);
    await expect(waiting).rejects.toMatchObject({ code: 'VIGIL_ERR_EDGE_BUS_UNAVAILABLE', status: 503 });
    expect(publisher.failing).toBe(true);
    publisher.enqueue(line(3));
    publisher.enqueue(line(4));
    const events = await producer.waitForEvents(4);
    expect(events.map((e) => e.message)).toEqual(['line 1', 'line 2', 'line 3', 'line 4']);
    // Batches queued while the bus failed go out together, still in order, once it is back.
    expect(producer.attempts).toBe(4);
    await vi.waitFor(() => expect(publisher.failing).toBe(false));
    expect(await metricValue(metrics, 'vigil_edge_publish_failures_total', { stage: 'deliver' })).toBe(3);
    expect(await metricValue(metrics, 'vigil_edge_batches_published_total')).toBe(2);
    expect(await metricValue(metrics, 'vigil_edge_dropped_total')).toBe(0);
  });

  it('tells sources when there is room again after being full', async () => {
    const { publisher, producer } = setup({ maxInFlightEvents: 3 });
    const release = producer.hold();
    let rooms = 0;
    publisher.onRoom(() => rooms++);
    for (let i = 0; i < 3; i++) publisher.enqueue(line(i));
    expect(publisher.isFull()).toBe(true);
    release();
    await producer.waitForEvents(3);
    await vi.waitFor(() => expect(publisher.isFull()).toBe(false));
    expect(rooms).toBe(1);
  });
});

describe('sealing failures', () => {
  it('keeps events while no sequence number can be taken, tells waiting callers, and publishes everything in order once it can', async () => {
    const { publisher, producer, deps } = setup({ maxBatchEvents: 2 });
    const next = vi.spyOn(deps.sequence, 'next').mockImplementation(() => {
      throw new Error('sequence file unwritable');
    });
    const waiting = publisher.publish([line(1), line(2), line(3)]);
    await expect(waiting).rejects.toMatchObject({ code: 'VIGIL_ERR_EDGE_SEAL_FAILED', status: 503 });
    expect(publisher.failing).toBe(true);
    publisher.enqueue(line(4));
    expect(publisher.inFlight).toBe(4);
    next.mockRestore();
    const events = await producer.waitForEvents(4);
    expect(events.map((e) => e.message)).toEqual(['line 1', 'line 2', 'line 3', 'line 4']);
    const sequences = producer.batches().map((b) => b.sequence);
    expect(sequences).toEqual(sequences.map((_, i) => sequences[0]! + BigInt(i)));
    await vi.waitFor(() => expect(publisher.inFlight).toBe(0));
    expect(publisher.failing).toBe(false);
  });

  it('re-signs a batch whose signature failed under the same number, with the events that came meanwhile after it', async () => {
    const { publisher, producer, metrics, deps } = setup({ maxBatchEvents: 2 });
    vi.spyOn(deps.signer, 'signPackedCompressed').mockImplementationOnce(() => {
      throw new Error('key unreadable');
    });
    publisher.enqueue(line(1));
    publisher.enqueue(line(2));
    publisher.enqueue(line(3));
    const events = await producer.waitForEvents(3);
    expect(events.map((e) => e.message)).toEqual(['line 1', 'line 2', 'line 3']);
    const [first, second] = producer.batches();
    expect(first!.events.map((e) => e.vigil?.batch?.sequence)).toEqual([Number(first!.sequence), Number(first!.sequence)]);
    expect(second!.sequence).toBe(first!.sequence + 1n);
    expect(await metricValue(metrics, 'vigil_edge_publish_failures_total', { stage: 'seal' })).toBe(1);
  });

  it('resolves a caller whose last event filled a batch with that batch', async () => {
    const { publisher, producer } = setup({ maxBatchEvents: 2, flushIntervalMs: 60_000 });
    await publisher.publish([line(1), line(2)]);
    expect(producer.batches()).toHaveLength(1);
  });
});

describe('stop', () => {
  it('publishes the open batch and waits for sends in progress', async () => {
    const { publisher, producer } = setup({ flushIntervalMs: 60_000 });
    const release = producer.hold();
    publisher.enqueue(line(1));
    publisher.enqueue(line(2));
    const stopped = publisher.stop();
    setTimeout(release, 50);
    await stopped;
    expect(producer.events().map((e) => e.message)).toEqual(['line 1', 'line 2']);
    expect(publisher.enqueue(line(3))).toBe(false);
  });

  it('gives up after shutdownTimeoutMs when the bus is down, counting every event it drops', async () => {
    const { publisher, producer, metrics } = setup({ shutdownTimeoutMs: 100 });
    producer.failNext(1_000);
    publisher.enqueue(line(1));
    publisher.enqueue(line(2));
    await publisher.stop();
    expect(producer.events()).toHaveLength(0);
    expect(await metricValue(metrics, 'vigil_edge_dropped_total', { reason: 'shutdown' })).toBe(2);
    expect(publisher.inFlight).toBe(0);
  });
});
