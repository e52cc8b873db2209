import { describe, expect, it } from 'vitest';
import { alertSchema, ecsEventSchema, ecsLeaves, fieldSet, ips, keyword, keywords, long, text, type EcsFieldType } from '@vigil/schema';
import { ALERT_PROPERTIES, deriveMappings, ECS_PROPERTIES, EVENT_PROPERTIES, fieldKinds, type FieldKind, type Properties } from './mappings.ts';
import { storeTemplates } from './templates.ts';
import { openSearchStoreConfigSchema } from './config.ts';
import { indexNames } from './indices.ts';

const AS_TEXT = { keyword: { type: 'keyword', ignore_above: 8191, doc_values: false } };
/** The leaf mappings of the hand-written mapping (template version 1). */
const LEAF_MAPPINGS: Record<string, Record<string, unknown>> = {
  keyword: { type: 'keyword', ignore_above: 8191 },
  long: { type: 'long', fields: AS_TEXT },
  double: { type: 'double', fields: AS_TEXT },
  date: { type: 'date', fields: AS_TEXT },
  ip: { type: 'ip', fields: AS_TEXT },
  flatObject: { type: 'flat_object' },
  storedText: { type: 'text', index: false },
  words: { type: 'text', analyzer: 'whitespace', norms: false },
};

/**
 * Snapshot of the mapping as it was written by hand before it was derived from the schema:
 * component → leaf mapping → the fields that had it. Fields added to the schema since are not here.
 */
const HAND_WRITTEN: Record<'ecs' | 'events' | 'alerts', Record<string, string>> = {
  ecs: {
    date: `@timestamp event.created event.ingested event.start event.end`,
    keyword: `tags ecs.version event.id event.kind event.category event.type event.action event.outcome event.dataset event.module
      event.provider event.reason event.code event.timezone host.hostname host.name host.id host.mac host.domain source.address
      source.domain source.mac source.geo.city_name source.geo.continent_name source.geo.country_iso_code source.geo.country_name
      source.geo.region_name source.geo.region_iso_code source.as.organization.name source.user.name source.user.id source.user.domain
      source.user.email source.user.full_name source.user.roles destination.address destination.domain destination.mac
      destination.geo.city_name destination.geo.continent_name destination.geo.country_iso_code destination.geo.country_name
      destination.geo.region_name destination.geo.region_iso_code destination.as.organization.name destination.user.name
      destination.user.id destination.user.domain destination.user.email destination.user.full_name destination.user.roles
      client.address client.domain client.mac client.geo.city_name client.geo.continent_name client.geo.country_iso_code
      client.geo.country_name client.geo.region_name client.geo.region_iso_code client.as.organization.name client.user.name
      client.user.id client.user.domain client.user.email client.user.full_name client.user.roles server.address server.domain
      server.mac server.geo.city_name server.geo.continent_name server.geo.country_iso_code server.geo.country_name
      server.geo.region_name server.geo.region_iso_code server.as.organization.name server.user.name server.user.id server.user.domain
      server.user.email server.user.full_name server.user.roles user.name user.id user.domain user.email user.full_name user.roles
      user.target.name user.target.id user.target.domain user.target.email user.target.full_name user.target.roles user.effective.name
      user.effective.id user.effective.domain user.effective.email user.effective.full_name user.effective.roles group.name group.id
      process.name process.executable process.command_line process.args process.title process.working_directory process.parent.name
      process.parent.executable process.parent.command_line network.transport network.protocol network.direction network.type
      network.application network.iana_number network.community_id url.original url.full url.scheme url.domain url.path url.query
      url.fragment url.extension url.username http.version http.request.method http.request.referrer http.request.id
      http.request.mime_type http.response.mime_type user_agent.original user_agent.name user_agent.version user_agent.device.name
      user_agent.os.name user_agent.os.version user_agent.os.full log.level log.logger log.syslog.facility.name log.syslog.severity.name
      log.syslog.hostname log.syslog.appname log.syslog.procid log.syslog.msgid log.syslog.version log.file.path observer.hostname
      observer.name observer.type observer.vendor observer.product observer.version related.user related.hosts related.hash rule.id
      rule.uuid rule.name rule.description rule.category rule.ruleset rule.reference rule.version rule.license rule.author
      threat.framework threat.tactic.id threat.tactic.name threat.tactic.reference threat.technique.id threat.technique.name
      threat.technique.reference threat.technique.subtechnique.id threat.technique.subtechnique.name
      threat.technique.subtechnique.reference error.message error.code error.type`,
    flatObject: `labels log.syslog.structured_data`,
    long: `event.severity event.duration event.sequence source.port source.bytes source.packets source.as.number destination.port
      destination.bytes destination.packets destination.as.number client.port client.bytes client.packets client.as.number server.port
      server.bytes server.packets server.as.number process.pid process.exit_code process.parent.pid network.bytes network.packets
      url.port http.request.bytes http.response.status_code http.response.bytes log.syslog.facility.code log.syslog.severity.code
      log.syslog.priority`,
    double: `event.risk_score source.geo.location.lat source.geo.location.lon destination.geo.location.lat destination.geo.location.lon
      client.geo.location.lat client.geo.location.lon server.geo.location.lat server.geo.location.lon`,
    ip: `host.ip source.ip destination.ip client.ip server.ip observer.ip related.ip`,
  },
  events: {
    storedText: `message event.original`,
    words: `vigil_search.message vigil_search.original`,
    keyword: `vigil.edge.id vigil.edge.boot_id vigil.signature.status vigil.signature.key_id vigil.parse.status vigil.parse.parser
      vigil.input.type`,
    long: `vigil.batch.sequence vigil.batch.position vigil.aggregation.count`,
  },
  alerts: {
    keyword: `id message rule.tags rule.type vigil.alert.severity vigil.alert.status vigil.alert.assignee vigil.alert.dedup_key
      vigil.alert.event_ids vigil.alert.comments.author vigil.alert.comments.text vigil.alert.history.actor vigil.alert.history.field
      vigil.alert.history.from vigil.alert.history.to`,
    flatObject: `vigil.alert.group`,
    long: `vigil.alert.count`,
    date: `vigil.alert.first_seen vigil.alert.last_seen vigil.alert.comments.at vigil.alert.history.at`,
  },
};

