import { isUnsafeKey, validateEvent, type EcsEvent } from '@vigil/schema';
import { edgeErrors, type EdgeErrorCode } from '../errors.ts';
import type { BodyItem } from './decode-body.ts';

/** Why one event of a request was rejected. */
export interface ItemError {
  index: number;
  code: EdgeErrorCode;
  /** Dotted field path, when one field is to blame. */
  path?: string;
  message: string;
}

/** Fields only Vigil sets: provenance, receipt times and ids. */
const RESERVED_FIELDS = ['event.id', 'event.created', 'event.ingested', 'vigil.edge', 'vigil.batch', 'vigil.signature', 'vigil.input'].map((path) => {
  const [parent, child] = path.split('.') as [string, string];
  return { path, parent, child };
});
const MAX_DEPTH = 16;

/**
 * Validates the events of one request against the ECS schema, each on its own: a bad event is
 * listed in `errors` and never affects the others. Accepted events get `event.created` (the
 * receipt time), `@timestamp` when missing (the receipt time) and `event.original` when missing
 * (the event's JSON text).
 */
export function prepareEvents(items: readonly BodyItem[], receivedAt: string, maxEventBytes: number): { events: EcsEvent[]; errors: ItemError[]; rejected: number } {
  const events: EcsEvent[] = [];
  const errors: ItemError[] = [];
  let rejected = 0;
  for (const item of items) {
    const problems = check(item, maxEventBytes);
    if ('problems' in problems) {
      rejected++;
      errors.push(...problems.problems);
      continue;
    }
    events.push(stamp(problems.event, problems.text, receivedAt));
  }
  return { events, errors, rejected };
}

function check(item: BodyItem, maxEventBytes: number): { problems: ItemError[] } | { event: EcsEvent; text: string } {
  const { index } = item;
  const unsafe = findUnsafeKey(item.value, 0);
  if (unsafe) {
    const error =
      unsafe.kind === 'deep'
        ? edgeErrors.create('VIGIL_ERR_EDGE_EVENT_TOO_DEEP', { max: MAX_DEPTH })
        : edgeErrors.create('VIGIL_ERR_EDGE_EVENT_UNSAFE_KEY', { key: unsafe.path.at(-1) });
    return { problems: [{ index, code: error.code as EdgeErrorCode, path: unsafe.path.join('.'), message: error.message }] };
  }
  const text = item.text ?? JSON.stringify(item.value);
  const size = Buffer.byteLength(text);
  if (size > maxEventBytes) {
    const error = edgeErrors.create('VIGIL_ERR_EDGE_EVENT_TOO_LARGE', { size, max: maxEventBytes });
    return { problems: [{ index, code: 'VIGIL_ERR_EDGE_EVENT_TOO_LARGE', message: error.message }] };
  }
  const result = validateEvent(item.value);
  if (!result.ok) {
    return {
      problems: result.problems.map((problem) => ({
        index,
        code: problem.message.startsWith('unknown field') ? 'VIGIL_ERR_EDGE_EVENT_UNKNOWN_FIELD' : 'VIGIL_ERR_EDGE_EVENT_INVALID_FIELD',
        path: problem.path,
        message: problem.message,
      })),
    };
  }
  const fields = result.event as Record<string, Record<string, unknown> | undefined>;
  const reserved = RESERVED_FIELDS.filter(({ parent, child }) => fields[parent]?.[child] !== undefined).map(({ path }) => path);
  if (reserved.length > 0) {
    const message = edgeErrors.specs.VIGIL_ERR_EDGE_EVENT_RESERVED_FIELD.message;
    return { problems: reserved.map((path) => ({ index, code: 'VIGIL_ERR_EDGE_EVENT_RESERVED_FIELD', path, message })) };
  }
  return { event: result.event, text };
}

/** Sets the receipt fields in place: the event was parsed from this request alone. */
function stamp(event: EcsEvent, text: string, receivedAt: string): EcsEvent {
  event['@timestamp'] ??= receivedAt;
  const ecs = (event.event ??= {});
  ecs.created = receivedAt;
  ecs.original ??= text;
  (event.vigil ??= {}).input = { type: 'http' };
  return event;
}

/** The first key that could reach a prototype, or nesting deeper than any ECS field. */
function findUnsafeKey(value: unknown, depth: number): { kind: 'unsafe' | 'deep'; path: string[] } | null {
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_DEPTH) return { kind: 'deep', path: [] };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnsafeKey(value[i], depth + 1);
      if (found) return { kind: found.kind, path: [String(i), ...found.path] };
    }
    return null;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (isUnsafeKey(key)) return { kind: 'unsafe', path: [key] };
    const found = findUnsafeKey((value as Record<string, unknown>)[key], depth + 1);
    if (found) return { kind: found.kind, path: [key, ...found.path] };
  }
  return null;
}
