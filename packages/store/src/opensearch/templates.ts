import type { OpenSearchStoreConfig } from './config.ts';
import type { IndexNames } from './indices.ts';
import { ALERT_PROPERTIES, DYNAMIC_TEMPLATES, ECS_PROPERTIES, EVENT_PROPERTIES } from './mappings.ts';

/** Bumped when the templates change; recorded in each template's `_meta`. */
export const TEMPLATE_VERSION = 1;

// Above OpenSearch's own templates (priority 0–100) so Vigil's indices always get Vigil's mappings.
const PRIORITY = 200;

export interface NamedBody {
  name: string;
  body: Record<string, unknown>;
}

/** The component templates and the two index templates composed from them. */
export interface StoreTemplates {
  components: NamedBody[];
  indexTemplates: NamedBody[];
}

/**
 * Component templates: `<prefix>-ecs` (ECS mappings shared by events and alerts),
 * `<prefix>-events` and `<prefix>-alerts` (each kind's own fields and index settings). The
 * index templates `<prefix>-events` (pattern `<prefix>-events-*`, joining the
 * `<prefix>-events` alias) and `<prefix>-alerts` compose them. PUT is idempotent, so
 * `init()` simply writes them every time; a change applies to indices created afterwards.
 */
export function storeTemplates(names: IndexNames, config: OpenSearchStoreConfig): StoreTemplates {
  const meta = { managed_by: 'vigil', template_version: TEMPLATE_VERSION };
  const settings = {
    number_of_shards: config.indices.shards,
    number_of_replicas: config.indices.replicas,
    refresh_interval: `${config.indices.refreshIntervalMs}ms`,
  };
  const ecs = `${names.prefix}-ecs`;
  const events = `${names.prefix}-events`;
  const alerts = `${names.prefix}-alerts`;
  return {
    components: [
      {
        name: ecs,
        body: {
          template: {
            mappings: {
              dynamic: true,
              date_detection: false,
              numeric_detection: false,
              dynamic_templates: DYNAMIC_TEMPLATES,
              properties: ECS_PROPERTIES,
            },
          },
          _meta: meta,
        },
      },
      {
        name: events,
        body: {
          template: {
            settings,
            // The pre-analysed words are for searching only; documents come back exactly as written.
            mappings: { _source: { excludes: ['vigil_search'] }, properties: EVENT_PROPERTIES },
          },
          _meta: meta,
        },
      },
      { name: alerts, body: { template: { settings, mappings: { properties: ALERT_PROPERTIES } }, _meta: meta } },
    ],
    indexTemplates: [
      {
        name: events,
        body: {
          index_patterns: [names.eventsPattern],
          composed_of: [ecs, events],
          priority: PRIORITY,
          template: { aliases: { [names.eventsAlias]: {} } },
          _meta: meta,
        },
      },
      { name: alerts, body: { index_patterns: [names.alerts], composed_of: [ecs, alerts], priority: PRIORITY, _meta: meta } },
    ],
  };
}
