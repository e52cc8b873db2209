import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { createApiServer, type ApiFleetDeps, type ApiServer, type AuditLog, type AuthRepository, type SavedSearches } from '@vigil/api';
import type { Bus, BusProducer } from '@vigil/bus';
import { ConfigReloader, EdgeCommandHandler, SourceAccessList, createEdge, type Edge, type VerifyIngestKey } from '@vigil/edge';
import { FleetMonitor, Notifier, ProvenanceAlerts, applyEngineHeapSettings, createDetection, createEngine, createEnrichment, loadRules, pipelineOptions, ruleDirectories, runRuleTests } from '@vigil/engine';
import { CertificateRenewer, CommandListener, HeartbeatPublisher, RevocationWatcher, RuleStateWatcher, SuppressionWatcher, fleetErrors, type RenewCertificate } from '@vigil/fleet';
import { createIndexer } from '@vigil/indexer';
import { BatchSigner, BatchVerifier, ControlVerifier, EdgeControlSigner, SequenceCounter, type EdgeIdentity } from '@vigil/provenance';
import { startAll, stopAll, type Component, type Logger, type Metrics } from '@vigil/runtime';
import type { Store } from '@vigil/store';
import type { VigilConfig } from './config.ts';
import { dataDirOf } from './infrastructure.ts';
import { VIGIL_VERSION } from './version.ts';

/**
 * Builders for the four roles. `vigil start` calls all four on one bus and store; `vigil edge`,
 * `vigil engine`, `vigil indexer` and `vigil api` each call one. The roles never look each
 * other up: everything they share comes in through these parameters.
 */
export interface Shared {
  config: Readonly<VigilConfig>;
  metrics: Metrics;
  logger: Logger;
}

