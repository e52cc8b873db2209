import { SEVERITY_SCORE, type AlertSeverity, type AssetCriticality } from '@vigil/schema';

/** How much an asset's criticality weighs the rule's score. */
const CRITICALITY_FACTOR: Readonly<Record<AssetCriticality, number>> = { low: 0.75, medium: 1, high: 1.25, critical: 1.5 };

/** Points a matched threat-intel indicator adds at full confidence. */
const INTEL_POINTS = 25;

/**
 * An alert's risk score (0–100): the rule level's ECS severity score (informational 0 … critical
 * 99), weighed by the affected asset's criticality (low ×0.75, medium ×1, high ×1.25, critical
 * ×1.5), plus up to 25 points for the confidence of the threat-intel indicators matched.
 */
export function riskScore(level: AlertSeverity, criticality: AssetCriticality | undefined, intelConfidence: number | undefined): number {
  let score = SEVERITY_SCORE[level] * (criticality ? CRITICALITY_FACTOR[criticality] : 1);
  if (intelConfidence !== undefined && intelConfidence > 0) score += (INTEL_POINTS * Math.min(intelConfidence, 100)) / 100;
  return Math.round(Math.min(100, score) * 10) / 10;
}
