import { EVENT_KINDS, EVENT_OUTCOMES, ecsEventSchema, ecsLeaves } from '@vigil/schema';

/** How a value of one ECS field is checked and written. */
export type LeafKind = 'keyword' | 'long' | 'float' | 'ip' | 'date' | 'keywords' | 'ips' | 'enum' | 'record' | 'geo_point';

/** One field of Vigil's ECS schema. */
export interface EcsLeaf {
  kind: LeafKind;
  /** The path split at its dots, for writing the field. */
  parts: readonly string[];
  /** For `enum`: the allowed values. */
  values?: ReadonlySet<string>;
}

// Fields the schema restricts to a fixed set of values (ecsLeaves reports them as keywords).
const ENUMS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['event.kind', new Set<string>(EVENT_KINDS)],
  ['event.outcome', new Set<string>(EVENT_OUTCOMES)],
]);

/**
 * Every field of `@vigil/schema`'s ECS event schema by dotted path, read once at start-up so
 * the hot path checks JSON input against a plain map, not zod. Lists of anything but keywords
 * and IPs are left out: such input stays in `labels`.
 */
export const ECS_LEAVES: ReadonlyMap<string, EcsLeaf> = new Map(
  ecsLeaves(ecsEventSchema).flatMap(({ path, ecsType, array }): [string, EcsLeaf][] => {
    const parts = path.split('.');
    const values = ENUMS.get(path);
    if (values) return [[path, { kind: 'enum', parts, values }]];
    const kind = leafKind(ecsType, array);
    return kind ? [[path, { kind, parts }]] : [];
  }),
);

function leafKind(ecsType: string, array: boolean): LeafKind | undefined {
  switch (ecsType) {
    case 'keyword':
    case 'text':
      return array ? 'keywords' : 'keyword';
    case 'ip':
      return array ? 'ips' : 'ip';
    case 'object':
    case 'flattened':
      return 'record';
    case 'long':
    case 'float':
    case 'date':
    case 'geo_point':
      return array ? undefined : ecsType;
    default:
      return undefined;
  }
}

/** Writes a leaf's value, creating the field sets on its path (schema paths only, never input keys). */
export function setLeafValue(event: Record<string, unknown>, leaf: EcsLeaf, value: unknown): void {
  const { parts } = leaf;
  let current = event;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    const next = current[part];
    if (next !== null && typeof next === 'object' && !Array.isArray(next)) current = next as Record<string, unknown>;
    else {
      const created: Record<string, unknown> = {};
      current[part] = created;
      current = created;
    }
  }
  current[parts[parts.length - 1]!] = value;
}
