import type { z } from 'zod';
import { alertSchema, ecsEventSchema, ecsLeaves, type EcsFieldType } from '@vigil/schema';

/**
 * OpenSearch mappings for Vigil's documents, derived from `@vigil/schema`: every field of
 * `ecsEventSchema` and `alertSchema` is mapped by the ECS type its builder records.
 *
 * - `keyword` fields are matched case-insensitively at query time (`case_insensitive: true`),
 *   not through a lower-casing normalizer, so stored values, sorting and text ranges keep
 *   their case, as in SQLite.
 * - Numbers, dates and IPs get a `keyword` sub-field holding the value as written. The query
 *   language matches `field:value` and wildcards against the text of a value (`status_code:5*`,
 *   `@timestamp:2024-05-14*`) and compares text ranges as text, like SQLite does.
 * - Numbers are `double`, not ECS's `float`, so a numeric range compares exactly what SQLite
 *   compares (64-bit floating point).
 * - String records (`labels`, syslog structured data, an alert's group) are `flat_object`:
 *   any key (even with dots) is searchable as `labels.<key>` and can never cause a mapping
 *   conflict between documents.
 */

/** One OpenSearch field mapping (`{ type: 'keyword', … }` or `{ properties: … }`). */
export type FieldMapping = Record<string, unknown>;
/** The `properties` of an object mapping. */
export type Properties = Record<string, FieldMapping>;

// Lucene refuses terms over 32766 bytes; 8191 characters of UTF-8 always fit. Longer values are kept, just not indexed.
const IGNORE_ABOVE = 8191;
const asText = { keyword: { type: 'keyword', ignore_above: IGNORE_ABOVE, doc_values: false } };

const keyword = (): FieldMapping => ({ type: 'keyword', ignore_above: IGNORE_ABOVE });
const long = (): FieldMapping => ({ type: 'long', fields: asText });
const double = (): FieldMapping => ({ type: 'double', fields: asText });
const date = (): FieldMapping => ({ type: 'date', fields: asText });
const ip = (): FieldMapping => ({ type: 'ip', fields: asText });
const flat = (): FieldMapping => ({ type: 'flat_object' });
/** A field kept in `_source` only; its words are searched through `vigil_search` instead. */
const storedText = (): FieldMapping => ({ type: 'text', index: false });
/** A field of pre-analysed words (see `text-analysis.ts`). */
const analysedWords = (): FieldMapping => ({ type: 'text', analyzer: 'whitespace', norms: false });
const object = (properties: Properties): FieldMapping => ({ properties });

/** Where the pre-analysed words of an event's `message` and `event.original` are indexed (never in `_source`). */
export const SEARCH_FIELDS = { message: 'vigil_search.message', 'event.original': 'vigil_search.original' } as const;

/** How each ECS type is mapped outside the special cases below. */
const BY_ECS_TYPE: Record<EcsFieldType, () => FieldMapping> = {
  keyword,
  // Text outside the searched words is matched like a keyword (wildcards find substrings), as in SQLite.
  text: keyword,
  long,
  float: double,
  ip,
  date,
  // Kept as two numbers rather than a geo_point so that range queries on lat/lon behave as in SQLite.
  geo_point: () => object({ lat: double(), lon: double() }),
  object: flat,
  flattened: flat,
};

/** The properties of the three component templates. */
export interface DerivedMappings {
  /** ECS fields shared by events and alerts (without `message` and `event.original`). */
  ecs: Properties;
  /** Event-only fields: `message` and `event.original` (stored, searched through `vigil_search`), and `vigil.*`. */
  events: Properties;
  /** Alert-only fields: what the alert schema has beyond the shared ECS fields; its `message` is a keyword. */
  alerts: Properties;
}

/**
 * Derives the mappings from the schemas' fields and their ECS types (`ecsLeaves`), so a field
 * added to the schema is mapped without touching the store. Throws if the alert schema gives
 * a shared ECS field another type than the event schema: both use one `<prefix>-ecs` mapping.
 */
export function deriveMappings(eventSchema: z.ZodType, alertDocumentSchema: z.ZodType): DerivedMappings {
  const mappings: DerivedMappings = { ecs: {}, events: {}, alerts: {} };
  const isSearched = (path: string) => Object.hasOwn(SEARCH_FIELDS, path);
  const eventTypes = new Map<string, EcsFieldType>();
  for (const leaf of ecsLeaves(eventSchema)) {
    eventTypes.set(leaf.path, leaf.ecsType);
    if (isSearched(leaf.path)) put(mappings.events, leaf.path, storedText());
    else put(isVigil(leaf.path) ? mappings.events : mappings.ecs, leaf.path, BY_ECS_TYPE[leaf.ecsType]());
  }
  for (const path of Object.values(SEARCH_FIELDS)) put(mappings.events, path, analysedWords());
  for (const leaf of ecsLeaves(alertDocumentSchema)) {
    const eventType = eventTypes.get(leaf.path);
    if (eventType !== undefined && eventType !== leaf.ecsType) {
      throw new Error(`alert field '${leaf.path}' is ${leaf.ecsType} but events have it as ${eventType}; both share one ECS mapping`);
    }
    if (eventType === undefined || isSearched(leaf.path) || isVigil(leaf.path)) put(mappings.alerts, leaf.path, BY_ECS_TYPE[leaf.ecsType]());
  }
  return mappings;
}

const isVigil = (path: string) => path.startsWith('vigil.');

/** Sets a dotted path's mapping, creating the object mappings on the way. */
function put(properties: Properties, path: string, mapping: FieldMapping): void {
  const parts = path.split('.');
  let current = properties;
  for (const part of parts.slice(0, -1)) {
    const parent = (current[part] ??= object({}));
    if (!parent.properties) throw new Error(`field '${path}' is inside '${part}', which is mapped as a value`);
    current = parent.properties as Properties;
  }
  current[parts[parts.length - 1]!] = mapping;
}

const derived = deriveMappings(ecsEventSchema, alertSchema);
/** ECS fields shared by events and alerts, from `ecsEventSchema`. */
export const ECS_PROPERTIES: Properties = derived.ecs;
/** Event-only fields: full text kept in `_source` and searched through `vigil_search`, and Vigil's provenance. */
export const EVENT_PROPERTIES: Properties = derived.events;
/** Alert-only fields, from `alertSchema`. The message is a keyword: alert free text is a substring search (wildcards). */
export const ALERT_PROPERTIES: Properties = derived.alerts;

/**
 * Unknown fields (outside the ECS schema, which the edge rejects anyway) are indexed as
 * keywords whatever their JSON type, so a query on them can never fail on a type mismatch.
 */
export const DYNAMIC_TEMPLATES = ['string', 'long', 'double', 'boolean'].map((type) => ({
  [`vigil_${type}_as_keyword`]: { match_mapping_type: type, mapping: keyword() },
}));

/** A mapped field's OpenSearch type, as the query compiler needs it. */
export type FieldKind = 'keyword' | 'long' | 'double' | 'date' | 'ip' | 'flat_object' | 'text';

/** Flattens properties into dotted path → kind (`source.port` → `long`), for the query compiler; later sources win, as in composed templates. */
export function fieldKinds(...sources: Properties[]): Map<string, FieldKind> {
  const kinds = new Map<string, FieldKind>();
  const visit = (properties: Properties, prefix: string) => {
    for (const [name, mapping] of Object.entries(properties)) {
      const path = prefix + name;
      if (mapping.properties) visit(mapping.properties as Properties, `${path}.`);
      else kinds.set(path, mapping.type as FieldKind);
    }
  };
  for (const source of sources) visit(source, '');
  return kinds;
}
