import { randomUUID, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createEmbeddedBus, type BusConsumer, type BusMessage, type BusProducer, type EmbeddedBus } from '@vigil/bus';
import type { Heartbeat, ListReaderOptions } from '@vigil/fleet';
import { Metrics, silentLogger } from '@vigil/runtime';
import { ControlVerifier, EdgeControlSigner, createCertificateAuthority, createCertificateRequest, generateRsaKeyPair, type CertificateAuthority, type KeyPairPem } from '@vigil/provenance';
import { TOPICS } from '@vigil/schema';
import type { FakeStore } from '../testing/fake-store.ts';
import { createTestApi, type TestApi, type TestApiDeps } from '../testing/harness.ts';
import { createSqliteFleetRepository } from './sqlite-fleet-repository.ts';

/**
 * What the fleet tests share: a real Vigil CA, a real embedded bus in a temp dir with Vigil's
 * topics, readers that collect what is published, and edges that make keys and CSRs and sign
 * their messages the way a real edge does. Not used outside tests.
 */
export interface FleetTestBed {
  readonly ca: CertificateAuthority;
  readonly bus: EmbeddedBus;
  readonly producer: BusProducer;
  /** Starts collecting every message on `topic` (from the beginning) into the returned array. */
  collect(topic: string): Promise<BusMessage[]>;
  /** Publishes what an edge sends on `vigil.heartbeats`. */
  sendFromEdge(edge: TestEdge, value: string): Promise<void>;
  /** What an engine's follower of a signed list on `vigil.commands` is given (its state file in the bed's dir). */
  readerOptions(name: string): ListReaderOptions;
  close(): Promise<void>;
}

export async function createFleetTestBed(): Promise<FleetTestBed> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-fleet-'));
  const ca = createCertificateAuthority();
  const bus = await createEmbeddedBus({ directory: join(dir, 'bus'), pollIntervalMs: 20 });
  await bus.ensureTopics([TOPICS.commands, TOPICS.heartbeats].map((name) => ({ name, partitions: 1, replicationFactor: 1 })));
  const producer = bus.createProducer();
  const consumers: BusConsumer[] = [];
  return {
    ca,
    bus,
    producer,
    readerOptions: (name) => ({
      bus,
      groupId: `engine-${name}-test`,
      verifier: new ControlVerifier({ caCertificatePem: ca.certificatePem }),
      stateFile: join(dir, `${name}.json`),
      metrics: new Metrics({ defaultMetrics: false }),
      logger: silentLogger(),
    }),
    async collect(topic) {
      const messages: BusMessage[] = [];
      const consumer = bus.createConsumer({ groupId: `test-reader-${randomUUID()}`, topics: [topic], fromBeginning: true });
      await consumer.run(async (batch) => {
        messages.push(...batch.messages);
      });
      consumers.push(consumer);
      return messages;
    },
    async sendFromEdge(edge, value) {
      await producer.send(TOPICS.heartbeats, [{ key: edge.edgeId, value }]);
    },
    async close() {
      for (const consumer of consumers) await consumer.stop();
      await producer.close();
      await bus.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An edge as `vigil enroll` makes one: a key pair, a CSR naming it, later a certificate. */
/** A test API whose fleet runs on the bed (its bus, producer and CA), republishing control lists every second. */
export function createFleetTestApi(bed: FleetTestBed, now?: () => number, deps: TestApiDeps<FakeStore> = {}): Promise<TestApi> {
  return createTestApi(
    { fleet: { revocationRepublishMs: 1000 } },
    undefined,
    (dir) => ({
      repository: createSqliteFleetRepository(join(dir, 'auth.db')),
      bus: bed.bus,
      producer: bed.producer,
      ca: bed.ca,
      ...(now && { now }),
    }),
    deps,
  );
}

export class TestEdge {
  readonly edgeId: string;
  keys: KeyPairPem;
  certificatePem: string | undefined;
  readonly bootId = randomUUID();

  constructor(edgeId: string, keys: KeyPairPem = generateRsaKeyPair()) {
    this.edgeId = edgeId;
    this.keys = keys;
  }

  /** A CSR for this edge's key (or for another name, to test refusals). */
  csr(commonName = this.edgeId, keys = this.keys): string {
    return createCertificateRequest(commonName, keys);
  }

  /** The renewal body: the current certificate, a CSR for `nextKeys`, and the CSR signed with the current key. */
  renewal(nextKeys: KeyPairPem, signWith = this.keys.privateKeyPem): { certificatePem: string; csrPem: string; signature: string } {
    const csrPem = this.csr(this.edgeId, nextKeys);
    const signature = sign('sha256', Buffer.from(csrPem, 'utf8'), signWith).toString('base64');
    return { certificatePem: this.certificatePem!, csrPem, signature };
  }

  /** A signed control message, as the edge publishes it on `vigil.heartbeats`. */
  sign(payload: object): string {
    return new EdgeControlSigner({ edgeId: this.edgeId, certificatePem: this.certificatePem!, privateKeyPem: this.keys.privateKeyPem }).sign(payload);
  }

  /** A heartbeat of this edge sent at `sentAtMs` by its own clock. */
  heartbeat(sentAtMs: number, overrides: Partial<Heartbeat> = {}): Heartbeat {
    return {
      type: 'heartbeat',
      edgeId: this.edgeId,
      bootId: this.bootId,
      version: '0.4.0',
      sentAtMs,
      startedAtMs: sentAtMs - 3_600_000,
      intervalMs: 5_000,
      eventsPerSecond: 412.5,
      received: 1_484_220,
      published: 1_484_100,
      inFlight: 120,
      spool: { usedBytes: 7_340_032, maxBytes: 1_073_741_824, pendingRecords: 36 },
      drops: { 'udp-buffer-full': 14, 'parse-error': 0 },
      certificate: { serial: '3F9A', notAfter: '2027-03-01T00:00:00.000Z' },
      ...overrides,
    };
  }
}

/** Enrolls `edge` through the API the way `vigil enroll` does: an admin's token, then the edge's CSR. Returns the serial. */
export async function enrollThroughApi(app: FastifyInstance, adminToken: string, edge: TestEdge): Promise<string> {
  const headers = { authorization: `Bearer ${adminToken}` };
  const created = await app.inject({ method: 'POST', url: '/api/v1/edges/enrollment-tokens', headers, payload: { edgeId: edge.edgeId } });
  if (created.statusCode !== 201) throw new Error(`token for ${edge.edgeId}: ${created.body}`);
  const enrolled = await app.inject({ method: 'POST', url: '/api/v1/edges/enroll', payload: { token: created.json().token, csrPem: edge.csr() } });
  if (enrolled.statusCode !== 201) throw new Error(`enrollment of ${edge.edgeId}: ${enrolled.body}`);
  edge.certificatePem = enrolled.json().certificatePem as string;
  return enrolled.json().serial as string;
}
