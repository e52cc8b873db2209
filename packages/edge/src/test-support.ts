import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BusProducer, OutgoingMessage } from '@vigil/bus';
import { BatchSigner, BatchVerifier, SequenceCounter, createCertificateAuthority, generateRsaKeyPair, issueEdgeCertificate } from '@vigil/provenance';
import { Metrics, silentLogger } from '@vigil/runtime';
import type { EcsEvent } from '@vigil/schema';
import type { EdgeDeps } from './edge.ts';

/**
 * Test support (not exported from the package): an in-memory bus producer whose sends can be
 * held or failed, and a real CA-issued edge identity so published batches verify for real.
 */

export const TEST_EDGE_ID = 'edge-test-1';

let identity: { signer: BatchSigner; verifier: BatchVerifier } | undefined;

/** One CA and edge key per test file (RSA key generation is the slow part). */
export function testIdentity(): { signer: BatchSigner; verifier: BatchVerifier } {
  if (!identity) {
    const ca = createCertificateAuthority();
    const keys = generateRsaKeyPair();
    const certificatePem = issueEdgeCertificate(ca, { edgeId: TEST_EDGE_ID, publicKeyPem: keys.publicKeyPem });
    identity = {
      signer: new BatchSigner({ edgeId: TEST_EDGE_ID, privateKeyPem: keys.privateKeyPem, certificatePem }),
      verifier: new BatchVerifier({ caCertificatePem: ca.certificatePem }),
    };
  }
  return identity;
}

/** A decoded, verified batch as the engine would see it. */
export interface ReceivedBatch {
  key: string;
  sequence: bigint;
  bootId: string;
  events: EcsEvent[];
}

/** A BusProducer kept in memory. `hold()` makes sends wait; `failNext(n)` makes the next n sends reject. */
export class MemoryProducer implements BusProducer {
  readonly messages: Array<{ topic: string; message: OutgoingMessage }> = [];
  attempts = 0;
  #failures = 0;
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;
  #waiters: Array<() => void> = [];

  async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    this.attempts++;
    if (this.#held) await this.#held;
    if (this.#failures > 0) {
      this.#failures--;
      throw new Error('broker not available');
    }
    for (const message of messages) this.messages.push({ topic, message });
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  async close(): Promise<void> {}

  /** Sends wait until the returned function is called. */
  hold(): () => void {
    this.#held = new Promise<void>((resolve) => (this.#release = resolve));
    return () => {
      this.#held = undefined;
      this.#release?.();
    };
  }

  failNext(count: number): void {
    this.#failures = count;
  }

  /** Every batch published so far, signature-verified and decoded. */
  batches(): ReceivedBatch[] {
    const { verifier } = testIdentity();
    return this.messages.map(({ message }) => {
      const result = verifier.verify(message.value as Buffer);
      if (!result.ok) throw result.error;
      return {
        key: String(message.key),
        sequence: result.batch.sequence,
        bootId: result.batch.bootId,
        events: result.batch.events.map((bytes) => JSON.parse(Buffer.from(bytes).toString('utf8')) as EcsEvent),
      };
    });
  }

  events(): EcsEvent[] {
    return this.batches().flatMap((batch) => batch.events);
  }

  /** Resolves once at least `count` events were published; rejects after `timeoutMs`. */
  async waitForEvents(count: number, timeoutMs = 5_000): Promise<EcsEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const events = this.events();
      if (events.length >= count) return events;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} events on the bus, got ${events.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/** Deps for createEdge with a fresh sequence file; call `cleanup()` after the test. */
export function testDeps(overrides: Partial<EdgeDeps> = {}): { deps: EdgeDeps; producer: MemoryProducer; metrics: Metrics; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-edge-'));
  const producer = new MemoryProducer();
  const metrics = new Metrics({ defaultMetrics: false });
  const deps: EdgeDeps = {
    producer,
    signer: testIdentity().signer,
    sequence: new SequenceCounter(join(dir, 'sequence')),
    bootId: 'boot-test',
    metrics,
    logger: silentLogger(),
    verifyIngestKey: async (key) => key === 'ingest-key-1',
    ...overrides,
  };
  return { deps, producer, metrics, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The value of a counter sample in Prometheus text, 0 when absent. */
export async function metricValue(metrics: Metrics, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  const sample = values.find((value) => Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected));
  return sample?.value ?? 0;
}
