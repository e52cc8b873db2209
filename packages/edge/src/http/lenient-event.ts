import { z } from 'zod';
import type { VigilError } from '@vigil/runtime';
import { ecsEventSchema, isUnsafeKey, validateEvent, type EcsEvent } from '@vigil/schema';
import { edgeErrors } from '../errors.ts';

/** Bounds on one document, checked before anything is converted. */
export interface LenientLimits {
  /** Most keys, counted at every depth. */
  maxFields: number;
  /** Deepest nesting of objects and arrays. */
  maxDepth: number;
}

/** A converted document, or why it cannot be taken (with the offending dotted path when there is one). */
export type LenientResult = { ok: true; event: EcsEvent; moved: number } | { ok: false; error: VigilError; path?: string };

type Shape = Readonly<Record<string, z.ZodType>>;
type Json = Record<string, unknown>;

const ROOT_SHAPE: Shape = ecsEventSchema.shape;
const TIMESTAMP = unwrap(ecsEventSchema.shape['@timestamp']);
/** Set only by Vigil: a document's own values are kept, but in labels. */
const RESERVED = new Set(['event.id', 'event.created', 'event.ingested', 'vigil']);
const NUMERIC = /^-?\d{1,15}(?:\.\d+)?$/;
const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Turns a document as Elasticsearch shippers send it (Filebeat, Logstash, Vector, Fluent Bit)
 * into a Vigil event without losing anything and without rejecting it for its fields:
 * - every ECS-valid field is kept where it is;
 * - every other field (`agent.*`, `input.type`, `log.offset`, `fields.*`, `@version`, a field
 *   with the wrong type…) moves to `labels` under its dotted path, as a string (arrays as JSON
 *   text); a path already taken in `labels` gets a `~2`, `~3`… suffix;
 * - fields only Vigil sets (`event.id`, `event.created`, `event.ingested`, `vigil.*`) move to labels too;
 * - values are read as Elasticsearch would index them: a single value where ECS has an array, a
 *   number where ECS has a keyword and back, a date without a zone (UTC) or in epoch seconds or
 *   milliseconds (the value as sent is kept in labels too);
 * - shipper habits are understood: `host` as a string (Vector) becomes `host.hostname`, `log` as
 *   a string (Fluent Bit) becomes `message`, `timestamp` (Vector) is the `@timestamp` when there is none;
 * - `event.original` is the document's own, else its `message`, else the whole document text.
 * Only a document over the field or depth limits, or with a key that could reach a prototype,
 * is refused.
 */
export function toLenientEvent(document: Json, sourceText: string, limits: LenientLimits): LenientResult {
  const problem = measure(document, limits);
  if (problem) return { ok: false, ...problem };
  const labels = new Map<string, string>();
  let ownLabels = 0;
  const own = document.labels;
  if (isPlainObject(own)) {
    for (const [key, value] of Object.entries(own)) {
      if (typeof value !== 'string') continue;
      labels.set(key, value);
      ownLabels++;
    }
    for (const [key, value] of Object.entries(own)) if (typeof value !== 'string') moveToLabels(labels, key, value);
  } else if (own !== undefined) {
    moveToLabels(labels, 'labels', own);
  }
  const event: Json = {};
  place(document, ROOT_SHAPE, '', event, labels);
  if (event['@timestamp'] === undefined) {
    const fallback = normalizeTimestamp(document.timestamp);
    if (fallback) event['@timestamp'] = fallback;
  }
  const moved = labels.size - ownLabels;
  if (labels.size > 0) event.labels = Object.fromEntries(labels);
  const ecs = (event.event ?? {}) as Json;
  if (typeof ecs.original !== 'string') {
    ecs.original = typeof event.message === 'string' ? event.message : sourceText;
    event.event = ecs;
  }
  const result = validateEvent(event);
  if (!result.ok) {
    const first = result.problems[0]!;
    return { ok: false, error: edgeErrors.create('VIGIL_ERR_EDGE_EVENT_INVALID_FIELD', { reason: first.message }), path: first.path };
  }
  return { ok: true, event: result.event, moved };
}

/** Walks one level of the document against the schema: valid fields are copied, the rest moved to labels. */
function place(source: Json, shape: Shape, prefix: string, target: Json, labels: Map<string, string>): void {
  for (const [key, value] of Object.entries(source)) {
    if (value === null || value === undefined || isUnsafeKey(key)) continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (path === 'labels') continue;
    if (RESERVED.has(path)) {
      moveToLabels(labels, path, value);
      continue;
    }
    if (prefix === '' && lift(key, value, source, target)) continue;
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (!field) {
      moveToLabels(labels, path, value);
      continue;
    }
    const schema = unwrap(field);
    if (isFieldSet(schema) && isPlainObject(value)) {
      const nested: Json = {};
      place(value, schema.shape as Shape, path, nested, labels);
      if (Object.keys(nested).length > 0) target[key] = nested;
      continue;
    }
    const checked = schema.safeParse(value);
    if (checked.success) {
      target[key] = checked.data;
      continue;
    }
    const coerced = coerce(schema, value);
    const recheck = coerced === undefined ? undefined : schema.safeParse(coerced);
    if (recheck?.success) {
      target[key] = recheck.data;
      // A date read with an assumed zone or from epoch numbers: keep what was sent as well.
      if (isDate(schema)) moveToLabels(labels, path, value);
    } else {
      moveToLabels(labels, path, value);
    }
  }
}

