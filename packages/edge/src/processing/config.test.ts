import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseConfig } from '@vigil/runtime';
import { processingConfigSchema, type ProcessingConfigInput } from './config.ts';
import { checkFilterRegex } from './regex-guard.ts';

function parse(input: ProcessingConfigInput) {
  return parseConfig(processingConfigSchema, input, 'processing configuration');
}

function configError(input: unknown): string {
  try {
    parseConfig(processingConfigSchema, input, 'processing configuration');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

const drop = (where: unknown) => ({ filters: [{ name: 'f', action: 'drop', where }] });

describe('processing configuration', () => {
  it('does nothing by default: no filters, no pseudonymised fields, aggregation off with a 10 s window', () => {
    const config = parse({});
    expect(config.filters).toEqual([]);
    expect(config.pseudonymise.fields).toEqual([]);
    expect(config.aggregate).toMatchObject({ enabled: false, windowMs: 10_000, maxGroups: 10_000 });
    expect(config.aggregate.keyFields).toContain('message');
    expect(config.aggregate.keyFields).toContain('source.ip');
  });

  it('accepts every condition type, combinators and syslog_tls as a source', () => {
    const config = parse({
      filters: [
        {
          name: 'drop-debug-from-lab',
          action: 'drop',
          sources: ['syslog_udp', 'syslog_tls'],
          where: {
            all: [
              { field: 'log.syslog.severity.code', equals: [7, 6] },
              { any: [{ field: 'source.ip', cidr: ['10.0.0.0/8', '2001:db8::/32'] }, { field: 'host.hostname', matches: '^lab-(?i:web)\\d+$' }] },
              { not: { field: 'user.name', exists: true } },
            ],
          },
        },
      ],
    });
    expect(config.filters[0]!.sources).toEqual(['syslog_udp', 'syslog_tls']);
  });

  it('rejects an invalid regex at config time, naming the filter and the regex error', () => {
    expect(configError(drop({ field: 'message', matches: 'Failed (password' }))).toMatch(/filters\.0\.where\.matches: invalid regular expression: .*Unterminated group/);
  });

  it('rejects regexes that backtrack catastrophically, with a rewrite hint', () => {
    for (const pattern of ['(a+)+$', '^(\\w+\\s?)*$', '(?:GET|POST|GE)*x', '(\\d{1,3}\\.?){4,}', '\\s*\\s*\\s*x', '.*.*=']) {
      expect(configError(drop({ field: 'message', matches: pattern })), pattern).toMatch(/filters\.0\.where\.matches: .*(exponentially|twice in a row)/);
    }
  });

  it('accepts the ordinary patterns people write for logs', () => {
    for (const pattern of [
      '^Failed password for (?:invalid user )?\\S+ from \\S+ port \\d+',
      '(\\d{1,3}\\.){3}\\d{1,3}',
      'CRON\\[\\d+\\]: \\(root\\) CMD',
      '^[a-z0-9-]+\\.example\\.(?:com|org)$',
      '(?<user>[\\w.-]+)@corp\\.example',
      '\\p{L}+ session opened',
      '[(*+]+\\)',
    ]) {
      expect(checkFilterRegex(pattern), pattern).toBeUndefined();
    }
  });

  it('rejects bad CIDRs, empty and mixed conditions', () => {
    expect(configError(drop({ field: 'source.ip', cidr: ['10.0.0.0/8', '10.0.0.0/33'] }))).toContain('10.0.0.0/33 has a prefix length that is not 0–32');
    expect(configError(drop({ field: 'source.ip', cidr: 'intranet' }))).toContain('intranet is not a CIDR');
    expect(configError(drop({ field: 'message' }))).toContain('a field test needs at least one of equals, matches, exists, cidr');
    expect(configError(drop({ equals: 'x' }))).toContain('a condition needs a field');
    expect(configError(drop({ field: 'message', equals: 'x', all: [{ field: 'message', exists: true }] }))).toContain('either a field test or one of all/any/not');
    expect(configError(drop({ all: [{ field: 'a', exists: true }], any: [{ field: 'b', exists: true }] }))).toContain('a condition has one combinator');
    expect(configError(drop({ field: 'message', equals: 'x', regex: 'y' }))).toMatch(/Unrecognized key.*regex/);
  });

  it('rejects field paths that are not dotted names or would reach a prototype', () => {
    expect(configError(drop({ field: 'user..name', exists: true }))).toContain('must be a dotted ECS field path');
    expect(configError(drop({ field: 'user.__proto__.x', exists: true }))).toContain('must not name __proto__');
  });

  it('rejects duplicate and malformed filter names', () => {
    const filters = [
      { name: 'noise', action: 'drop', where: { field: 'message', exists: false } },
      { name: 'noise', action: 'keep', where: { field: 'message', exists: true } },
    ];
    expect(configError({ filters })).toContain('filters.1.name: filter name noise is used twice');
    expect(configError({ filters: [{ name: 'no spaces', action: 'drop', where: { field: 'message', exists: false } }] })).toContain('filters.0.name');
  });

  it('refuses to pseudonymise fields that would no longer validate or that Vigil owns', () => {
    const message = configError({ pseudonymise: { fields: ['user.name', 'source.port', 'event.created', 'vigil.edge.id', 'user.nickname'] } });
    expect(message).toContain('pseudonymise.fields.1: source.port is not a keyword or IP field');
    expect(message).toContain('pseudonymise.fields.2: event.created is not a keyword or IP field');
    expect(message).toContain('pseudonymise.fields.3: vigil.edge.id is set by Vigil');
    expect(message).toContain('pseudonymise.fields.4: user.nickname is not a keyword or IP field');
    expect(message).not.toContain('fields.0');
  });

  it('refuses aggregation for http, because HTTP input is acknowledged only once durable', () => {
    expect(configError({ aggregate: { enabled: true, sources: ['syslog_udp', 'http'] } })).toContain(
      'aggregate.sources: http cannot aggregate: HTTP input is acknowledged only once durable',
    );
    expect(parse({ aggregate: { enabled: true, sources: ['syslog_tls'] } }).aggregate.sources).toEqual(['syslog_tls']);
  });

  it('describes every field, so the configuration reference can be generated from it', () => {
    const json = JSON.stringify(z.toJSONSchema(processingConfigSchema, { io: 'input', unrepresentable: 'any' }));
    const undocumented: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (!node || typeof node !== 'object') return;
      const schema = node as { properties?: Record<string, { description?: string }> };
      for (const [key, child] of Object.entries(schema.properties ?? {})) {
        if (!child.description) undocumented.push(`${path}${key}`);
        walk(child, `${path}${key}.`);
      }
      for (const [key, child] of Object.entries(node)) if (key !== 'properties') walk(child, path);
    };
    walk(JSON.parse(json), '');
    expect(undocumented).toEqual([]);
  });
});