/** The CA certificate edge batches must chain to. */
export function caCertificatePem(config: Readonly<VigilConfig>): string {
  const path = config.caCertificatePath ?? join(dataDirOf(config), 'pki', 'ca.crt');
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the Vigil CA certificate at ${path} (set VIGIL_CA_CERT): ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Names a process for consumer groups every process needs a group of its own in (lists that
 * every reader must see whole): the host and its data directory, so two processes on one host
 * (each with its own data directory) do not share a group and split the topic between them.
 */
function processTag(config: Readonly<VigilConfig>): string {
  return `${hostname()}-${createHash('sha256').update(resolve(dataDirOf(config))).digest('hex').slice(0, 8)}`;
}

/**
 * The revocation list a process checks edge certificates against. Every process that verifies
 * batches needs every list, so each reads `vigil.commands` in a consumer group of its own.
 */
export function buildRevocationWatcher(shared: Shared, bus: Bus, caPem: string, role: string): RevocationWatcher {
  const { config, metrics, logger } = shared;
  return new RevocationWatcher({
    bus,
    groupId: `vigil-${role}-revocations-${processTag(config)}`,
    verifier: new ControlVerifier({ caCertificatePem: caPem }),
    stateFile: join(dataDirOf(config), `${role}-revocations.json`),
    metrics,
    logger: logger.child({ role, part: 'revocations' }),
  });
}

/** The engine role: batch verification and detection, plus the fleet monitor (silent edges, clock drift). */
export async function buildEngine(shared: Shared, bus: Bus, producer: BusProducer, caPem: string, revocations: RevocationWatcher): Promise<Component> {
  const { config, metrics, logger } = shared;
  applyEngineHeapSettings(config.engine.heapGrowthPercent);
  const roleLogger = logger.child({ role: 'engine' });
  const stateDir = join(dataDirOf(config), 'engine');
  const isRevoked = (edgeId: string, serial: string) => revocations.isRevoked(edgeId, serial);
  const enrichment = createEnrichment(config.engine.enrichment, { logger: roleLogger, metrics });
  const notifier = new Notifier(config.engine.notify, { logger: roleLogger.child({ part: 'notify' }), metrics });
  // Analysts' alert suppressions, which the API publishes signed on vigil.commands.
  const suppressions = new SuppressionWatcher({
    bus,
    groupId: `vigil-engine-suppressions-${processTag(config)}`,
    verifier: new ControlVerifier({ caCertificatePem: caPem }),
    stateFile: join(stateDir, 'suppressions.json'),
    metrics,
    logger: roleLogger.child({ part: 'suppressions' }),
  });
  // Rules analysts turned off, published the same way.
  const ruleStates = new RuleStateWatcher({
    bus,
    groupId: `vigil-engine-rule-states-${processTag(config)}`,
    verifier: new ControlVerifier({ caCertificatePem: caPem }),
    stateFile: join(stateDir, 'rule-states.json'),
    metrics,
    logger: roleLogger.child({ part: 'rule-states' }),
  });
  const detection = await createDetection(config.engine, { metrics, logger: roleLogger, enricher: enrichment.enricher, suppressions, ruleStates });
  const engine = createEngine(config.engine, {
    bus,
    producer,
    verifier: new BatchVerifier({ caCertificatePem: caPem, isRevoked }),
    detection,
    stateDir,
    metrics,
    logger: roleLogger,
    notifier,
  });
  const fleet = new FleetMonitor(config.engine.fleet, {
    bus,
    producer,
    verifier: new ControlVerifier({ caCertificatePem: caPem, isRevoked }),
    alerts: new ProvenanceAlerts(config.engine.detection.dedupWindowMs),
    stateFile: join(stateDir, 'fleet.json'),
    metrics,
    logger: roleLogger.child({ part: 'fleet' }),
  });
  // Enrichment data and the notifier start before the engine reads its first batch, and stop after it.
  return group('engine', [...enrichment.components, suppressions, ruleStates, notifier, engine, fleet]);
}

export function buildIndexer(shared: Shared, bus: Bus, producer: BusProducer, store: Store, caPem: string, revocations: RevocationWatcher): Component {
  const { config, metrics, logger } = shared;
  const verifier = new BatchVerifier({ caCertificatePem: caPem, isRevoked: (edgeId, serial) => revocations.isRevoked(edgeId, serial) });
  return createIndexer(config.indexer, { bus, producer, store, verifier, metrics, logger: logger.child({ role: 'indexer' }) });
}

/**
 * The API role; `fleet` brings the fleet repository, the bus, a producer and the CA (its key when
 * this process may issue and sign). Backtests load the engine's configured rules.
 */
export function buildApi(shared: Shared, store: Store, auth: AuthRepository, audit: AuditLog, savedSearches: SavedSearches, ready: () => boolean, fleet: ApiFleetDeps): ApiServer {
  const { config, metrics, logger } = shared;
  const directories = ruleDirectories(config.engine);
  const backtest = {
    loadRules: () => loadRules(directories, pipelineOptions(config.engine)),
    detection: config.engine.detection,
    // A rule's tests live in the tests/ folder of the rule directory that holds it.
    testRuleFile: async (file: string) => {
      const directory = directories.find((candidate) => resolve(file).startsWith(resolve(candidate) + sep));
      if (directory === undefined) return { passed: false, cases: [], problems: [`${file}: in none of the rule directories (${directories.join(', ')})`] };
      return runRuleTests(directory, pipelineOptions(config.engine), file);
    },
  };
  // Every API process follows vigil.alerts in a group of its own, for the dashboards it serves.
  const liveAlerts = fleet.bus && { bus: fleet.bus, groupId: `vigil-api-live-${processTag(config)}` };
  return createApiServer(config.api, { store, auth, audit, savedSearches, notify: config.engine.notify, ...(liveAlerts && { liveAlerts }), metrics, logger: logger.child({ role: 'api' }), health: () => ({ ready: ready() }), fleet, backtest });
}

/**
 * The CA as a standalone API sees it: the certificate (to check what edges send) when it can be
 * read, and the private key only when `caKeyPath` names it; without the key, enrollment,
 * renewal, commands and revocation answer 503. A named key that cannot be read stops start-up.
 */
export function apiCa(config: Readonly<VigilConfig>): ApiFleetDeps['ca'] {
  const certificatePath = config.caCertificatePath ?? join(dataDirOf(config), 'pki', 'ca.crt');
  if (config.caKeyPath === undefined) return existsSync(certificatePath) ? { certificatePem: caCertificatePem(config) } : undefined;
  const certificatePem = caCertificatePem(config);
  try {
    return { certificatePem, privateKeyPem: readFileSync(config.caKeyPath, 'utf8') };
  } catch (error) {
    throw new Error(`cannot read the Vigil CA key at ${config.caKeyPath} (VIGIL_CA_KEY): ${(error as Error).message}`, { cause: error });
  }
}

/** The edge role's identity and what acts with it; a renewed certificate replaces the identity in both signers at once. */
export interface EdgeSetup {
  /** The identity loaded at start (the certificate renewer holds the current one). */
  identity: EdgeIdentity;
  identityDir: string;
  bootId: string;
  /** Signs event batches. */
  signer: BatchSigner;
  /** Signs heartbeats and command results. */
  controlSigner: EdgeControlSigner;
  /** Sources every listener refuses: `edge.blockedSources` plus block-source commands (kept in `<dataDir>/edge/blocked-sources.json`). */
  accessList: SourceAccessList;
}

export function prepareEdge(shared: Shared, identity: EdgeIdentity, identityDir: string, bootId: string = randomUUID()): EdgeSetup {
  const { config, metrics, logger } = shared;
  const accessList = new SourceAccessList({
    configured: config.edge.blockedSources,
    stateFile: join(dataDirOf(config), 'edge', 'blocked-sources.json'),
    metrics,
    logger: logger.child({ role: 'edge', part: 'access' }),
  });
  return { identity, identityDir, bootId, signer: new BatchSigner(identity), controlSigner: new EdgeControlSigner(identity), accessList };
}

/**
 * The CA certificate a standalone edge checks commands against: VIGIL_CA_CERT (must be
 * readable), else the `ca.crt` that `vigil enroll` stored next to the identity; null when neither exists.
 */
export function edgeCaCertificatePem(config: Readonly<VigilConfig>, identityDir: string): string | null {
  if (config.caCertificatePath) return caCertificatePem(config);
  const path = join(identityDir, 'ca.crt');
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/**
 * The edge role. `caPem` is the Vigil CA: with it, the syslog TLS listener (when enabled and
 * given no certificate files) serves the edge's own certificate and trusts client certificates
 * the Vigil CA issued.
 */
export function buildEdge(shared: Shared, producer: BusProducer, setup: EdgeSetup, verifyIngestKey: VerifyIngestKey, caPem: string | null): Edge {
  const { config, metrics, logger } = shared;
  const { bootId, identity } = setup;
  return createEdge(config.edge, {
    ...(caPem === null ? {} : { tlsIdentity: { certPem: identity.certificatePem, keyPem: identity.privateKeyPem, caPem } }),
    producer,
    signer: setup.signer,
    accessList: setup.accessList,
    sequence: new SequenceCounter(join(dataDirOf(config), 'edge', 'sequence')),
    spoolDir: join(dataDirOf(config), 'edge', 'spool'),
    bootId,
    metrics,
    logger: logger.child({ role: 'edge' }),
    verifyIngestKey,
  });
}

/** What the edge's control plane needs from the host. */
export interface EdgeControlOptions {
  /** The Vigil CA certificate commands are checked against; null: commands are ignored (logged at start). */
  caPem: string | null;
  /** Where the certificate renewer gets a new certificate: the API's /renew route, or the local CA. */
  renew: RenewCertificate;
  /** Reads the configuration again (file and environment) for reload-config. */
  reloadConfig: () => Readonly<VigilConfig>;
}

/**
 * The edge's control plane: heartbeats every `edge.heartbeatIntervalMs`, certificate renewal
 * before expiry (swapping both signers live), and signed commands from `vigil.commands`.
 */
export function buildEdgeControl(shared: Shared, bus: Bus, producer: BusProducer, setup: EdgeSetup, edge: Edge, control: EdgeControlOptions): Component[] {
  const { config, metrics, logger } = shared;
  const edgeLogger = logger.child({ role: 'edge' });
  const { edgeId } = setup.identity;
  const renewer = new CertificateRenewer({
    identity: setup.identity,
    identityDir: setup.identityDir,
    caCertificatePem: control.caPem ?? undefined,
    renew: control.renew,
    onRenewed: (renewed) => {
      setup.signer.replaceIdentity(renewed);
      setup.controlSigner.replaceIdentity(renewed);
      if (control.caPem !== null) edge.replaceTlsIdentity({ certPem: renewed.certificatePem, keyPem: renewed.privateKeyPem, caPem: control.caPem });
    },
    schedule: config.edge.identity,
    metrics,
    logger: edgeLogger.child({ part: 'certificate' }),
  });
  const heartbeats = new HeartbeatPublisher({
    producer,
    signer: setup.controlSigner,
    edgeId,
    bootId: setup.bootId,
    version: VIGIL_VERSION,
    intervalMs: config.edge.heartbeatIntervalMs,
    status: async () => ({ ...(await edge.status()), certificate: renewer.certificateStatus() }),
    metrics,
    logger: edgeLogger.child({ part: 'heartbeats' }),
  });
  if (control.caPem === null) {
    const path = join(setup.identityDir, 'ca.crt');
    logger.warn({ code: 'VIGIL_ERR_FLEET_NO_CA_CERTIFICATE', path }, fleetErrors.create('VIGIL_ERR_FLEET_NO_CA_CERTIFICATE', { path }).message);
    return [heartbeats, renewer];
  }
  const reloader = new ConfigReloader({
    initial: edgeSettings(config),
    load: () => edgeSettings(control.reloadConfig()),
    live: [
      { path: 'logLevel', apply: (next) => void (logger.level = next.logLevel) },
      {
        path: 'edge.blockedSources',
        apply: (next) => {
          const { added, removed } = setup.accessList.setConfigured(next.edge.blockedSources);
          return `${added.length} added, ${removed.length} removed`;
        },
      },
      { path: 'edge.identity', apply: (next) => void renewer.configure(next.edge.identity) },
    ],
  });
  const commands = new CommandListener({
    bus,
    producer,
    signer: setup.controlSigner,
    verifier: new ControlVerifier({ caCertificatePem: control.caPem }),
    edgeId,
    handler: new EdgeCommandHandler({ logger, accessList: setup.accessList, reloader }),
    stateFile: join(dataDirOf(config), 'edge', 'commands.json'),
    auditFile: join(dataDirOf(config), 'edge', 'commands.log'),
    metrics,
    logger: edgeLogger.child({ part: 'commands' }),
  });
  return [heartbeats, renewer, commands];
}

/** The part of the configuration a reload-config command compares: what the edge role uses. */
function edgeSettings(config: Readonly<VigilConfig>) {
  const { logLevel, dataDir, edgeId, apiUrl, caCertificatePath, edgeIdentityDir, bus, edge } = config;
  return { logLevel, dataDir, edgeId, apiUrl, caCertificatePath, edgeIdentityDir, bus, edge };
}

/** Several components started in order and stopped in reverse, as one. */
function group(name: string, components: Component[]): Component {
  return { name, start: () => startAll(components), stop: () => stopAll(components) };
}

/** `host:port`, with IPv6 hosts in brackets and the wildcard address shown as localhost. */
export function hostPort(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return shown.includes(':') ? `[${shown}]:${port}` : `${shown}:${port}`;
}
