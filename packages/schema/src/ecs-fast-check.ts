import { isIP } from 'node:net';
import { z } from 'zod';
import { ecsFieldTypes } from './ecs-types.ts';

/** True when a value certainly passes the schema it was compiled from. */
export type FastCheck = (value: unknown) => boolean;

/**
 * Compiles a schema built with the `ecs-types.ts` builders into plain property checks: strict
 * objects, string/number/IP leaves, lists and enums, without zod's per-parse machinery (on the
 * HTTP ingest path zod was a fifth of the edge's time). It may only say "passes" where zod
 * would: any leaf it does not know is handed to that leaf's own zod schema, and a value it
 * refuses is parsed by zod again for the error messages, so zod stays the one judge of what is
 * wrong and this is only the fast way to be right.
 */
export function compileFastCheck(schema: z.ZodType): FastCheck {
  const meta = ecsFieldTypes.get(schema);
  if (meta) return leafCheck(schema, meta.ecsType, meta.array);
  if (schema instanceof z.ZodOptional) {
    const inner = compileFastCheck(schema.unwrap() as z.ZodType);
    return (value) => value === undefined || inner(value);
  }
  if (schema instanceof z.ZodObject && schema._zod.def.catchall instanceof z.ZodNever) return objectCheck(schema.shape as Record<string, z.ZodType>);
  if (schema instanceof z.ZodEnum) {
    const allowed = new Set<unknown>(schema.options);
    return (value) => allowed.has(value);
  }
  return (value) => schema.safeParse(value).success;
}

function objectCheck(shape: Record<string, z.ZodType>): FastCheck {
  const fields = new Map<string, FastCheck>(Object.entries(shape).map(([key, field]) => [key, compileFastCheck(field)]));
  return (value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    for (const key in value) {
      const check = fields.get(key);
      if (check === undefined || !check((value as Record<string, unknown>)[key])) return false;
    }
    return true;
  };
}

function leafCheck(schema: z.ZodType, ecsType: string, array: boolean): FastCheck {
  const one = scalarCheck(ecsType) ?? patternCheck(schema) ?? stringMapCheck(schema);
  if (!one) return (value) => schema.safeParse(value).success;
  if (!array) return one;
  return (value) => {
    if (!Array.isArray(value)) return false;
    for (const item of value) if (!one(item)) return false;
    return true;
  };
}

/** A string format zod checks with one regular expression alone (`z.iso.datetime()`): the same test. */
function patternCheck(schema: z.ZodType): FastCheck | undefined {
  const def = schema._zod.def as { type?: string; pattern?: unknown; checks?: unknown[] };
  if (def.type !== 'string' || !(def.pattern instanceof RegExp) || (def.checks?.length ?? 0) > 0) return undefined;
  const pattern = def.pattern;
  return (value) => typeof value === 'string' && pattern.test(value);
}

/** A record of strings (`labels`): a plain object whose every value is a string. */
function stringMapCheck(schema: z.ZodType): FastCheck | undefined {
  if (!(schema instanceof z.ZodRecord) || !(schema._zod.def.keyType instanceof z.ZodString) || !(schema._zod.def.valueType instanceof z.ZodString)) return undefined;
  if ((schema._zod.def.keyType._zod.def.checks?.length ?? 0) > 0 || (schema._zod.def.valueType._zod.def.checks?.length ?? 0) > 0) return undefined;
  return (value) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return false;
    for (const key in value) if (typeof (value as Record<string, unknown>)[key] !== 'string') return false;
    return true;
  };
}

function scalarCheck(ecsType: string): FastCheck | undefined {
  switch (ecsType) {
    case 'keyword':
    case 'text':
      return (value) => typeof value === 'string';
    case 'long':
      return (value) => Number.isSafeInteger(value);
    case 'float':
      return (value) => typeof value === 'number' && Number.isFinite(value);
    case 'ip':
      return (value) => typeof value === 'string' && isIP(value) !== 0;
    default:
      return undefined;
  }
}