/**
 * What Elasticsearch would index for a value of the wrong shape: a single value where ECS has
 * an array, a number where ECS has a keyword (and back), a date without a zone or in epoch
 * numbers. Undefined when there is no such reading.
 */
function coerce(schema: z.ZodType, value: unknown): unknown {
  if (schema instanceof z.ZodArray) {
    const items: unknown[] = (Array.isArray(value) ? value : [value]).map((item) => coerceScalar(schema.element as z.ZodType, item));
    return items.includes(undefined) ? undefined : items;
  }
  return coerceScalar(schema, value);
}

function coerceScalar(schema: z.ZodType, value: unknown): unknown {
  if (schema.safeParse(value).success) return value;
  if (isDate(schema)) return normalizeTimestamp(value);
  if (schema instanceof z.ZodString && (typeof value === 'number' || typeof value === 'boolean')) return String(value);
  if (schema instanceof z.ZodNumber && typeof value === 'string' && NUMERIC.test(value)) return Number(value);
  return undefined;
}

function isDate(schema: z.ZodType): boolean {
  return schema instanceof z.ZodISODateTime;
}

/** Top-level fields that shippers write differently from ECS; true when handled. */
function lift(key: string, value: unknown, source: Json, target: Json): boolean {
  switch (key) {
    case 'host':
      if (typeof value !== 'string') return false;
      target.host = { ...(target.host as Json | undefined), hostname: value };
      return true;
    case 'log':
      if (typeof value !== 'string' || typeof source.message === 'string') return false;
      target.message = value;
      return true;
    default:
      return false;
  }
}

/** Flattens a value into labels under its dotted path: scalars as strings, arrays as JSON text. */
function moveToLabels(labels: Map<string, string>, path: string, value: unknown): void {
  if (value === null || value === undefined) return;
  if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) if (!isUnsafeKey(key)) moveToLabels(labels, `${path}.${key}`, child);
    return;
  }
  const text = typeof value === 'string' ? value : Array.isArray(value) ? JSON.stringify(value) : String(value);
  let key = path;
  for (let n = 2; labels.has(key); n++) key = `${path}~${n}`;
  labels.set(key, text);
}

/** An ECS date from what shippers send: ISO-8601 with or without a zone (UTC assumed), or epoch seconds/milliseconds. */
export function normalizeTimestamp(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    // Below 1e11 a number is epoch seconds (until the year 5138), above it milliseconds.
    const ms = Math.abs(value) < 1e11 ? value * 1000 : value;
    const date = new Date(ms);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  if (typeof value !== 'string') return undefined;
  if (TIMESTAMP.safeParse(value).success) return value;
  const match = LOCAL_TIME.exec(value.trim());
  if (!match) return undefined;
  const zone = match[3] === undefined ? 'Z' : match[3].length === 5 ? `${match[3].slice(0, 3)}:${match[3].slice(3)}` : match[3];
  const candidate = `${match[1]}T${match[2]}${zone}`;
  return TIMESTAMP.safeParse(candidate).success ? candidate : undefined;
}

/** Counts keys and nesting before any work is done; finds keys that could reach a prototype. */
function measure(document: unknown, limits: LenientLimits): { error: VigilError; path?: string } | undefined {
  let fields = 0;
  const stack: Array<{ value: unknown; depth: number; path: string }> = [{ value: document, depth: 1, path: '' }];
  while (stack.length > 0) {
    const { value, depth, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > limits.maxDepth) return { error: edgeErrors.create('VIGIL_ERR_EDGE_EVENT_TOO_DEEP', { max: limits.maxDepth }), path };
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], depth: depth + 1, path: path === '' ? String(i) : `${path}.${i}` });
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      const childPath = path === '' ? key : `${path}.${key}`;
      if (isUnsafeKey(key)) return { error: edgeErrors.create('VIGIL_ERR_EDGE_EVENT_UNSAFE_KEY', { key }), path: childPath };
      fields++;
      stack.push({ value: child, depth: depth + 1, path: childPath });
    }
  }
  if (fields > limits.maxFields) return { error: edgeErrors.create('VIGIL_ERR_EDGE_EVENT_TOO_MANY_FIELDS', { count: fields, max: limits.maxFields }) };
  return undefined;
}

const fieldSets = new WeakMap<z.ZodType, boolean>();

/** An ECS field set (every field optional) is walked field by field; anything else is checked whole. */
function isFieldSet(schema: z.ZodType): schema is z.ZodObject {
  let known = fieldSets.get(schema);
  if (known === undefined) {
    known = schema instanceof z.ZodObject && Object.values(schema.shape as Shape).every((field) => field instanceof z.ZodOptional);
    fieldSets.set(schema, known);
  }
  return known;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType {
  let current = schema!;
  while (current instanceof z.ZodOptional) current = current.unwrap() as z.ZodType;
  return current;
}

function isPlainObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
