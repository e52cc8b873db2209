import { describeError } from '@vigil/runtime';
import { busErrors } from '../errors.ts';

interface KafkaJsErrorShape {
  name?: unknown;
  type?: unknown;
  cause?: unknown;
  errors?: unknown;
}

/**
 * The Kafka protocol error types (e.g. `UNKNOWN_TOPIC_OR_PARTITION`) carried by a kafkajs error,
 * including those of its causes: kafkajs wraps the broker's answer in retry and aggregate errors.
 */
export function kafkaErrorTypes(error: unknown): Set<string> {
  const types = new Set<string>();
  const pending: unknown[] = [error];
  for (let depth = 0; pending.length > 0 && depth < 32; depth++) {
    const current = pending.shift() as KafkaJsErrorShape | null | undefined;
    if (!current || typeof current !== 'object') continue;
    if (typeof current.type === 'string') types.add(current.type);
    if (current.cause !== undefined) pending.push(current.cause);
    if (Array.isArray(current.errors)) pending.push(...current.errors);
  }
  return types;
}

/** The member lost its place in the group: its generation is over, so its commits are refused. */
export function isFencedFromGroup(error: unknown): boolean {
  const types = kafkaErrorTypes(error);
  return types.has('UNKNOWN_MEMBER_ID') || types.has('ILLEGAL_GENERATION') || types.has('FENCED_INSTANCE_ID');
}

/** The group is rebalancing; a member that rejoins promptly may keep its partitions. */
export function isRebalancing(error: unknown): boolean {
  return kafkaErrorTypes(error).has('REBALANCE_IN_PROGRESS');
}

/** Turns a failed produce request into the bus error a caller of `send` sees. */
export function sendError(error: unknown, topic: string, count: number): Error {
  if (busErrors.is(error)) return error;
  const types = kafkaErrorTypes(error);
  if (types.has('UNKNOWN_TOPIC_OR_PARTITION')) return busErrors.create('VIGIL_ERR_BUS_UNKNOWN_TOPIC', { topic }, { cause: error });
  return busErrors.create('VIGIL_ERR_BUS_SEND_FAILED', { topic, count, reason: describeError(error) }, { cause: error });
}

/** Errors after which the idempotent producer's sequence numbers no longer match the broker's. */
export function breaksIdempotence(error: unknown): boolean {
  const types = kafkaErrorTypes(error);
  return types.has('OUT_OF_ORDER_SEQUENCE_NUMBER') || types.has('UNKNOWN_PRODUCER_ID') || types.has('INVALID_PRODUCER_EPOCH');
}
