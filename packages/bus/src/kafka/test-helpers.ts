import { randomBytes } from 'node:crypto';
import type { KafkaBusConfigInput } from './config.ts';

/**
 * The brokers of the integration tests, from `VIGIL_KAFKA_BROKERS`. Throws when it is not set:
 * the Kafka tests must run against a real broker and never pass by skipping
 * (`deploy/local/stack.sh start kafka`, then `eval "$(deploy/local/stack.sh env)"`).
 */
export function requireBrokers(): string[] {
  const brokers = process.env.VIGIL_KAFKA_BROKERS;
  if (!brokers || brokers.trim() === '') {
    throw new Error('VIGIL_KAFKA_BROKERS is not set: start a broker with `deploy/local/stack.sh start kafka` and export `deploy/local/stack.sh env`');
  }
  return brokers.split(',').map((broker) => broker.trim()).filter((broker) => broker.length > 0);
}

/**
 * Settings that make a one-broker test cluster quick: short sessions and heartbeats so group
 * joins and rebalances take well under a second, short fetch waits so consumers stop promptly.
 */
export function fastTestConfig(brokers: string[], overrides: Partial<KafkaBusConfigInput> = {}): KafkaBusConfigInput {
  return {
    brokers,
    clientId: 'vigil-bus-test',
    sessionTimeoutMs: 6_000,
    rebalanceTimeoutMs: 6_000,
    heartbeatIntervalMs: 300,
    maxWaitTimeMs: 100,
    retryBaseDelayMs: 20,
    retryMaxDelayMs: 200,
    requestRetryInitialDelayMs: 100,
    requestRetryMaxDelayMs: 1_000,
    logLevel: 'error',
    ...overrides,
  };
}

/** A topic or group name no earlier run has used. */
export function uniqueName(prefix: string): string {
  return `kafka-${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Polls `condition` until it holds or fails after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
