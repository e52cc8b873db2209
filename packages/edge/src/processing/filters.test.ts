import { describe, expect, it } from 'vitest';
import { Metrics, parseConfig, silentLogger } from '@vigil/runtime';
import type { EcsEvent } from '@vigil/schema';
import { processingConfigSchema, type Condition, type ProcessingConfigInput, type ProcessingSource } from './config.ts';
import { NOT_KEPT_LABEL } from './metrics.ts';
import { ProcessingPipeline } from './pipeline.ts';
import { LINES, counterValue, syslogEvent } from './test-support.ts';

function pipelineWith(config: ProcessingConfigInput) {
  const metrics = new Metrics({ defaultMetrics: false });
  const out: EcsEvent[] = [];
  const pipeline = new ProcessingPipeline(parseConfig(processingConfigSchema, config), { metrics, logger: silentLogger(), emit: (event) => out.push(event) });
  return { pipeline, metrics, out };
}

/** Which of the lines a single drop filter with `where` lets through. */
function survivors(where: Condition, lines: readonly string[], extra: Partial<ProcessingConfigInput> = {}): string[] {
  const { pipeline, out } = pipelineWith({ filters: [{ name: 'f', action: 'drop', where }], ...extra });
  for (const line of lines) pipeline.process(syslogEvent(line), 'syslog_udp');
  return out.map((event) => event.event!.original!);
}

const ALL = [LINES.failedPassword, LINES.acceptedKey, LINES.debug, LINES.cron, LINES.failedPasswordV6];

describe('filter conditions', () => {
  it("equals: one value, a list, and the value's own type", () => {
    expect(survivors({ field: 'log.syslog.severity.code', equals: 7 }, ALL)).not.toContain(LINES.debug);
    expect(survivors({ field: 'log.syslog.severity.code', equals: 7 }, ALL)).toHaveLength(4);
    expect(survivors({ field: 'host.hostname', equals: ['web-02', 'fw-01'] }, ALL)).toEqual([LINES.failedPassword, LINES.acceptedKey, LINES.failedPasswordV6]);
    // 7 the number is not "7" the string: no surprise coercion.
    expect(survivors({ field: 'log.syslog.severity.code', equals: '7' }, ALL)).toHaveLength(5);
  });

  it('equals on an array field holds when any element is equal', () => {
    expect(survivors({ field: 'related.user', equals: 'deploy' }, ALL)).not.toContain(LINES.acceptedKey);
    expect(survivors({ field: 'related.user', equals: 'deploy' }, ALL)).toHaveLength(4);
  });

  it('matches: a regex on text, and on numbers as their text', () => {
    expect(survivors({ field: 'message', matches: '^Failed password for (?:invalid user )?\\S+ from' }, ALL)).toEqual([LINES.acceptedKey, LINES.debug, LINES.cron]);
    expect(survivors({ field: 'process.name', matches: '^(?i:cron)$' }, ALL)).not.toContain(LINES.cron);
    expect(survivors({ field: 'process.pid', matches: '^42\\d\\d$' }, ALL)).toEqual([LINES.debug, LINES.cron]);
  });

  it('matches with a leading .* the same as without it', () => {
    expect(survivors({ field: 'message', matches: '.*password for .*alice' }, ALL)).toEqual([LINES.acceptedKey, LINES.debug, LINES.cron, LINES.failedPasswordV6]);
    expect(survivors({ field: 'message', matches: '.*' }, ALL)).toEqual([]);
  });

  it('matches tests only the first maxRegexInputChars of a long value', () => {
    const long = `<38>Mar 14 12:00:01 bastion-01 app[1]: ${'x'.repeat(300)} SECRET-MARKER`;
    expect(survivors({ field: 'message', matches: 'SECRET-MARKER' }, [long], { maxRegexInputChars: 4096 })).toEqual([]);
    expect(survivors({ field: 'message', matches: 'SECRET-MARKER' }, [long], { maxRegexInputChars: 256 })).toEqual([long]);
  });

  it('exists: set, unset, and an empty array counts as unset', () => {
    expect(survivors({ field: 'user.name', exists: true }, ALL)).toEqual([LINES.debug, LINES.cron]);
    expect(survivors({ field: 'user.name', exists: false }, ALL)).toEqual([LINES.failedPassword, LINES.acceptedKey, LINES.failedPasswordV6]);
    const { pipeline, out } = pipelineWith({ filters: [{ name: 'untagged', action: 'drop', where: { field: 'tags', exists: false } }] });
    pipeline.process({ ...syslogEvent(LINES.cron), tags: [] }, 'syslog_udp');
    pipeline.process({ ...syslogEvent(LINES.cron), tags: ['pci'] }, 'syslog_udp');
    expect(out.map((event) => event.tags)).toEqual([['pci']]);
  });

  it('cidr: IPv4 and IPv6 networks, IPv4-mapped addresses, and non-addresses never match', () => {
    expect(survivors({ field: 'source.ip', cidr: '203.0.113.0/24' }, ALL)).not.toContain(LINES.failedPassword);
    expect(survivors({ field: 'source.ip', cidr: ['198.51.100.0/24', '2001:db8::/32'] }, ALL)).toEqual([LINES.failedPassword, LINES.debug, LINES.cron]);
    expect(survivors({ field: 'related.ip', cidr: '203.0.113.7' }, ALL)).toHaveLength(4);
    const { pipeline, out } = pipelineWith({ filters: [{ name: 'internal', action: 'drop', where: { field: 'source.address', cidr: '10.0.0.0/8' } }] });
    pipeline.process({ ...syslogEvent(LINES.cron), source: { address: '::ffff:10.1.2.3' } }, 'http');
    pipeline.process({ ...syslogEvent(LINES.cron), source: { address: 'gateway.internal' } }, 'http');
    expect(out.map((event) => event.source?.address)).toEqual(['gateway.internal']);
  });

  it('a field test with several tests needs all of them', () => {
    expect(survivors({ field: 'source.ip', exists: true, cidr: '203.0.113.0/24', matches: '\\.7$' }, ALL)).toHaveLength(4);
    expect(survivors({ field: 'source.ip', cidr: '203.0.113.0/24', matches: '\\.8$' }, ALL)).toHaveLength(5);
  });

  it('all, any and not combine conditions', () => {
    const failedSsh: Condition = { all: [{ field: 'process.name', equals: 'sshd' }, { field: 'event.outcome', equals: 'failure' }] };
    expect(survivors(failedSsh, ALL)).toEqual([LINES.acceptedKey, LINES.debug, LINES.cron]);
    expect(survivors({ any: [{ field: 'process.name', equals: 'CRON' }, { field: 'log.syslog.severity.code', equals: 7 }] }, ALL)).toEqual([
      LINES.failedPassword,
      LINES.acceptedKey,
      LINES.failedPasswordV6,
    ]);
    expect(survivors({ not: { field: 'host.hostname', equals: 'bastion-01' } }, ALL)).toEqual([LINES.failedPassword, LINES.acceptedKey, LINES.failedPasswordV6]);
    expect(survivors({ all: [failedSsh, { not: { field: 'source.ip', cidr: '2001:db8::/32' } }] }, ALL)).toEqual([
      LINES.acceptedKey,
      LINES.debug,
      LINES.cron,
      LINES.failedPasswordV6,
    ]);
  });
});

