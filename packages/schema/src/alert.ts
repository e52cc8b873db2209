import { z } from 'zod';
import { autonomousSystem, geo, threatEnrichmentSchema } from './ecs.ts';
import { date, fieldSet, float, ip, ips, keyword, keywordMap, keywords, long, text } from './ecs-types.ts';

/**
 * An alert is a document of its own (`event.kind: alert`). The engine creates and updates it
 * (an ongoing attack updates one alert: count, last seen, more event ids); analysts change
 * its lifecycle fields (status, assignee, comments), which the engine never overwrites.
 */

export const ALERT_STATUSES = ['open', 'acknowledged', 'closed'] as const;
export const ALERT_SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/**
 * Why an alert was closed: a real attack (`true_positive`), real but expected or harmless
 * activity (`benign_positive`), the rule fired on something it should not have
 * (`false_positive`), or another alert already covers it (`duplicate`).
 */
export const ALERT_RESOLUTIONS = ['true_positive', 'benign_positive', 'false_positive', 'duplicate'] as const;

export type AlertResolution = (typeof ALERT_RESOLUTIONS)[number];
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** ECS `event.severity` numbers for each Sigma level (the scale Elastic's detection engine uses). */
export const SEVERITY_SCORE: Readonly<Record<AlertSeverity, number>> = {
  informational: 0,
  low: 21,
  medium: 47,
  high: 73,
  critical: 99,
};

/** The most event ids an alert keeps; `count` still counts every event. */
export const MAX_ALERT_EVENT_IDS = 500;

/** Asset criticality levels (the asset inventory's), lowest first. */
export const ASSET_CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export type AssetCriticality = (typeof ASSET_CRITICALITIES)[number];

/** Where an alert's latest event came from or went to, with what enrichment found about the address. */
const alertEndpoint = fieldSet({ ip: ip(), port: long(), domain: keyword(), geo, as: autonomousSystem });

const comment = z.object({ at: date(), author: keyword(), text: text().min(1).max(10_000) }).strict();
const historyEntry = z
  .object({ at: date(), actor: keyword(), field: keyword(), from: keyword().nullable(), to: keyword().nullable() })
  .strict();

export const alertSchema = z
  .object({
    id: keyword(),
    '@timestamp': date(),
    message: text(),
    event: z
      .object({
        kind: z.literal('alert'),
        severity: long(),
        risk_score: float(),
        created: date(),
        category: keywords().optional(),
        dataset: keyword().optional(),
      })
      .strict(),
    rule: z
      .object({
        id: keyword(),
        name: keyword(),
        description: keyword().optional(),
        reference: keyword().optional(),
        tags: keywords().optional(),
        type: keyword(),
      })
      .strict(),
    threat: z
      .object({
        framework: keyword().optional(),
        tactic: z.object({ id: keywords(), name: keywords() }).strict().optional(),
        technique: z.object({ id: keywords(), name: keywords().optional() }).strict().optional(),
        /** Threat-intel indicators the alert's events matched. */
        enrichments: z.array(threatEnrichmentSchema).optional(),
      })
      .strict()
      .optional(),
    source: alertEndpoint.optional(),
    destination: alertEndpoint.optional(),
    host: fieldSet({ hostname: keyword(), name: keyword(), ip: ips(), geo }).optional(),
    vigil: z
      .object({
        alert: z
          .object({
            severity: z.enum(ALERT_SEVERITIES),
            status: z.enum(ALERT_STATUSES),
            /** Why a closed alert was closed; cleared when it is reopened. */
            resolution: z.enum(ALERT_RESOLUTIONS).nullable().optional(),
            assignee: keyword().nullable(),
            dedup_key: keyword(),
            /** The group-by values that identify this alert's subject (e.g. the attacking source.ip). */
            group: keywordMap(),
            count: long(),
            first_seen: date(),
            last_seen: date(),
            event_ids: keywords(),
            /** The affected asset from the asset inventory, when it lists the alert's host or destination. */
            asset: z.object({ name: keyword(), owner: keyword().optional(), criticality: z.enum(ASSET_CRITICALITIES) }).strict().optional(),
            comments: z.array(comment),
            history: z.array(historyEntry),
          })
          .strict(),
      })
      .strict(),
  })
  .strict();

export type Alert = z.infer<typeof alertSchema>;
export type AlertComment = z.infer<typeof comment>;
export type AlertHistoryEntry = z.infer<typeof historyEntry>;