/** Dotted path → leaf mapping; an object field must be nothing but its `properties`. */
function flatten(properties: Properties, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  for (const [name, mapping] of Object.entries(properties)) {
    if (mapping.properties) {
      expect(Object.keys(mapping), `${prefix}${name}`).toEqual(['properties']);
      flatten(mapping.properties as Properties, `${prefix}${name}.`, out);
    } else out[prefix + name] = mapping;
  }
  return out;
}

function expandSnapshot(component: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [leaf, paths] of Object.entries(component)) for (const path of paths.trim().split(/\s+/)) out[path] = LEAF_MAPPINGS[leaf];
  return out;
}

/** The query compiler's kind for each ECS type (a geo_point is searched as its `lat` and `lon` numbers). */
const EXPECTED_KIND: Record<EcsFieldType, FieldKind> = {
  keyword: 'keyword',
  text: 'keyword',
  long: 'long',
  float: 'double',
  ip: 'ip',
  date: 'date',
  geo_point: 'double',
  object: 'flat_object',
  flattened: 'flat_object',
};

/** A schema leaf's mapped paths: itself, or a geo_point's `lat` and `lon`. */
const mappedPaths = (path: string, ecsType: EcsFieldType) => (ecsType === 'geo_point' ? [`${path}.lat`, `${path}.lon`] : [path]);

