/**
 * OpenSearch mappings for Vigil's documents, built the way `@vigil/schema`'s `ecs.ts` builds
 * the zod schema (a unit test checks every schema field has a mapping of the right type).
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

const geo = object({
  city_name: keyword(),
  continent_name: keyword(),
  country_iso_code: keyword(),
  country_name: keyword(),
  region_name: keyword(),
  region_iso_code: keyword(),
  location: object({ lat: double(), lon: double() }),
});

const userFields = (): Properties => ({
  name: keyword(),
  id: keyword(),
  domain: keyword(),
  email: keyword(),
  full_name: keyword(),
  roles: keyword(),
});

const endpoint = () =>
  object({
    ip: ip(),
    port: long(),
    address: keyword(),
    domain: keyword(),
    mac: keyword(),
    bytes: long(),
    packets: long(),
    geo,
    as: object({ number: long(), organization: object({ name: keyword() }) }),
    user: object(userFields()),
  });

const threatIdentity = () => object({ id: keyword(), name: keyword(), reference: keyword() });

/**
 * ECS fields shared by events and alerts. `message` and `event.original` are left to the
 * events and alerts components, which treat them differently.
 */
export const ECS_PROPERTIES: Properties = {
  '@timestamp': date(),
  tags: keyword(),
  labels: flat(),
  ecs: object({ version: keyword() }),
  event: object({
    id: keyword(),
    kind: keyword(),
    category: keyword(),
    type: keyword(),
    action: keyword(),
    outcome: keyword(),
    severity: long(),
    risk_score: double(),
    created: date(),
    ingested: date(),
    start: date(),
    end: date(),
    duration: long(),
    dataset: keyword(),
    module: keyword(),
    provider: keyword(),
    reason: keyword(),
    code: keyword(),
    sequence: long(),
    timezone: keyword(),
  }),
  host: object({ hostname: keyword(), name: keyword(), id: keyword(), ip: ip(), mac: keyword(), domain: keyword() }),
  source: endpoint(),
  destination: endpoint(),
  client: endpoint(),
  server: endpoint(),
  user: object({ ...userFields(), target: object(userFields()), effective: object(userFields()) }),
  group: object({ name: keyword(), id: keyword() }),
  process: object({
    name: keyword(),
    pid: long(),
    executable: keyword(),
    command_line: keyword(),
    args: keyword(),
    title: keyword(),
    working_directory: keyword(),
    exit_code: long(),
    parent: object({ pid: long(), name: keyword(), executable: keyword(), command_line: keyword() }),
  }),
  network: object({
    transport: keyword(),
    protocol: keyword(),
    direction: keyword(),
    type: keyword(),
    application: keyword(),
    iana_number: keyword(),
    bytes: long(),
    packets: long(),
    community_id: keyword(),
  }),
  url: object({
    original: keyword(),
    full: keyword(),
    scheme: keyword(),
    domain: keyword(),
    port: long(),
    path: keyword(),
    query: keyword(),
    fragment: keyword(),
    extension: keyword(),
    username: keyword(),
  }),
  http: object({
    version: keyword(),
    request: object({ method: keyword(), bytes: long(), referrer: keyword(), id: keyword(), mime_type: keyword() }),
    response: object({ status_code: long(), bytes: long(), mime_type: keyword() }),
  }),
  user_agent: object({
    original: keyword(),
    name: keyword(),
    version: keyword(),
    device: object({ name: keyword() }),
    os: object({ name: keyword(), version: keyword(), full: keyword() }),
  }),
  log: object({
    level: keyword(),
    logger: keyword(),
    syslog: object({
      facility: object({ code: long(), name: keyword() }),
      severity: object({ code: long(), name: keyword() }),
      priority: long(),
      hostname: keyword(),
      appname: keyword(),
      procid: keyword(),
      msgid: keyword(),
      version: keyword(),
      structured_data: flat(),
    }),
    file: object({ path: keyword() }),
  }),
  observer: object({
    hostname: keyword(),
    name: keyword(),
    type: keyword(),
    vendor: keyword(),
    product: keyword(),
    version: keyword(),
    ip: ip(),
  }),
  related: object({ ip: ip(), user: keyword(), hosts: keyword(), hash: keyword() }),
  rule: object({
    id: keyword(),
    uuid: keyword(),
    name: keyword(),
    description: keyword(),
    category: keyword(),
    ruleset: keyword(),
    reference: keyword(),
    version: keyword(),
    license: keyword(),
    author: keyword(),
  }),
  threat: object({
    framework: keyword(),
    tactic: threatIdentity(),
    technique: object({ id: keyword(), name: keyword(), reference: keyword(), subtechnique: threatIdentity() }),
  }),
  error: object({ message: keyword(), code: keyword(), type: keyword() }),
};

/** Event-only fields: full text kept in `_source` and searched through `vigil_search`, and Vigil's provenance. */
export const EVENT_PROPERTIES: Properties = {
  message: storedText(),
  event: object({ original: storedText() }),
  vigil_search: object({ message: analysedWords(), original: analysedWords() }),
  vigil: object({
    edge: object({ id: keyword(), boot_id: keyword() }),
    batch: object({ sequence: long(), position: long() }),
    signature: object({ status: keyword(), key_id: keyword() }),
    aggregation: object({ count: long() }),
    parse: object({ status: keyword(), parser: keyword() }),
    input: object({ type: keyword() }),
  }),
};

const alertLifecycle = object({
  severity: keyword(),
  status: keyword(),
  assignee: keyword(),
  dedup_key: keyword(),
  group: flat(),
  count: long(),
  first_seen: date(),
  last_seen: date(),
  event_ids: keyword(),
  comments: object({ at: date(), author: keyword(), text: keyword() }),
  history: object({ at: date(), actor: keyword(), field: keyword(), from: keyword(), to: keyword() }),
});

/** Alert-only fields. The message is a keyword: alert free text is a substring search (wildcards). */
export const ALERT_PROPERTIES: Properties = {
  id: keyword(),
  message: keyword(),
  rule: object({ tags: keyword(), type: keyword() }),
  vigil: object({ alert: alertLifecycle }),
};

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
