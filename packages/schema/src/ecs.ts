import { z } from 'zod';
import { compileFastCheck } from './ecs-fast-check.ts';
import { date, fieldSet, flattened, float, geoPoint, ip, ips, keyword, keywordMap, keywords, long, text } from './ecs-types.ts';

/**
 * The ECS (Elastic Common Schema 8.x/9.x) subset Vigil emits, with ECS names and types.
 * Every field set is strict: an unknown field is rejected with its path. Custom data goes in
 * `labels` (string values); Vigil's own provenance lives under `vigil.*`.
 */

/** ECS `geo.*`: where an address is. */
export const geo = fieldSet({
  city_name: keyword(),
  continent_code: keyword(),
  continent_name: keyword(),
  country_iso_code: keyword(),
  country_name: keyword(),
  postal_code: keyword(),
  region_name: keyword(),
  region_iso_code: keyword(),
  timezone: keyword(),
  location: geoPoint(),
});

/** ECS `as.*`: the network an address belongs to. */
export const autonomousSystem = fieldSet({ number: long(), organization: fieldSet({ name: keyword() }) });

const hashes = fieldSet({ md5: keyword(), sha1: keyword(), sha256: keyword() });

/** One threat-intel indicator match (ECS `threat.enrichments`, a list). */
export const threatEnrichmentSchema = fieldSet({
  indicator: fieldSet({
    type: keyword(),
    name: keyword(),
    ip: ip(),
    url: fieldSet({ full: keyword(), domain: keyword() }),
    file: fieldSet({ hash: hashes }),
    provider: keyword(),
    confidence: keyword(),
    description: keyword(),
    first_seen: date(),
    last_seen: date(),
    reference: keyword(),
  }),
  matched: fieldSet({ atomic: keyword(), field: keyword(), type: keyword(), id: keyword(), occurred: date() }),
});

/** One ECS `threat.enrichments` entry. */
export type ThreatEnrichment = z.infer<typeof threatEnrichmentSchema>;

const userFields = {
  name: keyword(),
  id: keyword(),
  domain: keyword(),
  email: keyword(),
  full_name: keyword(),
  roles: keywords(),
  group: fieldSet({ id: keyword(), name: keyword() }),
};

const endpoint = fieldSet({
  ip: ip(),
  port: long(),
  address: keyword(),
  domain: keyword(),
  mac: keyword(),
  bytes: long(),
  packets: long(),
  geo,
  as: autonomousSystem,
  user: fieldSet(userFields),
  nat: fieldSet({ ip: ip(), port: long() }),
});

const syslog = fieldSet({
  facility: fieldSet({ code: long(), name: keyword() }),
  severity: fieldSet({ code: long(), name: keyword() }),
  priority: long(),
  hostname: keyword(),
  appname: keyword(),
  procid: keyword(),
  msgid: keyword(),
  version: keyword(),
  /** RFC 5424 structured data: SD-ID → param name → value (a list when the param is repeated, e.g. origin ip). */
  structured_data: flattened(z.record(z.string(), z.record(z.string(), z.union([z.string(), z.array(z.string())])))),
});

const threatIdentity = fieldSet({ id: keywords(), name: keywords(), reference: keywords() });

/** ECS `event.kind` allowed values. */
export const EVENT_KINDS = ['alert', 'asset', 'enrichment', 'event', 'metric', 'state', 'pipeline_error', 'signal'] as const;
/** ECS `event.outcome` allowed values. */
export const EVENT_OUTCOMES = ['failure', 'success', 'unknown'] as const;

