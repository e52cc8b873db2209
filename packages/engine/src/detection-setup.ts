import { fileURLToPath } from 'node:url';
import type { Component, Logger, Metrics } from '@vigil/runtime';
import type { DetectionEngineOptions } from './alerts/detection-engine.ts';
import { PartitionedDetection } from './partitioned/partitioned-detection.ts';
import type { AlertSuppressions } from './partitioned/partition-state.ts';
import { AssetInventory } from './enrich/assets/asset-inventory.ts';
import { EventEnricher } from './enrich/event-enricher.ts';
import { GeoipEnricher } from './enrich/geoip/geoip-enricher.ts';
import { IndicatorStore } from './enrich/intel/indicator-store.ts';
import { IntelFeeds } from './enrich/intel/intel-feeds.ts';
import { IntelMatcher } from './enrich/intel/intel-matcher.ts';
import type { EngineConfig } from './config.ts';
import { BUILTIN_PIPELINES_DIR, loadRules, type RuleLoadOptions } from './sigma/loader.ts';

/** Vigil's own rule pack, shipped with the engine. */
export const BUILTIN_RULES_DIR = fileURLToPath(new URL('../rules', import.meta.url));

/** The rule directories an engine with this config loads. */
export function ruleDirectories(config: Pick<EngineConfig, 'builtinRules' | 'rulesDirs'>): string[] {
  return [...(config.builtinRules ? [BUILTIN_RULES_DIR] : []), ...config.rulesDirs];
}

/** The pipelines an engine with this config applies to its rules. */
export function pipelineOptions(config: Pick<EngineConfig, 'builtinPipelines' | 'pipelineDirs'>): RuleLoadOptions {
  return { pipelineDirs: [...(config.builtinPipelines ? [BUILTIN_PIPELINES_DIR] : []), ...config.pipelineDirs] };
}

/** Loads the configured rules (failing start-up with every problem listed) and builds the engine's two-stage detection. */
export async function createDetection(
  config: EngineConfig,
  deps: { metrics?: Metrics; logger?: Logger; suppressions?: AlertSuppressions } & Pick<DetectionEngineOptions, 'enricher' | 'ruleStates'> = {},
): Promise<PartitionedDetection> {
  // A routed hit carries the fields enrichment reads: the correlation's owner enriches the event that makes it fire.
  const ruleset = await loadRules(ruleDirectories(config), { ...pipelineOptions(config), shownFields: enrichmentReads(config.enrichment) });
  return new PartitionedDetection(ruleset, { ...config.detection, ...deps });
}

/** The event fields the configured enrichment reads (GeoIP addresses, threat-intel lookups; assets read host and destination, which hits always carry). */
function enrichmentReads(config: EngineConfig['enrichment']): string[] {
  return [...(config.geoip?.fields ?? []), ...config.intel.fields.map(({ field }) => field)];
}

/**
 * The configured enrichment: the enricher detection calls, and the components that load its
 * data (GeoIP databases, threat-intel feeds, asset inventory), to start before the engine.
 */
export function createEnrichment(config: EngineConfig['enrichment'], deps: { logger: Logger; metrics: Metrics }): { enricher: EventEnricher; components: Component[] } {
  const components: Component[] = [];
  const geoip = config.geoip ? new GeoipEnricher(config.geoip, { logger: deps.logger.child({ part: 'geoip' }) }) : undefined;
  if (geoip) components.push(geoip);
  let intel: IntelMatcher | undefined;
  if (config.intel.feeds.length > 0) {
    const store = new IndicatorStore({ maxIndicatorsPerFeed: config.intel.maxIndicatorsPerFeed });
    const failures = deps.metrics.counter('vigil_engine_intel_refresh_failures_total', 'Threat-intel feed refreshes that failed (the previous indicators stay).', ['feed']);
    components.push(new IntelFeeds(config.intel, { store, logger: deps.logger.child({ part: 'intel' }), onRefresh: (report) => (report.ok ? undefined : failures.inc({ feed: report.feed })) }));
    intel = new IntelMatcher(store, { fields: config.intel.fields });
  }
  const assets = config.assets ? new AssetInventory(config.assets, { logger: deps.logger.child({ part: 'assets' }) }) : undefined;
  if (assets) components.push(assets);
  return { enricher: new EventEnricher({ ...(geoip && config.geoip ? { geoip: { enricher: geoip, fields: config.geoip.fields } } : {}), ...(intel ? { intel } : {}), ...(assets ? { assets } : {}) }), components };
}
