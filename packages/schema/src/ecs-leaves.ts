import { z } from 'zod';
import { ecsFieldTypes, type EcsFieldType } from './ecs-types.ts';

/** One field of a schema: its dotted path, its ECS type, and whether it holds a list. */
export interface EcsLeaf {
  path: string;
  ecsType: EcsFieldType;
  array: boolean;
}

/**
 * Lists every field of a schema built with the `ecs-types.ts` builders (`ecsEventSchema`,
 * `alertSchema`) as `{ path, ecsType, array }`, in schema order. A field stops at its builder,
 * so `labels` is one `object` leaf and `source.geo.location` one `geo_point`; a list of field
 * sets (an alert's comments) gives its fields as arrays. A fixed set of strings (`z.enum`,
 * `z.literal`) is a `keyword`. Throws on a field built without an ECS type, naming it.
 */
export function ecsLeaves(schema: z.ZodType): EcsLeaf[] {
  const leaves: EcsLeaf[] = [];
  visit(schema, '', false, leaves);
  return leaves;
}

function visit(schema: z.ZodType, path: string, inArray: boolean, leaves: EcsLeaf[]): void {
  const meta = ecsFieldTypes.get(schema);
  if (meta) {
    leaves.push({ path, ecsType: meta.ecsType, array: meta.array || inArray });
    return;
  }
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable || schema instanceof z.ZodDefault) {
    visit(schema.unwrap() as z.ZodType, path, inArray, leaves);
  } else if (schema instanceof z.ZodObject) {
    for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) visit(field, path ? `${path}.${key}` : key, inArray, leaves);
  } else if (schema instanceof z.ZodArray) {
    visit(schema.element as z.ZodType, path, true, leaves);
  } else if (schema instanceof z.ZodEnum || (schema instanceof z.ZodLiteral && [...schema.values].every((value) => typeof value === 'string'))) {
    leaves.push({ path, ecsType: 'keyword', array: inArray });
  } else {
    throw new Error(`schema field '${path || '(root)'}' has no ECS type: build it with the helpers of @vigil/schema's ecs-types.ts (keyword(), long(), …)`);
  }
}
