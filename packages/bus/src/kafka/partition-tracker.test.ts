import { afterEach, describe, expect, it } from 'vitest';
import { PartitionTracker } from './partition-tracker.ts';

describe('partition tracker', () => {
  let tracker = new PartitionTracker();
  afterEach(() => {
    tracker.stopAll();
    tracker = new PartitionTracker();
  });

  it('aborts the batch of a partition that moved to another member and stops owning it', () => {
    tracker.joined({ 'vigil.events': [0, 1] });
    const generation = tracker.generation;
    const moving = tracker.begin('vigil.events', 1);
    const staying = tracker.begin('vigil.events', 0);
    tracker.joined({ 'vigil.events': [0] });
    expect(moving.signal.aborted).toBe(true);
    expect(staying.signal.aborted).toBe(false);
    // Even the partition that stayed: its batch began in the old generation and is not committed.
    expect(tracker.owns('vigil.events', 0, generation)).toBe(false);
    expect(tracker.owns('vigil.events', 0, tracker.generation)).toBe(true);
    expect(tracker.owns('vigil.events', 1, tracker.generation)).toBe(false);
  });

  it('owns nothing of the generation it was fenced out of', () => {
    tracker.joined({ 'vigil.alerts': [0] });
    const inHand = tracker.begin('vigil.alerts', 0);
    tracker.fence();
    expect(inHand.signal.aborted).toBe(true);
    expect(tracker.owns('vigil.alerts', 0, tracker.generation)).toBe(false);
    tracker.joined({ 'vigil.alerts': [0] });
    expect(tracker.owns('vigil.alerts', 0, tracker.generation)).toBe(true);
  });

  it('counts attempts of the same failed batch and starts again for another batch', () => {
    tracker.joined({ 'vigil.events': [0] });
    expect(tracker.failed('vigil.events', 0, '10', '19')).toBe(1);
    expect(tracker.failed('vigil.events', 0, '10', '19')).toBe(2);
    expect(tracker.retryOf('vigil.events', 0)).toEqual({ firstOffset: '10', lastOffset: '19', attempt: 2 });
    tracker.succeeded('vigil.events', 0);
    expect(tracker.failed('vigil.events', 0, '20', '29')).toBe(1);
    tracker.joined({});
    expect(tracker.retryOf('vigil.events', 0)).toBeUndefined();
  });

  it('pauses per partition: a caller pause and a backoff together, each lifted on its own', async () => {
    tracker.joined({ 'vigil.events': [0, 1, 2], 'vigil.alerts': [0] });
    let backoffEnded = false;
    tracker.backOff('vigil.events', 2, 30, () => (backoffEnded = true));
    tracker.pauseTopics(['vigil.alerts']);
    expect(tracker.pauseState()).toEqual({
      pause: [
        { topic: 'vigil.events', partitions: [2] },
        { topic: 'vigil.alerts', partitions: [0] },
      ],
      resume: [{ topic: 'vigil.events', partitions: [0, 1] }],
    });

    tracker.pauseTopics(['vigil.events']);
    tracker.resumeTopics(['vigil.alerts']);
    expect(tracker.pauseState()).toEqual({
      pause: [{ topic: 'vigil.events', partitions: [0, 1, 2] }],
      resume: [{ topic: 'vigil.alerts', partitions: [0] }],
    });

    tracker.resumeTopics(['vigil.events']);
    expect(tracker.isPaused('vigil.events', 2)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(backoffEnded).toBe(true);
    expect(tracker.isPaused('vigil.events', 2)).toBe(false);
  });

  it('cancels the backoff of a partition that moved away, and every backoff on stop', async () => {
    tracker.joined({ 'vigil.events': [0, 1] });
    const ended: number[] = [];
    tracker.backOff('vigil.events', 0, 20, () => ended.push(0));
    tracker.backOff('vigil.events', 1, 20, () => ended.push(1));
    tracker.joined({ 'vigil.events': [1] });
    const inHand = tracker.begin('vigil.events', 1);
    tracker.stopAll();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(ended).toEqual([]);
    expect(inHand.signal.aborted).toBe(true);
    expect(tracker.isPaused('vigil.events', 1)).toBe(false);
  });
});
