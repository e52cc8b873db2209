import { ASSET_CRITICALITIES, isUnsafeKey, threatEnrichmentSchema } from '@vigil/schema';
import { z } from 'zod';
import type { Correlator } from '../correlation/correlator.ts';
import { idsOf, type Entry } from '../correlation/group-state.ts';
import { detectionErrors } from '../sigma/errors.ts';
import type { AlertState } from './alert-document.ts';
import type { AlertTracker } from './alert-tracker.ts';

/**
 * Detection state as plain JSON: open correlation windows and remembered alerts. Restoring it
 * into an engine with the same rules continues every window and updates the same alerts.
 */

const safeRecord = z.record(z.string(), z.string()).refine((record) => Object.keys(record).every((key) => !isUnsafeKey(key)), 'unsafe key');
const time = z.number().finite().nullable();

const entrySchema = z.tuple([
  z.number().finite(),
  z.number().finite(),
  z.union([z.string(), z.number().int().nonnegative(), z.null()]),
  z.array(z.string()),
  z.number().int().nonnegative(),
  z.number().int().nonnegative(),
  z.boolean(),
]);

const groupSchema = z.object({ key: z.string(), values: safeRecord, touched: time, entries: z.array(entrySchema) }).strict();

const alertStateSchema = z
  .object({
    id: z.string(),
    dedupKey: z.string(),
    group: safeRecord,
    firstSeen: z.number().finite(),
    lastSeen: z.number().finite(),
    count: z.number().int().nonnegative(),
    eventIds: z.array(z.string()),
    createdAt: z.number().finite(),
    touched: time,
    enrichment: z
      .object({
        enrichments: z.array(threatEnrichmentSchema),
        intelConfidence: z.number().min(0).max(100).optional(),
        asset: z.object({ name: z.string(), owner: z.string().optional(), criticality: z.enum(ASSET_CRITICALITIES) }).strict().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export const detectionSnapshotSchema = z
  .object({
    version: z.literal(1),
    watermark: time,
    correlations: z.array(z.object({ rule: z.string(), groups: z.array(groupSchema) }).strict()),
    alerts: z.array(alertStateSchema),
  })
  .strict();

/** The JSON form of an engine's detection state. */
export type DetectionSnapshot = z.infer<typeof detectionSnapshotSchema>;

const finiteOrNull = (value: number) => (Number.isFinite(value) ? value : null);
const fromNullable = (value: number | null) => value ?? Number.NEGATIVE_INFINITY;

/** Captures correlator and alert tracker state. */
export function takeSnapshot(correlator: Correlator, tracker: AlertTracker): DetectionSnapshot {
  const byRule = new Map<string, DetectionSnapshot['correlations'][number]>();
  for (const { rule, key, group } of correlator.groups()) {
    let item = byRule.get(rule.id);
    if (!item) {
      item = { rule: rule.id, groups: [] };
      byRule.set(rule.id, item);
    }
    item.groups.push({
      key,
      values: { ...group.values },
      touched: finiteOrNull(group.touched),
      entries: group.entries.map((entry) => [entry.t, entry.f, entry.k, [...idsOf(entry)], entry.n, entry.w, entry.rep]),
    });
  }
  return {
    version: 1,
    watermark: finiteOrNull(correlator.watermark),
    correlations: [...byRule.values()],
    alerts: tracker.states().map((state) => ({ ...state, group: { ...state.group }, eventIds: [...state.eventIds], touched: finiteOrNull(state.touched) })),
  };
}

/**
 * Restores a snapshot (validated first: a corrupt one throws VIGIL_ERR_DETECTION_SNAPSHOT_INVALID
 * and changes nothing). Groups of correlations the current rules do not have are skipped and
 * counted in the result.
 */
export function restoreSnapshot(input: unknown, correlator: Correlator, tracker: AlertTracker): { skippedGroups: number } {
  const parsed = detectionSnapshotSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw detectionErrors.create('VIGIL_ERR_DETECTION_SNAPSHOT_INVALID', { reason: `${issue.path.join('.') || '(root)'}: ${issue.message}` });
  }
  const snapshot = parsed.data;
  for (const item of snapshot.correlations) {
    for (const group of item.groups) {
      const sorted = group.entries.every((entry, index) => index === 0 || group.entries[index - 1]![0] <= entry[0]);
      if (!sorted) throw detectionErrors.create('VIGIL_ERR_DETECTION_SNAPSHOT_INVALID', { reason: `entries of group ${group.key} are not in time order` });
    }
  }
  correlator.clear();
  let skippedGroups = 0;
  for (const item of snapshot.correlations) {
    for (const group of item.groups) {
      const entries: Entry[] = group.entries.map(([t, f, k, ids, n, w, rep]) => ({ t, f, k, ids: ids.length === 1 ? ids[0]! : ids, n, w, rep }));
      if (!correlator.restoreGroup(item.rule, group.key, group.values, fromNullable(group.touched), entries)) skippedGroups++;
    }
  }
  correlator.restoreWatermark(fromNullable(snapshot.watermark));
  tracker.restore(snapshot.alerts.map((state): AlertState => ({ ...state, touched: fromNullable(state.touched) })));
  return { skippedGroups };
}
