import { EcsFlat, EcsVersion } from '@elastic/ecs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { alertSchema } from './alert.ts';
import { ecsLeaves, type EcsLeaf } from './ecs-leaves.ts';
import { ecsEventSchema, EVENT_KINDS, EVENT_OUTCOMES } from './ecs.ts';
import { fieldSet, ip, keyword, keywords, type EcsFieldType } from './ecs-types.ts';

/** The part of an official ECS field definition the check reads. */
interface EcsDefinition {
  type: string;
  normalize: string[];
  allowed_values?: { name: string }[];
}

const ECS = EcsFlat as unknown as Record<string, EcsDefinition>;
const ecsDefinition = (path: string): EcsDefinition | undefined => (Object.hasOwn(ECS, path) ? ECS[path] : undefined);

/** The ECS types each of Vigil's types stands for (ECS picks a storage variant; the value is the same). */
const SAME_TYPE: Record<EcsFieldType, readonly string[]> = {
  keyword: ['keyword', 'wildcard', 'constant_keyword'],
  text: ['text', 'match_only_text'],
  long: ['long'],
  float: ['float', 'scaled_float', 'half_float'],
  ip: ['ip'],
  date: ['date'],
  geo_point: ['geo_point'],
  object: ['object', 'flattened'],
  flattened: ['flattened', 'object'],
};

const isVigil = (path: string) => path === 'vigil' || path.startsWith('vigil.');

/** The fields of an alert document that are Vigil's own although they sit outside `vigil.*`. */
const ALERT_OWN_FIELDS = ['id', 'rule.tags', 'rule.type'];

/** True when the field sits inside an ECS `nested` field (a list of objects, like threat.enrichments): each of its values is one per object. */
function underNested(path: string): boolean {
  const parts = path.split('.');
  return parts.slice(1).some((_, index) => ecsDefinition(parts.slice(0, index + 1).join('.'))?.type === 'nested');
}

/** One message per field (outside `vigil.*`) whose name, type or list-ness differs from the official ECS definition. */
function ecsMismatches(leaves: EcsLeaf[]): string[] {
  const problems: string[] = [];
  for (const leaf of leaves) {
    if (isVigil(leaf.path)) continue;
    const definition = ecsDefinition(leaf.path);
    if (!definition) {
      problems.push(`${leaf.path}: ECS ${EcsVersion} has no such field (use the ECS name, labels.<name>, or a vigil.* field)`);
      continue;
    }
    if (!SAME_TYPE[leaf.ecsType].includes(definition.type)) {
      problems.push(`${leaf.path}: Vigil types it ${leaf.ecsType}, ECS ${EcsVersion} types it ${definition.type}`);
    }
    const ecsArray = definition.normalize.includes('array') || underNested(leaf.path);
    if (ecsArray && !leaf.array) problems.push(`${leaf.path}: ECS ${EcsVersion} makes it a list (normalize: array), Vigil a single value (use keywords() or ips())`);
    if (!ecsArray && leaf.array) problems.push(`${leaf.path}: ECS ${EcsVersion} makes it a single value, Vigil a list`);
  }
  return problems;
}

const eventLeaves = ecsLeaves(ecsEventSchema);
const alertLeaves = ecsLeaves(alertSchema);

describe(`ECS check against the official ECS ${EcsVersion} definitions`, () => {
  it('gives every event field Vigil emits outside vigil.* the ECS name and type, lists where ECS has lists', () => {
    expect(eventLeaves.filter((leaf) => !isVigil(leaf.path)).length).toBeGreaterThan(200);
    const problems = ecsMismatches(eventLeaves);
    expect(problems, `${problems.length} event fields differ from ECS ${EcsVersion}:\n${problems.join('\n')}`).toEqual([]);
  });

  it("gives the alert document's ECS fields the ECS type, and the same type events give them", () => {
    const problems = ecsMismatches(alertLeaves.filter((leaf) => !ALERT_OWN_FIELDS.includes(leaf.path)));
    expect(problems, `${problems.length} alert fields differ from ECS ${EcsVersion}:\n${problems.join('\n')}`).toEqual([]);
    const eventTypes = new Map(eventLeaves.map((leaf) => [leaf.path, leaf.ecsType]));
    for (const leaf of alertLeaves) {
      if (eventTypes.has(leaf.path)) expect(leaf.ecsType, `${leaf.path}: alerts and events share one mapping`).toBe(eventTypes.get(leaf.path));
    }
    // Alert fields outside both ECS and vigil.* are a deliberate, short list.
    const own = alertLeaves.filter((leaf) => !isVigil(leaf.path) && !ecsDefinition(leaf.path)).map((leaf) => leaf.path);
    expect(own).toEqual(ALERT_OWN_FIELDS);
  });

  it('keeps the vigil.* fields of events and alerts clear of every ECS name', () => {
    const vigilPaths = [...eventLeaves, ...alertLeaves].map((leaf) => leaf.path).filter(isVigil);
    expect(vigilPaths).toContain('vigil.edge.id');
    expect(vigilPaths).toContain('vigil.alert.status');
    const collisions = Object.keys(ECS).filter((name) => isVigil(name) || vigilPaths.some((path) => name.startsWith(`${path}.`) || path.startsWith(`${name}.`)));
    expect(collisions).toEqual([]);
  });

  it('only allows event.kind and event.outcome values that ECS allows', () => {
    const allowed = (path: string) => (ecsDefinition(path)?.allowed_values ?? []).map((value) => value.name);
    expect(allowed('event.kind')).toEqual(expect.arrayContaining([...EVENT_KINDS]));
    expect(allowed('event.outcome')).toEqual(expect.arrayContaining([...EVENT_OUTCOMES]));
  });

  it('names each wrong type, wrong list-ness and unknown name in a message of its own', () => {
    const wrong = z
      .object({
        source: fieldSet({ ip: ip(), port: keyword() }),
        host: fieldSet({ ip: ip(), name: keywords() }),
        process: fieldSet({ commandline: keyword() }),
        vigil: fieldSet({ anything: keyword() }),
      })
      .partial();
    expect(ecsMismatches(ecsLeaves(wrong))).toEqual([
      `source.port: Vigil types it keyword, ECS ${EcsVersion} types it long`,
      `host.ip: ECS ${EcsVersion} makes it a list (normalize: array), Vigil a single value (use keywords() or ips())`,
      `host.name: ECS ${EcsVersion} makes it a single value, Vigil a list`,
      `process.commandline: ECS ${EcsVersion} has no such field (use the ECS name, labels.<name>, or a vigil.* field)`,
    ]);
  });
});
