/**
 * @vigil/engine: Sigma detection and correlation, alert creation and dedup. The engine role
 * (bus wiring, provenance checks) builds on the pure library exported here.
 */
export {
  loadRules,
  lintRules,
  parseRuleSources,
  readRulesAndPipelines,
  formatProblem,
  rulesError,
  findRuleFiles,
  isRuleFile,
  BUILTIN_PIPELINES_DIR,
  type RuleSource,
  type RuleLoadOptions,
} from './sigma/loader.ts';
export { Pipelines, RuleMapping, type Pipeline, type Transformation, type LogsourceCondition } from './sigma/pipeline/pipeline.ts';
export { Ruleset, type CorrelationInput } from './sigma/ruleset.ts';
export { EventContext, FieldTable, NotAnEventError } from './sigma/event-context.ts';
export { runRuleTests, formatRuleTestReport, type RuleTestReport, type RuleTestCaseResult } from './sigma/rule-tests.ts';
export { detectionErrors, type DetectionErrorCode } from './sigma/errors.ts';
export { SUPPORTED_MODIFIERS } from './sigma/modifiers.ts';
export type {
  SigmaRule,
  DetectionRule,
  CorrelationRule,
  CorrelationSpec,
  CorrelationType,
  ConditionTerm,
  RuleMeta,
  RuleProblem,
  SourceLocation,
  Matcher,
} from './sigma/types.ts';
export { Correlator, type CorrelatorOptions, type CorrelatorStats } from './correlation/correlator.ts';
export { eventTimeMs } from './correlation/event-time.ts';
export { parseTimespan, formatDuration } from './correlation/timespan.ts';
export type { RuleHit } from './correlation/types.ts';
export { DetectionEngine, type DetectionEngineOptions, type DetectionStats, type RuleStates } from './alerts/detection-engine.ts';
export { detectionConfigSchema, type DetectionConfig, type DetectionConfigInput } from './alerts/config.ts';
export { AlertTracker, type AlertTrackerOptions, type AlertTrackerStats } from './alerts/alert-tracker.ts';
export { alertDocument, alertId, dedupKey, type AlertState } from './alerts/alert-document.ts';
export { threatFromTags, ATTACK_TACTICS } from './alerts/attack.ts';
export { detectionSnapshotSchema, type DetectionSnapshot } from './alerts/snapshot.ts';
export { engineConfigSchema, type EngineConfig } from './config.ts';
export { engineErrors } from './errors.ts';
export { createEngine, type EngineDeps } from './engine.ts';
export { eventTexts } from './event-texts.ts';
export { applyEngineHeapSettings } from './heap-settings.ts';
export { PartitionedDetection, type AppliedHits } from './partitioned/partitioned-detection.ts';
export { splitHitBundle, type HitLines } from './partitioned/hit-record.ts';
export type { AlertSuppressions, ChangedAlert } from './partitioned/partition-state.ts';
export { createDetection, createEnrichment, ruleDirectories, pipelineOptions, BUILTIN_RULES_DIR } from './detection-setup.ts';
export type { AlertChange } from './alerts/alert-tracker.ts';
export { riskScore } from './alerts/risk-score.ts';
export { EventEnricher, type EnrichmentFindings, type EnrichmentSources } from './enrich/event-enricher.ts';
export { AssetInventory, AssetTable, type Asset } from './enrich/assets/asset-inventory.ts';
export { assetConfigSchema, type AssetConfig } from './enrich/assets/config.ts';
export { GeoipEnricher, type GeoipStats } from './enrich/geoip/geoip-enricher.ts';
export { geoipConfigSchema, DEFAULT_GEOIP_FIELDS, type GeoipConfig } from './enrich/geoip/config.ts';
export { MmdbReader, type MmdbMatch } from './enrich/geoip/mmdb-reader.ts';
export { classifyAddress, ADDRESS_CLASSES, type AddressClass } from './enrich/geoip/address-class.ts';
export { IndicatorStore } from './enrich/intel/indicator-store.ts';
export { IntelFeeds, type RefreshReport } from './enrich/intel/intel-feeds.ts';
export { IntelMatcher, type IntelMatch } from './enrich/intel/intel-matcher.ts';
export { intelConfigSchema, type IntelConfig } from './enrich/intel/config.ts';
export { Notifier, createChannel, type NotifierStats } from './notify/notifier.ts';
export { notifyConfigSchema, type ChannelConfig, type NotifyConfig } from './notify/config.ts';
export { webhookSignature } from './notify/webhook-channel.ts';
export type { DeliveryRecord } from './notify/types.ts';
export { ProvenanceAlerts, type ProvenanceProblem } from './provenance-alerts.ts';
export { FleetMonitor, type FleetMonitorDeps } from './fleet-monitor.ts';
export type { FleetMonitorConfig } from './config.ts';
export { runBacktest, type BacktestOptions, type BacktestProgress } from './backtest/backtest.ts';
export { selectRules, type RuleSelection } from './backtest/rule-selection.ts';
export { backtestRequestSchema, MAX_BACKTEST_RULE_REFS, type BacktestRequest, type BacktestRequestInput } from './backtest/request.ts';
export {
  backtestReportSchema,
  backtestAlertSchema,
  backtestRuleResultSchema,
  BACKTEST_STOPS,
  type BacktestReport,
  type BacktestAlert,
  type BacktestRuleResult,
  type BacktestStop,
} from './backtest/report.ts';
export { backtestErrors } from './backtest/errors.ts';
