import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { alertSchema, ecsEventSchema } from '@vigil/schema';
import { ALERT_PROPERTIES, ECS_PROPERTIES, EVENT_PROPERTIES, fieldKinds, type FieldKind } from './mappings.ts';
import { storeTemplates } from './templates.ts';
import { openSearchStoreConfigSchema } from './config.ts';
import { indexNames } from './indices.ts';

type Leaf = 'keyword' | 'long' | 'double' | 'date' | 'ip' | 'record';

/** Every leaf field of a zod schema by dotted path, with the type the schema gives it. */
function schemaLeaves(schema: z.ZodType, path = '', out = new Map<string, Leaf>()): Map<string, Leaf> {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> } })._zod.def;
  const checks = (def.checks ?? []) as { _zod: { def: { check?: string; format?: string } } }[];
  switch (def.type) {
    case 'optional':
    case 'nullable':
      return schemaLeaves(def.innerType as z.ZodType, path, out);
    case 'object':
      for (const [key, value] of Object.entries(def.shape as Record<string, z.ZodType>)) schemaLeaves(value, path ? `${path}.${key}` : key, out);
      return out;
    case 'array':
      return schemaLeaves(def.element as z.ZodType, path, out);
    case 'record':
      return out.set(path, 'record');
    case 'number':
      return out.set(path, checks.some((check) => check._zod.def.format === 'safeint') ? 'long' : 'double');
    case 'string':
      return out.set(path, def.format === 'datetime' ? 'date' : checks.some((check) => check._zod.def.check === 'custom') ? 'ip' : 'keyword');
    default:
      return out.set(path, 'keyword');
  }
}

const EXPECTED_KIND: Record<Leaf, FieldKind> = { keyword: 'keyword', long: 'long', double: 'double', date: 'date', ip: 'ip', record: 'flat_object' };

describe('mappings', () => {
  it('map every ECS event field of @vigil/schema with its type; message and event.original are searched as words', () => {
    const kinds = fieldKinds(ECS_PROPERTIES, EVENT_PROPERTIES);
    const leaves = schemaLeaves(ecsEventSchema);
    expect(leaves.size).toBeGreaterThan(200);
    for (const [path, leaf] of leaves) {
      const expected = path === 'message' || path === 'event.original' ? 'text' : EXPECTED_KIND[leaf];
      expect(kinds.get(path), path).toBe(expected);
    }
    expect(kinds.get('vigil_search.message')).toBe('text');
  });

  it('map every alert field of @vigil/schema with its type', () => {
    const kinds = fieldKinds(ECS_PROPERTIES, ALERT_PROPERTIES);
    for (const [path, leaf] of schemaLeaves(alertSchema)) expect(kinds.get(path), path).toBe(EXPECTED_KIND[leaf]);
  });

  it('give numbers, dates and addresses a keyword sub-field for text matching, and keywords a safe length limit', () => {
    const ecs = ECS_PROPERTIES as Record<string, { properties?: Record<string, unknown> }>;
    expect(ecs.source!.properties!.port).toEqual({ type: 'long', fields: { keyword: { type: 'keyword', ignore_above: 8191, doc_values: false } } });
    expect(ecs.source!.properties!.ip).toMatchObject({ type: 'ip', fields: { keyword: { type: 'keyword' } } });
    expect(ecs['@timestamp']).toMatchObject({ type: 'date', fields: { keyword: { type: 'keyword' } } });
    expect(ecs.tags).toEqual({ type: 'keyword', ignore_above: 8191 });
  });

  it('compose the events and alerts index templates from the component templates under the prefix', () => {
    const config = openSearchStoreConfigSchema.parse({ indexPrefix: 'acme', indices: { shards: 3, replicas: 0, refreshIntervalMs: 500 } });
    const templates = storeTemplates(indexNames('acme'), config);
    expect(templates.components.map((component) => component.name)).toEqual(['acme-ecs', 'acme-events', 'acme-alerts']);
    expect(templates.indexTemplates.map((template) => [template.name, template.body.index_patterns, template.body.composed_of])).toEqual([
      ['acme-events', ['acme-events-*'], ['acme-ecs', 'acme-events']],
      ['acme-alerts', ['acme-alerts'], ['acme-ecs', 'acme-alerts']],
    ]);
    expect(templates.components[1]!.body).toMatchObject({
      template: { settings: { number_of_shards: 3, number_of_replicas: 0, refresh_interval: '500ms' }, mappings: { _source: { excludes: ['vigil_search'] } } },
    });
    expect(templates.indexTemplates[0]!.body).toMatchObject({ template: { aliases: { 'acme-events': {} } } });
  });
});
