import type { OpenSearchStoreConfig } from './config.ts';
import { indexNames } from './indices.ts';

const PERIOD_DAYS = { hour: 1 / 24, day: 1, month: 31 } as const;

/**
 * An Index State Management policy that deletes old events indices, for clusters with the
 * ISM plugin (full OpenSearch distributions) that would rather have the cluster do it. PUT
 * it to `_plugins/_ism/policies/<prefix>-events-retention`; its `ism_template` attaches it to
 * new events indices. ISM measures an index's age from its creation, and Vigil may create an
 * index up to one period early (ahead of time) or late (for a late event), so the policy
 * waits two periods longer than `eventsRetentionDays`: it never deletes sooner than Vigil's
 * own retention would. Null when retention is off.
 */
export function ismRetentionPolicy(config: Pick<OpenSearchStoreConfig, 'indexPrefix' | 'eventsRetentionDays' | 'rollover'>): Record<string, unknown> | null {
  if (config.eventsRetentionDays === null) return null;
  const names = indexNames(config.indexPrefix);
  const minAgeHours = Math.ceil((config.eventsRetentionDays + 2 * PERIOD_DAYS[config.rollover.period]) * 24);
  return {
    policy: {
      description: `Vigil: delete ${names.eventsPattern} indices ${config.eventsRetentionDays} days after their period ended`,
      default_state: 'hot',
      states: [
        { name: 'hot', actions: [], transitions: [{ state_name: 'delete', conditions: { min_index_age: `${minAgeHours}h` } }] },
        { name: 'delete', actions: [{ delete: {} }], transitions: [] },
      ],
      ism_template: [{ index_patterns: [names.eventsPattern], priority: 100 }],
    },
  };
}
