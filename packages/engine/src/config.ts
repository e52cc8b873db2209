import { z } from 'zod';
import { detectionConfigSchema } from './alerts/config.ts';
import { assetConfigSchema } from './enrich/assets/config.ts';
import { geoipConfigSchema } from './enrich/geoip/config.ts';
import { intelConfigSchema } from './enrich/intel/config.ts';
import { notifyConfigSchema } from './notify/config.ts';

const enrichmentSchema = z
  .object({
    geoip: geoipConfigSchema.optional().describe('GeoIP and ASN from MaxMind-format .mmdb files; leave out for none.'),
    intel: intelConfigSchema.prefault({}).describe('Threat-intelligence indicators (CSV, STIX 2.1, MISP, TAXII 2.1) matched against event fields into threat.enrichments.'),
    assets: assetConfigSchema.optional().describe('The asset inventory (host, owner, criticality); an alert on a listed asset carries it and its criticality weighs the risk score.'),
  })
  .strict();

const fleetMonitorSchema = z
  .object({
    groupId: z.string().min(1).default('vigil-engine-fleet').describe('Bus consumer group reading vigil.heartbeats; one engine instance watches the fleet.'),
    silentAfterIntervals: z.number().min(1).default(3).describe('An edge is silent (and alerted on) after this many of its heartbeat intervals without a heartbeat.'),
    maxClockSkewMs: z.number().int().min(1_000).default(60_000).describe("Largest difference between an edge's clock and the core's before a clock-drift alert."),
    checkIntervalMs: z.number().int().min(100).default(1_000).describe('How often edges are checked for silence.'),
  })
  .strict();

/** Heartbeat watching: silent edges and clock drift. */
export type FleetMonitorConfig = z.output<typeof fleetMonitorSchema>;

/** The engine role: verify provenance, detect, raise alerts. */
export const engineConfigSchema = z
  .object({
    ops: z
      .object({
        host: z.string().min(1).default('0.0.0.0').describe('Address of the engine\'s health and metrics endpoint when it runs as its own process.'),
        port: z.number().int().min(0).max(65_535).default(8091).describe('Port of `GET /healthz` and `GET /metrics` when the engine runs as its own process (`vigil engine`).'),
      })
      .strict()
      .prefault({})
      .describe('Health and metrics HTTP endpoint of a standalone engine.'),
    groupId: z.string().min(1).default('vigil-engine').describe('Bus consumer group the engine instances share for vigil.events (verify and match).'),
    hitsGroupId: z
      .string()
      .min(1)
      .default('vigil-engine-hits')
      .describe('Bus consumer group the engine instances share for vigil.engine.hits (correlation and alert state, one owner per partition).'),
    builtinRules: z.boolean().default(true).describe("Load Vigil's own rule pack (packages/engine/rules)."),
    rulesDirs: z
      .array(z.string().min(1))
      .default([])
      .describe('More directories of Sigma rules (*.yml) to load, e.g. rules dropped in from the Sigma community.'),
    builtinPipelines: z
      .boolean()
      .default(true)
      .describe("Apply Vigil's own processing pipelines (packages/engine/pipelines), which map Sigma's logsources and field names to Vigil's ECS events."),
    pipelineDirs: z
      .array(z.string().min(1))
      .default([])
      .describe('More directories of Sigma processing pipelines (*.yml, pySigma format: field_name_mapping, field_name_prefix_mapping, add_condition, vars), applied with the built-in ones in priority order.'),
    detection: detectionConfigSchema.prefault({}).describe('Alert dedup, correlation state limits and event-time bounds.'),
    enrichment: enrichmentSchema
      .prefault({})
      .describe("Enrichment of the events that raise alerts (and of every event a rule reads an enriched field of): GeoIP, threat intel, assets. It lands on the alert and moves its risk score."),
    notify: notifyConfigSchema.prefault({}).describe('Alert notifications: webhook (HMAC-signed), Slack-compatible webhook, email (SMTP); sent after the alert is on the bus, never blocking detection.'),
    fleet: fleetMonitorSchema.prefault({}).describe('Edge health: alerts when an edge goes silent or its clock drifts.'),
    maxBatchMessages: z.number().int().min(1).max(10_000).default(100).describe('Most signed batches handled between two offset commits.'),
    maxHitMessages: z.number().int().min(1).max(100_000).default(2_000).describe('Most hits-topic messages applied in one batch.'),
    heapGrowthPercent: z
      .number()
      .int()
      .min(10)
      .max(400)
      .default(150)
      .describe(
        "How far the process's old generation may grow past what the last full garbage collection left before the next one, in percent (V8's --heap-growing-percent), set when the engine starts. The engine's correlation and alert state is marked again by every full collection: 150 (the heap may reach 2.5 times its live size) measured 10-15% more events per CPU-second than the 60 the other roles run with, for a higher memory peak. Lower it where memory is tighter than CPU.",
      ),
    checkpointIntervalMs: z
      .number()
      .int()
      .min(100)
      .default(30_000)
      .describe(
        'How often the state of each hits partition (correlation windows, alerts) is checkpointed to the data directory; a restart restores it and replays the hits after it, continuing open windows. Each checkpoint writes the whole state of the partition: shorter means less to replay after a crash, and more writing.',
      ),
  })
  .strict();

export type EngineConfig = z.output<typeof engineConfigSchema>;
