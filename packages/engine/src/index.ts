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
export { EventContext, FieldTable } from './sigma/event-context.ts';
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
export { DetectionEngine, type DetectionEngineOptions, type DetectionStats } from './alerts/detection-engine.ts';
export { detectionConfigSchema, type DetectionConfig, type DetectionConfigInput } from './alerts/config.ts';
export { AlertTracker, type AlertTrackerOptions, type AlertTrackerStats } from './alerts/alert-tracker.ts';
export { alertDocument, alertId, dedupKey, type AlertState } from './alerts/alert-document.ts';
export { threatFromTags, ATTACK_TACTICS } from './alerts/attack.ts';
export { detectionSnapshotSchema, type DetectionSnapshot } from './alerts/snapshot.ts';
export { engineConfigSchema, type EngineConfig } from './config.ts';
export { engineErrors } from './errors.ts';
export { createEngine, type Detector, type EngineDeps } from './engine.ts';
export { createDetectionEngine, ruleDirectories, pipelineOptions, BUILTIN_RULES_DIR } from './detection-setup.ts';
export { ProvenanceAlerts, type ProvenanceProblem } from './provenance-alerts.ts';
export { FleetMonitor, type FleetMonitorDeps } from './fleet-monitor.ts';
export type { FleetMonitorConfig } from './config.ts';