export const ecsEventSchema = z
  .object({
    '@timestamp': date(),
    message: text(),
    tags: keywords(),
    labels: keywordMap(),
    ecs: fieldSet({ version: keyword() }),
    event: fieldSet({
      id: keyword(),
      kind: z.enum(EVENT_KINDS),
      category: keywords(),
      type: keywords(),
      action: keyword(),
      outcome: z.enum(EVENT_OUTCOMES),
      severity: long(),
      risk_score: float(),
      created: date(),
      ingested: date(),
      start: date(),
      end: date(),
      duration: long(),
      dataset: keyword(),
      module: keyword(),
      provider: keyword(),
      original: keyword(),
      reason: keyword(),
      code: keyword(),
      sequence: long(),
      timezone: keyword(),
    }),
    host: fieldSet({ hostname: keyword(), name: keyword(), id: keyword(), ip: ips(), mac: keywords(), domain: keyword(), geo }),
    source: endpoint,
    destination: endpoint,
    client: endpoint,
    server: endpoint,
    user: fieldSet({ ...userFields, target: fieldSet(userFields), effective: fieldSet(userFields), changes: fieldSet(userFields) }),
    group: fieldSet({ name: keyword(), id: keyword() }),
    service: fieldSet({ name: keyword() }),
    process: fieldSet({
      name: keyword(),
      pid: long(),
      executable: keyword(),
      command_line: keyword(),
      args: keywords(),
      args_count: long(),
      title: keyword(),
      working_directory: keyword(),
      exit_code: long(),
      parent: fieldSet({ pid: long(), name: keyword(), executable: keyword(), command_line: keyword() }),
      thread: fieldSet({ id: long() }),
      hash: hashes,
    }),
    dns: fieldSet({ question: fieldSet({ name: keyword(), type: keyword() }), response_code: keyword() }),
    tls: fieldSet({
      version: keyword(),
      version_protocol: keyword(),
      client: fieldSet({ subject: keyword(), x509: fieldSet({ subject: fieldSet({ common_name: keywords() }) }) }),
    }),
    network: fieldSet({
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
    url: fieldSet({
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
    http: fieldSet({
      version: keyword(),
      request: fieldSet({ method: keyword(), bytes: long(), referrer: keyword(), id: keyword(), mime_type: keyword(), body: fieldSet({ bytes: long() }) }),
      response: fieldSet({ status_code: long(), bytes: long(), mime_type: keyword(), body: fieldSet({ bytes: long() }) }),
    }),
    user_agent: fieldSet({
      original: keyword(),
      name: keyword(),
      version: keyword(),
      device: fieldSet({ name: keyword() }),
      os: fieldSet({ name: keyword(), version: keyword(), full: keyword() }),
    }),
    log: fieldSet({ level: keyword(), logger: keyword(), syslog, file: fieldSet({ path: keyword() }) }),
    file: fieldSet({
      name: keyword(),
      path: keyword(),
      directory: keyword(),
      extension: keyword(),
      size: long(),
      inode: keyword(),
      mode: keyword(),
      uid: keyword(),
      gid: keyword(),
      device: keyword(),
      type: keyword(),
      hash: fieldSet({ md5: keyword(), sha1: keyword(), sha256: keyword(), sha512: keyword() }),
    }),
    observer: fieldSet({
      hostname: keyword(),
      name: keyword(),
      type: keyword(),
      vendor: keyword(),
      product: keyword(),
      version: keyword(),
      ip: ips(),
      serial_number: keyword(),
      ingress: fieldSet({ zone: keyword(), interface: fieldSet({ name: keyword(), id: keyword() }) }),
      egress: fieldSet({ zone: keyword(), interface: fieldSet({ name: keyword(), id: keyword() }) }),
    }),
    related: fieldSet({ ip: ips(), user: keywords(), hosts: keywords(), hash: keywords() }),
    rule: fieldSet({
      id: keyword(),
      uuid: keyword(),
      name: keyword(),
      description: keyword(),
      category: keyword(),
      ruleset: keyword(),
      reference: keyword(),
      version: keyword(),
      license: keyword(),
      author: keywords(),
    }),
    threat: fieldSet({
      framework: keyword(),
      tactic: threatIdentity,
      technique: fieldSet({ id: keywords(), name: keywords(), reference: keywords(), subtechnique: threatIdentity }),
      enrichments: z.array(threatEnrichmentSchema),
    }),
    error: fieldSet({ message: text(), code: keyword(), type: keyword() }),
    vigil: fieldSet({
      edge: fieldSet({ id: keyword(), boot_id: keyword() }),
      batch: fieldSet({ sequence: long(), position: long() }),
      signature: fieldSet({ status: z.enum(['verified', 'rejected', 'unsigned']), key_id: keyword() }),
      aggregation: fieldSet({ count: long() }),
      /** `flags`: what the parser had to assume or repair (pri_missing, utf8_bom, latin1, clock_unsynced, …). */
      parse: fieldSet({ status: z.enum(['parsed', 'partial', 'unparsed']), parser: keyword(), flags: keywords() }),
      input: fieldSet({ type: keyword() }),
    }),
  })
  .partial()
  .strict();

/** An ECS event as Vigil emits and stores it. */
export type EcsEvent = z.infer<typeof ecsEventSchema>;

/** An event that has passed through an edge: it always has an id, a timestamp and its original. */
export type StampedEvent = EcsEvent & {
  '@timestamp': string;
  event: NonNullable<EcsEvent['event']> & { id: string; created: string };
};

const passesEcsSchema = compileFastCheck(ecsEventSchema);

/** One problem found while validating an event: the dotted path of the bad field and why. */
export interface FieldProblem {
  path: string;
  message: string;
}

/** Validates an event; on failure lists every bad field by dotted path (`source.port`). */
export function validateEvent(input: unknown): { ok: true; event: EcsEvent } | { ok: false; problems: FieldProblem[] } {
  if (passesEcsSchema(input)) return { ok: true, event: input as EcsEvent };
  const result = ecsEventSchema.safeParse(input);
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, problems: result.error.issues.map(toFieldProblem) };
}

function toFieldProblem(issue: z.core.$ZodIssue): FieldProblem {
  const base = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => [...base, key].join('.'));
    return { path: keys.join(', '), message: `unknown field${keys.length > 1 ? 's' : ''}` };
  }
  return { path: base.join('.') || '(event)', message: issue.message };
}

/** Reads a dotted ECS path (`source.ip`) from a nested event. */
export function getField(event: unknown, path: string): unknown {
  let current: unknown = event;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Writes a dotted ECS path into a nested event, creating the objects on the way. */
export function setField(event: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let current = event;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i]!;
    if (isUnsafeKey(part)) return;
    const next = current[part];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) {
      const created: Record<string, unknown> = {};
      current[part] = created;
      current = created;
    } else {
      current = next as Record<string, unknown>;
    }
  }
  const last = parts[parts.length - 1]!;
  if (!isUnsafeKey(last)) current[last] = value;
}

/** Keys that would reach an object's prototype; never written from input. */
export function isUnsafeKey(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}
