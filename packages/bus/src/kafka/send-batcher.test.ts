import { describe, expect, it } from 'vitest';
import { SendBatcher, type PendingSend } from './send-batcher.ts';

/** A stand-in for the broker: records each produce request and settles it when the test says so. */
class FakeBroker {
  readonly requests: PendingSend<string>[][] = [];
  readonly #pending: { resolve: () => void; reject: (error: Error) => void }[] = [];

  flush = (sends: readonly PendingSend<string>[]): Promise<void> => {
    this.requests.push([...sends]);
    return new Promise((resolve, reject) => this.#pending.push({ resolve, reject }));
  };

  ack(): void {
    this.#pending.shift()!.resolve();
  }

  fail(error: Error): void {
    this.#pending.shift()!.reject(error);
  }

  get inFlight(): number {
    return this.#pending.length;
  }
}

function send(topic: string, ...values: string[]): PendingSend<string> {
  return { topic, messages: values, bytes: values.reduce((sum, value) => sum + Buffer.byteLength(value), 0) };
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

function track(promise: Promise<void>): { state: () => 'pending' | 'resolved' | 'rejected'; promise: Promise<void> } {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  return { state: () => state, promise };
}

describe('send batcher', () => {
  it('joins sends made while it lingers into one request and resolves each only on the acknowledgement', async () => {
    const broker = new FakeBroker();
    const batcher = new SendBatcher({ lingerMs: 20, maxBatchMessages: 100, maxBatchBytes: 1 << 20, flush: broker.flush });
    const first = track(batcher.add(send('vigil.events', '<34>Oct 11 22:14:15 fw-dmz-1 su: pam_unix(su:session): session opened for user root')));
    const second = track(batcher.add(send('vigil.heartbeats', '{"edge":"edge-7f3a","load":0.42}')));
    const third = track(batcher.add(send('vigil.events', '<86>Oct 11 22:14:16 bastion-1 sshd[4121]: Accepted publickey for deploy')));
    await tick(5);
    expect(broker.requests).toHaveLength(0);
    await tick(30);
    expect(broker.requests).toHaveLength(1);
    expect(broker.requests[0]!.map((entry) => entry.topic)).toEqual(['vigil.events', 'vigil.heartbeats', 'vigil.events']);
    expect([first.state(), second.state(), third.state()]).toEqual(['pending', 'pending', 'pending']);
    broker.ack();
    await Promise.all([first.promise, second.promise, third.promise]);
  });

  it('keeps precompressed sends out of requests with sends to compress, in the order they came', async () => {
    const broker = new FakeBroker();
    const batcher = new SendBatcher({ lingerMs: 10, maxBatchMessages: 100, maxBatchBytes: 1 << 20, flush: broker.flush });
    const frame = (value: string) => ({ ...send('vigil.events', value), precompressed: true });
    const sent = [batcher.add(frame('batch-1')), batcher.add(frame('batch-2')), batcher.add(send('vigil.heartbeats', '{"edge":"edge-7f3a"}')), batcher.add(frame('batch-3'))];
    await tick(20);
    expect(broker.requests).toHaveLength(1);
    broker.ack();
    await tick();
    broker.ack();
    await tick();
    broker.ack();
    await Promise.all(sent);
    expect(broker.requests.map((request) => request.map((entry) => [entry.messages.join(), Boolean(entry.precompressed)]))).toEqual([
      [['batch-1', true], ['batch-2', true]],
      [['{"edge":"edge-7f3a"}', false]],
      [['batch-3', true]],
    ]);
  });

  it('without a linger time, joins the sends of one event-loop turn and delays a lone send by no timer', async () => {
    const broker = new FakeBroker();
    const batcher = new SendBatcher({ lingerMs: 0, maxBatchMessages: 100, maxBatchBytes: 1 << 20, flush: broker.flush });
    const together = [batcher.add(send('vigil.events', 'a')), batcher.add(send('vigil.events', 'b'))];
    await new Promise((resolve) => setImmediate(resolve));
    expect(broker.requests.map((request) => request.flatMap((entry) => entry.messages))).toEqual([['a', 'b']]);
    broker.ack();
    await Promise.all(together);
  });

  it('sends a full batch at once without waiting for the linger time', async () => {
    const broker = new FakeBroker();
    const batcher = new SendBatcher({ lingerMs: 60_000, maxBatchMessages: 3, maxBatchBytes: 1 << 20, flush: broker.flush });
    const sends = [batcher.add(send('vigil.events', 'a', 'b')), batcher.add(send('vigil.events', 'c'))];
    await tick();
    expect(broker.requests.map((request) => request.flatMap((entry) => entry.messages))).toEqual([['a', 'b', 'c']]);
    broker.ack();
    await Promise.all(sends);
  });

  it('keeps one request in flight and sends what queued meanwhile right after it, within the limits', async () => {
    const broker = new FakeBroker();
    const batcher = new SendBatcher({ lingerMs: 1, maxBatchMessages: 4, maxBatchBytes: 1 << 20, flush: broker.flush });
    const first = batcher.add(send('vigil.events', 'e0'));
    await tick(10);
    expect(broker.inFlight).toBe(1);
    const later = Array.from({ length: 6 }, (_, index) => track(batcher.add(send('vigil.events', `e${index + 1}`))));
    await tick(10);
    expect(broker.requests).toHaveLength(1);
    broker.ack();
    await first;
    await tick();
    expect(broker.requests[1]!.flatMap((entry) => entry.messages)).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(later.map((entry) => entry.state())).toEqual(['pending', 'pending', 'pending', 'pending', 'pending', 'pending']);
    broker.ack();
    await tick();
    expect(later.map((entry) => entry.state())).toEqual(['resolved', 'resolved', 'resolved', 'resolved', 'pending', 'pending']);
    expect(broker.requests[2]!.flatMap((entry) => entry.messages)).toEqual(['e5', 'e6']);
    broker.ack();
    await Promise.all(later.map((entry) => entry.promise));
  });

  it('lets a single send larger than the limits go alone, whole', async () => {
    const broker = new FakeBroker();
    const batcher = new SendBatcher({ lingerMs: 1, maxBatchMessages: 2, maxBatchBytes: 10, flush: broker.flush });
    const big = batcher.add(send('vigil.events', 'x'.repeat(40), 'y', 'z'));
    const small = batcher.add(send('vigil.events', 'ok'));
    await tick(5);
    expect(broker.requests[0]!.flatMap((entry) => entry.messages)).toEqual(['x'.repeat(40), 'y', 'z']);
    broker.ack();
    await big;
    await tick();
    expect(broker.requests[1]!.flatMap((entry) => entry.messages)).toEqual(['ok']);
    broker.ack();
    await small;
  });

  it('rejects exactly the sends of a failed request and keeps working for the next ones', async () => {
    const broker = new FakeBroker();
    const batcher = new SendBatcher({ lingerMs: 1, maxBatchMessages: 100, maxBatchBytes: 1 << 20, flush: broker.flush });
    const failing = [batcher.add(send('vigil.events', 'a')), batcher.add(send('vigil.events', 'b'))];
    await tick(5);
    const next = batcher.add(send('vigil.events', 'c'));
    broker.fail(new Error('NOT_ENOUGH_REPLICAS'));
    for (const promise of failing) await expect(promise).rejects.toThrow('NOT_ENOUGH_REPLICAS');
    await tick();
    expect(broker.requests[1]!.flatMap((entry) => entry.messages)).toEqual(['c']);
    broker.ack();
    await next;
  });

  it('drains without waiting for the linger time', async () => {
    const broker = new FakeBroker();
    const batcher = new SendBatcher({ lingerMs: 60_000, maxBatchMessages: 100, maxBatchBytes: 1 << 20, flush: broker.flush });
    const pending = batcher.add(send('vigil.alerts', '{"rule":"ssh brute force"}'));
    const drained = batcher.drain();
    await tick();
    expect(broker.requests).toHaveLength(1);
    broker.ack();
    await drained;
    await pending;
    expect(batcher.queued).toBe(0);
  });
});
