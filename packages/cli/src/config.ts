import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { apiConfigSchema } from '@vigil/api';
import { embeddedBusConfigSchema, kafkaBusConfigSchema } from '@vigil/bus';
import { edgeConfigSchema } from '@vigil/edge';
import { engineConfigSchema } from '@vigil/engine';
import { indexerConfigSchema } from '@vigil/indexer';
import { parseConfig } from '@vigil/runtime';
import { openSearchStoreConfigSchema } from '@vigil/store';
import { applyEnv } from './env.ts';

/**
 * The whole configuration of a Vigil process, composed from each component's schema. Every
 * key has a default, so `vigil start` with no configuration runs as the brief describes.
 */
export const vigilConfigSchema = z
  .object({
    dataDir: z.string().min(1).default('./data').describe('Directory for all Vigil data: bus log, store, PKI, state.'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info').describe('Log level of the process.'),
    adminPassword: z
      .string()
      .min(12)
      .optional()
      .describe('Password of the first admin user, used only when that user does not exist yet. If unset, a random one is generated and printed once. Never logged.'),
    caCertificatePath: z
      .string()
      .min(1)
      .optional()
      .describe('The Vigil CA certificate that edge batches must chain to (engine, indexer). Default: `<dataDir>/pki/ca.crt`.'),
    caKeyPath: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The Vigil CA private key, for a standalone API (`vigil api`) that enrolls and renews edges and signs commands and revocation lists; without it those routes answer 503. `vigil start` uses `<dataDir>/pki/ca.key`.',
      ),
    edgeIdentityDir: z
      .string()
      .min(1)
      .optional()
      .describe('Directory with the edge certificate and key (`edge.crt`, `edge.key`) of a standalone edge. Default: `<dataDir>/edge/identity`.'),
    apiUrl: z
      .string()
      .url()
      .optional()
      .describe('URL of the Vigil API; a standalone edge asks it whether an ingest API key is valid.'),
    edgeId: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/)
      .default('local')
      .describe('Edge id: of the built-in edge in all-in-one mode (it enrolls itself with the local CA at first start), or of a standalone edge (the CN of its certificate).'),
    edge: edgeConfigSchema.prefault({}).describe('Edge collector: syslog and HTTP listeners, batching.'),
    engine: engineConfigSchema.prefault({}).describe('Engine: provenance checks and detection.'),
    indexer: indexerConfigSchema.prefault({}).describe('Indexer: writes events and alerts to the store.'),
    api: apiConfigSchema.prefault({}).describe('REST API and dashboard.'),
    bus: z
      .object({
        kind: z.enum(['embedded', 'kafka']).default('embedded').describe('Bus implementation: `embedded` (durable in-process log, one process) or `kafka`.'),
        embedded: embeddedBusConfigSchema.prefault({}).describe('Embedded bus settings.'),
        kafka: kafkaBusConfigSchema.prefault({}).describe('Kafka settings (when kind is kafka).'),
      })
      .strict()
      .prefault({})
      .describe('Event bus.'),
    store: z
      .object({
        kind: z.enum(['sqlite', 'opensearch']).default('sqlite').describe('Store implementation: `sqlite` (node:sqlite with FTS5, one process) or `opensearch`.'),
        opensearch: openSearchStoreConfigSchema.prefault({}).describe('OpenSearch settings (when kind is opensearch).'),
      })
      .strict()
      .prefault({})
      .describe('Event and alert store.'),
  })
  .strict();

export type VigilConfig = z.output<typeof vigilConfigSchema>;

/** Reads the config file named by VIGIL_CONFIG (JSON or YAML), applies the environment, validates. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<VigilConfig> {
  const file = env.VIGIL_CONFIG;
  let raw: Record<string, unknown> = {};
  if (file) {
    const text = readFileSync(resolve(file), 'utf8');
    const parsed: unknown = extname(file) === '.json' ? JSON.parse(text) : parseYaml(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) raw = parsed as Record<string, unknown>;
    else if (parsed !== null && parsed !== undefined) throw new Error(`${file}: the configuration must be an object`);
  }
  return parseConfig(vigilConfigSchema, applyEnv(raw, env), file ? `configuration (${file} and environment)` : 'configuration (environment)');
}
