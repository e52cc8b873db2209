import { isUnsafeKey, setField, validateEvent } from '@vigil/schema';

/** What an ECS field holds, as far as replacing its value with a pseudonym goes. */
export interface FieldKind {
  /** `keyword` takes any string (keyword and text fields); `ip` only an IP address. */
  type: 'keyword' | 'ip';
  /** The field is an array of those (`related.ip`, `tags`). */
  array: boolean;
}

const PROBE_KEYWORD = 'pseud:probe';
const PROBE_IP = 'fd00::1';

/**
 * The kind of an ECS field, found by asking the schema itself (so a field added to
 * `@vigil/schema` is known here without a second list): undefined for fields that do not hold
 * free strings (dates, enums, numbers, objects) and for fields the schema does not know.
 */
export function ecsFieldKind(path: string): FieldKind | undefined {
  if (path.split('.').some(isUnsafeKey)) return undefined;
  if (accepts(path, PROBE_KEYWORD)) return { type: 'keyword', array: false };
  if (accepts(path, [PROBE_KEYWORD])) return { type: 'keyword', array: true };
  if (accepts(path, PROBE_IP)) return { type: 'ip', array: false };
  if (accepts(path, [PROBE_IP])) return { type: 'ip', array: true };
  return undefined;
}

function accepts(path: string, value: unknown): boolean {
  const event: Record<string, unknown> = {};
  setField(event, path, value);
  return validateEvent(event).ok;
}

const MAX_CACHED_KINDS = 4096;
const leafKinds = new Map<string, FieldKind['type'] | null>();

/**
 * The kind of a string (or string array element) at `path` inside an event, cached: the paths
 * of valid events are the schema's fields, except under the free-keyed `labels` and
 * `log.syslog.structured_data`, which are keywords and are answered without the cache.
 */
export function leafKind(path: string): FieldKind['type'] | undefined {
  if (path.startsWith('labels.') || path.startsWith('log.syslog.structured_data.')) return 'keyword';
  let kind = leafKinds.get(path);
  if (kind === undefined) {
    kind = ecsFieldKind(path)?.type ?? null;
    if (leafKinds.size < MAX_CACHED_KINDS) leafKinds.set(path, kind);
  }
  return kind ?? undefined;
}