describe('mappings', () => {
  it('keep every field mapped exactly as the hand-written mapping did, and add only fields of the schema', () => {
    const generated = { ecs: flatten(ECS_PROPERTIES), events: flatten(EVENT_PROPERTIES), alerts: flatten(ALERT_PROPERTIES) };
    const schemaPaths = new Set([...ecsLeaves(ecsEventSchema), ...ecsLeaves(alertSchema)].flatMap((leaf) => mappedPaths(leaf.path, leaf.ecsType)));
    for (const component of ['ecs', 'events', 'alerts'] as const) {
      const expected = expandSnapshot(HAND_WRITTEN[component]);
      const kept = Object.fromEntries(Object.keys(expected).map((path) => [path, generated[component][path]]));
      expect(kept, component).toEqual(expected);
      const added = Object.keys(generated[component]).filter((path) => !(path in expected));
      expect(added.filter((path) => !schemaPaths.has(path)), component).toEqual([]);
    }
  });

  it('map every ECS event field of @vigil/schema with its type; message and event.original are searched as words', () => {
    const kinds = fieldKinds(ECS_PROPERTIES, EVENT_PROPERTIES);
    const leaves = ecsLeaves(ecsEventSchema);
    expect(leaves.length).toBeGreaterThan(200);
    for (const { path, ecsType } of leaves) {
      const expected = path === 'message' || path === 'event.original' ? 'text' : EXPECTED_KIND[ecsType];
      for (const mapped of mappedPaths(path, ecsType)) expect(kinds.get(mapped), mapped).toBe(expected);
    }
    expect(kinds.get('vigil_search.message')).toBe('text');
    expect(kinds.get('vigil_search.original')).toBe('text');
  });

  it('map every alert field of @vigil/schema with its type; the alert message is a keyword', () => {
    const kinds = fieldKinds(ECS_PROPERTIES, ALERT_PROPERTIES);
    for (const { path, ecsType } of ecsLeaves(alertSchema)) {
      for (const mapped of mappedPaths(path, ecsType)) expect(kinds.get(mapped), mapped).toBe(EXPECTED_KIND[ecsType]);
    }
    expect(kinds.get('message')).toBe('keyword');
    expect(ECS_PROPERTIES).not.toHaveProperty('message');
  });

  it('map a field added to the schema without any change to the store', () => {
    const extended = ecsEventSchema.extend({
      dns: fieldSet({ question: fieldSet({ name: keyword() }), answers: fieldSet({ ttl: long() }), resolved_ip: ips() }),
      vigil: fieldSet({ relay: fieldSet({ hops: keywords() }) }),
      error: fieldSet({ stack_trace: text() }),
    });
    const { ecs, events } = deriveMappings(extended, alertSchema);
    const kinds = fieldKinds(ecs, events);
    expect([kinds.get('dns.question.name'), kinds.get('dns.answers.ttl'), kinds.get('dns.resolved_ip')]).toEqual(['keyword', 'long', 'ip']);
    expect(kinds.get('error.stack_trace')).toBe('keyword');
    expect(flatten(events)['vigil.relay.hops']).toEqual({ type: 'keyword', ignore_above: 8191 });
    expect(flatten(ecs)).not.toHaveProperty(['vigil.relay.hops']);
  });

  it('refuse an alert field typed differently from the event field it shares a mapping with', () => {
    const conflicting = alertSchema.extend({ source: fieldSet({ port: keyword() }) });
    expect(() => deriveMappings(ecsEventSchema, conflicting)).toThrow(/alert field 'source\.port' is keyword but events have it as long/);
  });

  it('give numbers, dates and addresses a keyword sub-field for text matching, and keywords a safe length limit', () => {
    const ecs = ECS_PROPERTIES as Record<string, { properties?: Record<string, unknown> }>;
    expect(ecs.source!.properties!.port).toEqual({ type: 'long', fields: { keyword: { type: 'keyword', ignore_above: 8191, doc_values: false } } });
    expect(ecs.source!.properties!.ip).toMatchObject({ type: 'ip', fields: { keyword: { type: 'keyword' } } });
    expect(ecs['@timestamp']).toMatchObject({ type: 'date', fields: { keyword: { type: 'keyword' } } });
    expect(ecs.tags).toEqual({ type: 'keyword', ignore_above: 8191 });
  });

  it('compose the events and alerts index templates from the component templates under the prefix', () => {
    const config = openSearchStoreConfigSchema.parse({ indexPrefix: 'acme', indices: { shards: 3, replicas: 0, refreshIntervalMs: 500 } });
    const templates = storeTemplates(indexNames('acme'), config);
    expect(templates.components.map((component) => component.name)).toEqual(['acme-ecs', 'acme-events', 'acme-alerts']);
    expect(templates.indexTemplates.map((template) => [template.name, template.body.index_patterns, template.body.composed_of])).toEqual([
      ['acme-events', ['acme-events-*'], ['acme-ecs', 'acme-events']],
      ['acme-alerts', ['acme-alerts'], ['acme-ecs', 'acme-alerts']],
    ]);
    expect(templates.components[0]!.body).toMatchObject({
      template: { mappings: { dynamic: true, date_detection: false, numeric_detection: false, properties: ECS_PROPERTIES } },
    });
    const dynamicTemplates = (templates.components[0]!.body.template as { mappings: { dynamic_templates: Record<string, { mapping: unknown }>[] } }).mappings.dynamic_templates;
    expect(dynamicTemplates.map((entry) => Object.values(entry)[0]!.mapping)).toEqual(Array(4).fill({ type: 'keyword', ignore_above: 8191 }));
    expect(templates.components[2]!.body).toMatchObject({ template: { mappings: { properties: ALERT_PROPERTIES } } });
    expect(templates.components[1]!.body).toMatchObject({
      template: { settings: { number_of_shards: 3, number_of_replicas: 0, refresh_interval: '500ms' }, mappings: { _source: { excludes: ['vigil_search'] } } },
    });
    expect(templates.indexTemplates[0]!.body).toMatchObject({ template: { aliases: { 'acme-events': {} } } });
  });
});
