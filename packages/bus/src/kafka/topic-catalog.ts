import { describeError } from '@vigil/runtime';
import type { Admin, ITopicConfig } from 'kafkajs';
import type { TopicSpec } from '../bus.ts';
import { busErrors } from '../errors.ts';
import { kafkaErrorTypes } from './kafka-errors.ts';

// Kafka's rule for topic names.
const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

// Broker answers that mean the spec itself is wrong (too many replicas for the cluster, bad config).
const REFUSED_SPEC = new Set([
  'INVALID_TOPIC_EXCEPTION',
  'INVALID_PARTITIONS',
  'INVALID_REPLICATION_FACTOR',
  'INVALID_REPLICA_ASSIGNMENT',
  'INVALID_CONFIG',
  'POLICY_VIOLATION',
]);

/**
 * What the bus knows about topics: creates them, and answers "does it exist, with how many
 * partitions" from a cache. Only existing topics are cached; a missing one is asked for again
 * each time, since another process may create it.
 */
export class TopicCatalog {
  readonly #admin: Admin;
  readonly #brokers: string;
  readonly #partitions = new Map<string, number>();

  constructor(admin: Admin, brokers: readonly string[]) {
    this.#admin = admin;
    this.#brokers = brokers.join(',');
  }

  /** Creates the topics that do not exist yet and waits until they have leaders; leaves the others alone. */
  async ensure(specs: readonly TopicSpec[]): Promise<void> {
    for (const spec of specs) validateTopicSpec(spec);
    const names = new Set<string>();
    for (const spec of specs) {
      if (names.has(spec.name)) throw badSpec(spec.name, 'the topic is listed twice');
      names.add(spec.name);
    }
    const existing = new Set(await this.#call('listing topics', () => this.#admin.listTopics()));
    const missing = specs.filter((spec) => !existing.has(spec.name));
    if (missing.length > 0) {
      const topics: ITopicConfig[] = missing.map((spec) => ({
        topic: spec.name,
        numPartitions: spec.partitions,
        replicationFactor: spec.replicationFactor,
        configEntries: spec.retentionMs === undefined ? [] : [{ name: 'retention.ms', value: String(spec.retentionMs) }],
      }));
      try {
        await this.#admin.createTopics({ topics, waitForLeaders: true });
      } catch (error) {
        // Another process created some of them in the meantime: that is what we wanted.
        const types = kafkaErrorTypes(error);
        if (!(types.size === 1 && types.has('TOPIC_ALREADY_EXISTS'))) {
          const names = missing.map((spec) => spec.name).join(',');
          if ([...types].some((type) => REFUSED_SPEC.has(type))) {
            throw busErrors.create('VIGIL_ERR_BUS_BAD_TOPIC_SPEC', { topic: names, reason: describeError(error) }, { cause: error });
          }
          throw unavailable(this.#brokers, `creating topics ${names}`, error);
        }
      }
    }
    for (const spec of specs) this.#partitions.delete(spec.name);
  }

  /**
   * The partition count of a topic, or undefined when it does not exist. `atLeast` refreshes a
   * cached count that is too small (partitions were added since).
   */
  async partitions(topic: string, atLeast = 1): Promise<number | undefined> {
    const cached = this.#partitions.get(topic);
    if (cached !== undefined && cached >= atLeast) return cached;
    if (!TOPIC_NAME.test(topic)) return undefined;
    let metadata;
    try {
      metadata = await this.#admin.fetchTopicMetadata({ topics: [topic] });
    } catch (error) {
      if (kafkaErrorTypes(error).has('UNKNOWN_TOPIC_OR_PARTITION')) {
        this.#partitions.delete(topic);
        return undefined;
      }
      throw unavailable(this.#brokers, `reading the metadata of ${topic}`, error);
    }
    const count = metadata.topics.find((entry) => entry.name === topic)?.partitions.length ?? 0;
    if (count === 0) return undefined;
    this.#partitions.set(topic, count);
    return count;
  }

  /** Drops what is cached about a topic, so the next question asks the brokers. */
  forget(topic: string): void {
    this.#partitions.delete(topic);
  }

  /** Like {@link partitions}, but a missing topic is an error. */
  async require(topic: string): Promise<number> {
    const count = await this.partitions(topic);
    if (count === undefined) throw busErrors.create('VIGIL_ERR_BUS_UNKNOWN_TOPIC', { topic });
    return count;
  }

  async #call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw unavailable(this.#brokers, operation, error);
    }
  }
}

/** Rejects names Kafka would refuse and impossible partition counts, before asking the broker. */
export function validateTopicSpec(spec: TopicSpec): void {
  if (typeof spec.name !== 'string' || !TOPIC_NAME.test(spec.name) || spec.name === '.' || spec.name === '..') {
    throw badSpec(String(spec.name), 'the name must be 1-249 characters of letters, digits, ".", "_" and "-"');
  }
  if (!Number.isInteger(spec.partitions) || spec.partitions < 1) throw badSpec(spec.name, 'partitions must be a positive integer');
  if (!Number.isInteger(spec.replicationFactor) || spec.replicationFactor < 1) throw badSpec(spec.name, 'replicationFactor must be a positive integer');
  if (spec.retentionMs !== undefined && (!Number.isInteger(spec.retentionMs) || spec.retentionMs < 1)) {
    throw badSpec(spec.name, 'retentionMs must be a positive integer');
  }
}

/** The error for a broker that cannot be reached or refuses an admin operation. */
export function unavailable(brokers: string, operation: string, error: unknown): Error {
  if (busErrors.is(error)) return error;
  return busErrors.create('VIGIL_ERR_BUS_BROKER_UNAVAILABLE', { brokers, operation, reason: describeError(error) }, { cause: error });
}

function badSpec(topic: string, reason: string): Error {
  return busErrors.create('VIGIL_ERR_BUS_BAD_TOPIC_SPEC', { topic, reason });
}
