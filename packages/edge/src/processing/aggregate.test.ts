import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Metrics, parseConfig, silentLogger } from '@vigil/runtime';
import type { EcsEvent } from '@vigil/schema';
import { processingConfigSchema, type ProcessingConfigInput, type ProcessingSource } from './config.ts';
import { ProcessingPipeline } from './pipeline.ts';
import { LINES, counterValue, problems, syslogEvent } from './test-support.ts';

const START = Date.parse('2025-03-14T12:00:01.000Z');

function setup(aggregate: Partial<NonNullable<ProcessingConfigInput['aggregate']>> = {}, now?: () => number) {
  const metrics = new Metrics({ defaultMetrics: false });
  const out: EcsEvent[] = [];
  const config = parseConfig(processingConfigSchema, { aggregate: { enabled: true, windowMs: 10_000, ...aggregate } });
  const pipeline = new ProcessingPipeline(config, { metrics, logger: silentLogger(), now, emit: (event) => out.push(event) });
  /** Receives `line` now (the fake clock), as the edge would. */
  const receive = (line: string, input: ProcessingSource = 'syslog_udp') => pipeline.process(syslogEvent(line, input, new Date(now?.() ?? Date.now()).toISOString()), input);
  return { pipeline, metrics, out, receive };
}

describe('aggregation of repeats', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(START);
  });
  afterEach(() => vi.useRealTimers());

  it('emits the first event at once and the repeats as one counted event when the window ends', async () => {
    const { pipeline, metrics, out, receive } = setup();
    receive(LINES.failedPassword);
    expect(out).toHaveLength(1);
    expect(out[0]!.vigil!.aggregation).toBeUndefined();
    for (const seconds of [2, 3, 4]) {
      vi.advanceTimersByTime(seconds * 1000);
      receive(LINES.failedPassword);
    }
    expect(out).toHaveLength(1);
    expect(pipeline.pending).toBe(1);
    vi.advanceTimersByTime(999);
    expect(out).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(out).toHaveLength(2);
    const aggregate = out[1]!;
    expect(aggregate.vigil!.aggregation).toEqual({ count: 3 });
    expect(aggregate.event!.start).toBe('2025-03-14T12:00:03.000Z');
    expect(aggregate.event!.end).toBe('2025-03-14T12:00:10.000Z');
    expect(aggregate.event!.created).toBe('2025-03-14T12:00:10.000Z');
    expect(aggregate.message).toBe(out[0]!.message);
    expect(aggregate.event!.original).toBe(LINES.failedPassword);
    expect(problems(aggregate)).toEqual([]);
    expect(pipeline.pending).toBe(0);
    expect(await counterValue(metrics, 'vigil_edge_aggregated_total')).toBe(3);
    expect(await counterValue(metrics, 'vigil_edge_aggregates_total', { reason: 'window' })).toBe(1);
  });

  it('emits nothing more for an event that was not repeated, and starts a new group after the window', () => {
    const { out, receive } = setup();
    receive(LINES.failedPassword);
    vi.advanceTimersByTime(10_000);
    expect(out).toHaveLength(1);
    receive(LINES.failedPassword);
    expect(out).toHaveLength(2);
    expect(out[1]!.vigil!.aggregation).toBeUndefined();
  });

  it('only folds events equal on the key fields', () => {
    const { out, receive } = setup();
    receive(LINES.failedPassword);
    receive(LINES.acceptedKey);
    receive(LINES.failedPasswordV6);
    receive(LINES.cron);
    expect(out).toHaveLength(4);
    const byProgram = setup({ keyFields: ['host.hostname', 'process.name'] });
    byProgram.receive(LINES.failedPassword);
    byProgram.receive(LINES.acceptedKey);
    byProgram.receive(LINES.failedPasswordV6);
    vi.advanceTimersByTime(10_000);
    expect(byProgram.out.map((event) => event.vigil!.aggregation?.count)).toEqual([undefined, 2]);
    expect(byProgram.out[1]!.event!.original).toBe(LINES.failedPasswordV6);
  });

  it('adds the count of "message repeated N times" lines instead of losing it', () => {
    const { out, receive } = setup();
    receive(LINES.failedPassword);
    receive(LINES.failedPasswordRepeated);
    receive(LINES.failedPassword);
    vi.advanceTimersByTime(10_000);
    expect(out.map((event) => event.vigil!.aggregation?.count)).toEqual([undefined, 4]);
    // A wrapper that starts a group goes out at once with its own count.
    receive(LINES.failedPasswordRepeated);
    expect(out[2]!.vigil!.aggregation).toEqual({ count: 3 });
  });

  it('when maxGroups is reached, closes the oldest group early and emits its repeats rather than losing them', async () => {
    const { out, metrics, receive } = setup({ maxGroups: 2 });
    receive(LINES.failedPassword);
    receive(LINES.failedPassword);
    receive(LINES.acceptedKey);
    receive(LINES.acceptedKey);
    receive(LINES.cron);
    expect(out.map((event) => [event.process!.name, event.vigil!.aggregation?.count])).toEqual([
      ['sshd', undefined],
      ['sshd', undefined],
      ['sshd', 1],
      ['CRON', undefined],
    ]);
    expect(out[2]!.event!.original).toBe(LINES.failedPassword);
    expect(await counterValue(metrics, 'vigil_edge_aggregates_total', { reason: 'evicted' })).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(out[4]!.event!.original).toBe(LINES.acceptedKey);
    expect(out[4]!.vigil!.aggregation).toEqual({ count: 1 });
  });

  it('stop() emits what is held, clears its timer, and later events pass straight through', async () => {
    const { pipeline, out, metrics, receive } = setup();
    receive(LINES.failedPassword);
    receive(LINES.failedPassword);
    receive(LINES.acceptedKey);
    receive(LINES.acceptedKey);
    receive(LINES.acceptedKey);
    expect(pipeline.pending).toBe(2);
    pipeline.stop();
    expect(vi.getTimerCount()).toBe(0);
    expect(pipeline.pending).toBe(0);
    expect(out.map((event) => event.vigil!.aggregation?.count)).toEqual([undefined, undefined, 1, 2]);
    expect(await counterValue(metrics, 'vigil_edge_aggregates_total', { reason: 'flush' })).toBe(2);
    receive(LINES.acceptedKey);
    receive(LINES.acceptedKey);
    expect(out).toHaveLength(6);
  });

  it('never aggregates http, nor syslog inputs left out of sources', () => {
    const { out, receive } = setup({ sources: ['syslog_udp', 'syslog_tls'] });
    for (const input of ['http', 'syslog_tcp'] as const) {
      receive(LINES.failedPassword, input);
      receive(LINES.failedPassword, input);
    }
    expect(out).toHaveLength(4);
    receive(LINES.failedPassword, 'syslog_tls');
    receive(LINES.failedPassword, 'syslog_tls');
    expect(out).toHaveLength(5);
  });

  it('keeps the same line from different inputs in different groups', () => {
    const { out, receive } = setup();
    receive(LINES.failedPassword, 'syslog_udp');
    receive(LINES.failedPassword, 'syslog_tcp');
    expect(out).toHaveLength(2);
  });
});

describe('aggregation with a clock that runs ahead of the timer', () => {
  it('closes an ended window when the next repeat arrives, before the timer has run', () => {
    let clock = START;
    const { out, receive, pipeline } = setup({ windowMs: 1_000 }, () => clock);
    receive(LINES.failedPassword);
    clock += 500;
    receive(LINES.failedPassword);
    clock += 600;
    receive(LINES.failedPassword);
    expect(out.map((event) => event.vigil!.aggregation?.count)).toEqual([undefined, 1, undefined]);
    expect(out[1]!.event!.end).toBe('2025-03-14T12:00:01.500Z');
    pipeline.stop();
  });
});
