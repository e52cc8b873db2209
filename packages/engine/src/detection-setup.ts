import { fileURLToPath } from 'node:url';
import type { Logger, Metrics } from '@vigil/runtime';
import { DetectionEngine } from './alerts/detection-engine.ts';
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

/** Loads the configured rules (failing start-up with every problem listed) and builds the detector. */
export async function createDetectionEngine(config: EngineConfig, deps: { metrics?: Metrics; logger?: Logger } = {}): Promise<DetectionEngine> {
  const ruleset = await loadRules(ruleDirectories(config), pipelineOptions(config));
  return new DetectionEngine(ruleset, { ...config.detection, ...deps });
}
