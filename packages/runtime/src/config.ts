import { z } from 'zod';

/**
 * Config helpers. Every component has a zod `.strict()` schema with `.describe()` on each
 * field; the host parses the whole configuration once at boot into a frozen object, and
 * the reference docs are generated from the same schemas.
 */

/** Parses `input` with `schema`, or throws one message that lists every bad key and what to change. */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, source = 'configuration'): Readonly<z.output<S>> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`invalid ${source}:\n${problems.join('\n')}`);
  }
  return deepFreeze(result.data);
}

/** Freezes an object graph so a parsed config cannot be changed after boot. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A TCP/UDP port number. */
export const port = () => z.number().int().min(0).max(65_535);

/** A listen address (host name or IP). */
export const host = () => z.string().min(1);
