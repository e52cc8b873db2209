import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { alertSchema } from './alert.ts';
import { ecsLeaves } from './ecs-leaves.ts';
import { ecsEventSchema, validateEvent } from './ecs.ts';
import { fieldSet, keyword } from './ecs-types.ts';

const leafAt = (schema: z.ZodType, path: string) => ecsLeaves(schema).find((leaf) => leaf.path === path);

describe('ecsLeaves', () => {
  it('lists event fields by dotted path with the ECS type their builder records', () => {
    expect(leafAt(ecsEventSchema, '@timestamp')).toEqual({ path: '@timestamp', ecsType: 'date', array: false });
    expect(leafAt(ecsEventSchema, 'message')).toEqual({ path: 'message', ecsType: 'text', array: false });
    expect(leafAt(ecsEventSchema, 'source.port')).toEqual({ path: 'source.port', ecsType: 'long', array: false });
    expect(leafAt(ecsEventSchema, 'event.risk_score')).toEqual({ path: 'event.risk_score', ecsType: 'float', array: false });
    expect(leafAt(ecsEventSchema, 'user.target.name')).toEqual({ path: 'user.target.name', ecsType: 'keyword', array: false });
    expect(leafAt(ecsEventSchema, 'event.kind')).toEqual({ path: 'event.kind', ecsType: 'keyword', array: false });
  });

  it('marks list fields as arrays', () => {
    expect(leafAt(ecsEventSchema, 'related.ip')).toEqual({ path: 'related.ip', ecsType: 'ip', array: true });
    expect(leafAt(ecsEventSchema, 'event.category')).toEqual({ path: 'event.category', ecsType: 'keyword', array: true });
    // An alert's comments are a list of objects: each of their fields is a list.
    expect(leafAt(alertSchema, 'vigil.alert.comments.text')).toEqual({ path: 'vigil.alert.comments.text', ecsType: 'text', array: true });
  });

  it('reports object-valued fields as one leaf, not their keys', () => {
    const paths = ecsLeaves(ecsEventSchema).map((leaf) => leaf.path);
    expect(leafAt(ecsEventSchema, 'labels')).toEqual({ path: 'labels', ecsType: 'object', array: false });
    expect(leafAt(ecsEventSchema, 'log.syslog.structured_data')).toEqual({ path: 'log.syslog.structured_data', ecsType: 'flattened', array: false });
    expect(leafAt(ecsEventSchema, 'source.geo.location')).toEqual({ path: 'source.geo.location', ecsType: 'geo_point', array: false });
    expect(paths.filter((path) => path.startsWith('source.geo.location.'))).toEqual([]);
    expect(leafAt(alertSchema, 'vigil.alert.group')).toEqual({ path: 'vigil.alert.group', ecsType: 'object', array: false });
  });

  it('keeps the ECS type through optional, nullable and refined fields', () => {
    expect(leafAt(alertSchema, 'vigil.alert.assignee')).toEqual({ path: 'vigil.alert.assignee', ecsType: 'keyword', array: false });
    expect(leafAt(alertSchema, 'rule.description')).toEqual({ path: 'rule.description', ecsType: 'keyword', array: false });
    expect(leafAt(z.object({ note: keyword().min(1).max(20).optional() }), 'note')).toEqual({ path: 'note', ecsType: 'keyword', array: false });
  });

  it('refuses a field built without an ECS type, naming it', () => {
    const untyped = z.object({ dns: fieldSet({ question: fieldSet({ name: z.string() }) }) });
    expect(() => ecsLeaves(untyped)).toThrow(/'dns\.question\.name' has no ECS type/);
  });
});

describe('validation with the typed builders', () => {
  const base = { '@timestamp': '2024-05-14T08:00:01Z' };

  it('accepts a syslog event with labels, structured data and a geo location', () => {
    const event = {
      ...base,
      labels: { site: 'ams-1' },
      log: { syslog: { structured_data: { 'exampleSDID@32473': { iut: '3', eventSource: 'Application' } } } },
      source: { ip: '203.0.113.9', geo: { location: { lat: 52.37, lon: 4.9 } } },
      host: { ip: ['10.0.0.5', 'fe80::1'] },
    };
    expect(validateEvent(event)).toEqual({ ok: true, event });
  });

  it('rejects what it rejected before, by path', () => {
    const bad = {
      ...base,
      labels: { site: 3 },
      source: { geo: { location: { lat: 52.37, lon: 4.9, alt: 2 } } },
      host: { ip: ['10.0.0.256'] },
      log: { syslog: { structured_data: { origin: 'x' } } },
    };
    const result = validateEvent(bad);
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.problems.map((problem) => problem.path).sort()).toEqual([
      'host.ip.0',
      'labels.site',
      'log.syslog.structured_data.origin',
      'source.geo.location.alt',
    ]);
  });
});
