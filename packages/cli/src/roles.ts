import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createApiServer, type ApiServer, type AuthRepository } from '@vigil/api';
import type { Bus, BusProducer } from '@vigil/bus';
import { createEdge, type Edge, type VerifyIngestKey } from '@vigil/edge';
import { createDetectionEngine, createEngine } from '@vigil/engine';
import { createIndexer } from '@vigil/indexer';
import { BatchSigner, BatchVerifier, SequenceCounter, type EdgeIdentity } from '@vigil/provenance';
import type { Component, Logger, Metrics } from '@vigil/runtime';
import type { Store } from '@vigil/store';
import type { VigilConfig } from './config.ts';
import { dataDirOf } from './infrastructure.ts';

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

export async function buildEngine(shared: Shared, bus: Bus, producer: BusProducer, caPem: string): Promise<Component> {
  const { config, metrics, logger } = shared;
  const roleLogger = logger.child({ role: 'engine' });
  const detector = await createDetectionEngine(config.engine, { metrics, logger: roleLogger });
  return createEngine(config.engine, {
    bus,
    producer,
    verifier: new BatchVerifier({ caCertificatePem: caPem }),
    detector,
    stateDir: join(dataDirOf(config), 'engine'),
    metrics,
    logger: roleLogger,
  });
}

export function buildIndexer(shared: Shared, bus: Bus, producer: BusProducer, store: Store, caPem: string): Component {
  const { config, metrics, logger } = shared;
  const verifier = new BatchVerifier({ caCertificatePem: caPem });
  return createIndexer(config.indexer, { bus, producer, store, verifier, metrics, logger: logger.child({ role: 'indexer' }) });
}

export function buildApi(shared: Shared, store: Store, auth: AuthRepository, ready: () => boolean): ApiServer {
  const { config, metrics, logger } = shared;
  return createApiServer(config.api, { store, auth, metrics, logger: logger.child({ role: 'api' }), health: () => ({ ready: ready() }) });
}

export function buildEdge(shared: Shared, producer: BusProducer, identity: EdgeIdentity, verifyIngestKey: VerifyIngestKey): Edge {
  const { config, metrics, logger } = shared;
  return createEdge(config.edge, {
    producer,
    signer: new BatchSigner(identity),
    sequence: new SequenceCounter(join(dataDirOf(config), 'edge', 'sequence')),
    bootId: randomUUID(),
    metrics,
    logger: logger.child({ role: 'edge' }),
    verifyIngestKey,
  });
}

/** `host:port`, with IPv6 hosts in brackets and the wildcard address shown as localhost. */
export function hostPort(host: string, port: number): string {
  const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return shown.includes(':') ? `[${shown}]:${port}` : `${shown}:${port}`;
}