describe('drop and keep filters', () => {
  const config: ProcessingConfigInput = {
    filters: [
      { name: 'debug-noise', action: 'drop', where: { field: 'log.syslog.severity.code', equals: 7 } },
      { name: 'cron-from-web', action: 'drop', sources: ['syslog_tcp'], where: { field: 'process.name', equals: 'CRON' } },
      { name: 'auth-only', action: 'keep', sources: ['syslog_udp'], where: { field: 'log.syslog.facility.name', equals: ['auth', 'authpriv'] } },
      { name: 'but-not-lab', action: 'drop', sources: ['syslog_udp'], where: { field: 'source.ip', cidr: '2001:db8::/32' } },
    ],
  };

  function run(input: ProcessingSource) {
    const setup = pipelineWith(config);
    for (const line of ALL) setup.pipeline.process(syslogEvent(line, input), input);
    return setup;
  }

  it('an input with keep filters passes only what they match, and drop filters still drop', async () => {
    const { out, metrics } = run('syslog_udp');
    expect(out.map((event) => event.event!.original)).toEqual([LINES.failedPassword, LINES.acceptedKey]);
    expect(await counterValue(metrics, 'vigil_edge_filtered_total', { filter: 'debug-noise' })).toBe(1);
    expect(await counterValue(metrics, 'vigil_edge_filtered_total', { filter: 'but-not-lab' })).toBe(1);
    expect(await counterValue(metrics, 'vigil_edge_filtered_total', { filter: NOT_KEPT_LABEL })).toBe(1);
  });

  it('filters scoped to another input do not apply; unscoped ones apply everywhere', async () => {
    const tcp = run('syslog_tcp');
    expect(tcp.out.map((event) => event.event!.original)).toEqual([LINES.failedPassword, LINES.acceptedKey, LINES.failedPasswordV6]);
    expect(await counterValue(tcp.metrics, 'vigil_edge_filtered_total', { filter: 'cron-from-web' })).toBe(1);
    const http = run('http');
    expect(http.out).toHaveLength(4);
    expect(await counterValue(http.metrics, 'vigil_edge_filtered_total', { filter: 'debug-noise' })).toBe(1);
  });

  it('the first matching drop filter is the one counted', async () => {
    const { pipeline, metrics } = pipelineWith({
      filters: [
        { name: 'first', action: 'drop', where: { field: 'process.name', equals: 'sshd' } },
        { name: 'second', action: 'drop', where: { field: 'host.hostname', equals: 'bastion-01' } },
      ],
    });
    pipeline.process(syslogEvent(LINES.failedPassword), 'syslog_udp');
    expect(await counterValue(metrics, 'vigil_edge_filtered_total', { filter: 'first' })).toBe(1);
    expect(await counterValue(metrics, 'vigil_edge_filtered_total', { filter: 'second' })).toBe(0);
  });

  it('a drop filter wins over a keep filter listed before it', () => {
    const { pipeline, out } = pipelineWith({
      filters: [
        { name: 'keep-sshd', action: 'keep', where: { field: 'process.name', equals: 'sshd' } },
        { name: 'drop-failures', action: 'drop', where: { field: 'event.outcome', equals: 'failure' } },
      ],
    });
    for (const line of ALL) pipeline.process(syslogEvent(line), 'syslog_udp');
    expect(out.map((event) => event.event!.original)).toEqual([LINES.acceptedKey]);
  });

  it('counters for every filter exist at zero from the start, so dashboards can show them', async () => {
    const { metrics } = pipelineWith(config);
    expect((await metrics.render()).body).toContain('vigil_edge_filtered_total{filter="auth-only"} 0');
  });
});
