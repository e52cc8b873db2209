import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Metrics, parseConfig, silentLogger } from '@vigil/runtime';
import type { EcsEvent } from '@vigil/schema';
import { PROCESSING_SOURCES, processingConfigSchema, type ProcessingConfigInput, type ProcessingSource } from './config.ts';
import { ProcessingPipeline } from './pipeline.ts';
import { Pseudonymiser } from './pseudonymise.ts';
import { LINES, counterValue, problems, syslogEvent } from './test-support.ts';

const KEY = Buffer.alloc(32, 0x5c);

function setup(config: ProcessingConfigInput) {
  const metrics = new Metrics({ defaultMetrics: false });
  const out: EcsEvent[] = [];
  const pipeline = new ProcessingPipeline(parseConfig(processingConfigSchema, config), {
    metrics,
    logger: silentLogger(),
    pseudonymKey: KEY,
    emit: (event) => out.push(event),
  });
  return { pipeline, metrics, out };
}

describe('the processing pipeline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.parse('2025-03-14T12:00:01.250Z'));
  });
  afterEach(() => vi.useRealTimers());

  it('hands events through untouched, at once, when no rule applies to their input', () => {
    const { pipeline, out } = setup({
      filters: [{ name: 'tcp-debug', action: 'drop', sources: ['syslog_tcp'], where: { field: 'log.syslog.severity.code', equals: 7 } }],
    });
    for (const input of PROCESSING_SOURCES.filter((source) => source !== 'syslog_tcp')) {
      const event = syslogEvent(LINES.debug, input);
      const copy = structuredClone(event);
      pipeline.process(event, input);
      expect(out.at(-1)).toBe(event);
      expect(event).toEqual(copy);
    }
    expect(out).toHaveLength(3);
  });

  it('filters, then pseudonymises, then aggregates; every event it emits validates and the counters add up', async () => {
    const { pipeline, metrics, out } = setup({
      filters: [
        // Filters see the original values: pseudonymisation comes after them.
        { name: 'drop-service-account', action: 'drop', where: { field: 'user.name', equals: 'deploy' } },
        { name: 'drop-debug', action: 'drop', where: { field: 'log.syslog.severity.code', equals: 7 } },
      ],
      pseudonymise: { fields: ['user.name', 'source.ip', 'host.hostname'] },
      aggregate: { enabled: true, windowMs: 5_000 },
    });
    const stream: Array<[string, ProcessingSource]> = [
      [LINES.failedPassword, 'syslog_udp'],
      [LINES.acceptedKey, 'syslog_udp'],
      [LINES.failedPassword, 'syslog_udp'],
      [LINES.debug, 'syslog_tcp'],
      [LINES.failedPasswordRepeated, 'syslog_udp'],
      [LINES.failedPasswordV6, 'http'],
      [LINES.failedPasswordV6, 'http'],
      [LINES.cron, 'syslog_tcp'],
      [LINES.cron, 'syslog_tcp'],
    ];
    for (const [line, input] of stream) {
      pipeline.process(syslogEvent(line, input), input);
      vi.advanceTimersByTime(100);
    }
    vi.advanceTimersByTime(5_000);
    const pseudonyms = new Pseudonymiser(['user.name'], KEY);
    expect(out.map((event) => [event.process?.name, event.user?.name, event.vigil!.aggregation?.count])).toEqual([
      ['sshd', pseudonyms.keyword('alice'), undefined],
      ['sshd', pseudonyms.keyword('root'), undefined],
      ['sshd', pseudonyms.keyword('root'), undefined],
      ['CRON', undefined, undefined],
      ['sshd', pseudonyms.keyword('alice'), 4],
      ['CRON', undefined, 1],
    ]);
    for (const event of out) expect(problems(event)).toEqual([]);
    expect(JSON.stringify(out)).not.toMatch(/alice|203\.0\.113\.7|2001:db8::7|bastion-01/);
    expect(out[4]!.tags).toEqual(['pseudonymised']);
    const filtered = (await counterValue(metrics, 'vigil_edge_filtered_total', { filter: 'drop-service-account' })) + (await counterValue(metrics, 'vigil_edge_filtered_total', { filter: 'drop-debug' }));
    const aggregated = await counterValue(metrics, 'vigil_edge_aggregated_total');
    const aggregates = await counterValue(metrics, 'vigil_edge_aggregates_total', { reason: 'window' });
    expect({ filtered, aggregated, aggregates }).toEqual({ filtered: 2, aggregated: 3, aggregates: 2 });
    expect(out.length).toBe(stream.length - filtered - aggregated + aggregates);
    expect(await counterValue(metrics, 'vigil_edge_pseudonymised_total')).toBe(7);
  });

  it('emits inside process() for inputs that do not aggregate, so an HTTP request can be published as one', () => {
    const { pipeline, out } = setup({ aggregate: { enabled: true } });
    const request = [syslogEvent(LINES.acceptedKey, 'http'), syslogEvent(LINES.acceptedKey, 'http')];
    const published: EcsEvent[] = [];
    for (const event of request) {
      pipeline.process(event, 'http');
      published.push(...out.splice(0));
    }
    expect(published).toEqual(request);
    expect(pipeline.pending).toBe(0);
  });

  it('drops and counts an event it cannot process instead of throwing or publishing it half-pseudonymised', async () => {
    const { pipeline, metrics, out } = setup({ pseudonymise: { fields: ['user.name'] } });
    const broken = syslogEvent(LINES.failedPassword);
    Object.defineProperty(broken, 'user', {
      enumerable: true,
      get() {
        throw new Error('unreadable field');
      },
    });
    expect(() => pipeline.process(broken, 'syslog_udp')).not.toThrow();
    pipeline.process(syslogEvent(LINES.acceptedKey), 'syslog_udp');
    expect(out).toHaveLength(1);
    expect(await counterValue(metrics, 'vigil_edge_dropped_total', { reason: 'processing_failed' })).toBe(1);
  });

  it('flush() emits held aggregates now and keeps working afterwards', () => {
    const { pipeline, out } = setup({ aggregate: { enabled: true } });
    for (let i = 0; i < 3; i++) pipeline.process(syslogEvent(LINES.cron), 'syslog_udp');
    pipeline.flush();
    expect(out.map((event) => event.vigil!.aggregation?.count)).toEqual([undefined, 2]);
    for (let i = 0; i < 2; i++) pipeline.process(syslogEvent(LINES.cron), 'syslog_udp');
    vi.advanceTimersByTime(10_000);
    expect(out.map((event) => event.vigil!.aggregation?.count)).toEqual([undefined, 2, undefined, 1]);
  });
});
