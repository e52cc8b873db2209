import { defineErrors } from '@vigil/runtime';

/**
 * Error codes of the bus. The codes describe bus behaviour, not SQLite, so the Kafka bus raises
 * the same ones for the same situations and the contract suite can assert them.
 */
export const busErrors = defineErrors({
  VIGIL_ERR_BUS_UNKNOWN_TOPIC: {
    message: 'topic {topic} does not exist; create it with ensureTopics first (topics are never auto-created)',
    status: 500,
    retryable: false,
  },
  VIGIL_ERR_BUS_BAD_PARTITION: {
    message: 'partition {partition} does not exist in topic {topic} ({partitions} partitions)',
    status: 500,
    retryable: false,
  },
  VIGIL_ERR_BUS_BAD_TOPIC_SPEC: {
    message: 'bad topic spec for {topic}: {reason}',
    status: 500,
    retryable: false,
  },
  VIGIL_ERR_BUS_BAD_MESSAGE: {
    message: 'bad message for topic {topic}: {reason}',
    status: 400,
    retryable: false,
  },
  VIGIL_ERR_BUS_MESSAGE_TOO_LARGE: {
    message: 'message for topic {topic} is {bytes} bytes, more than the {maxBytes} allowed',
    status: 413,
    retryable: false,
  },
  VIGIL_ERR_BUS_CLOSED: {
    message: 'the bus {what} is closed',
    status: 503,
    retryable: true,
  },
  VIGIL_ERR_BUS_ALREADY_RUNNING: {
    message: 'consumer of group {groupId} is already running; create another consumer instead',
    status: 500,
    retryable: false,
  },
  VIGIL_ERR_BUS_STORAGE: {
    message: 'the embedded log at {path} failed: {reason}',
    status: 503,
    retryable: true,
  },
  VIGIL_ERR_BUS_COMMIT_FAILED: {
    message: 'committing offset {offset} of {topic}/{partition} for group {groupId} failed: {reason}',
    status: 503,
    retryable: true,
  },
  VIGIL_ERR_BUS_OFFSET_OUT_OF_RANGE: {
    message:
      'the committed offset of group {groupId} for {topic}/{partition} is outside the partition (deleted by retention or the topic was recreated); consuming restarts from the {resetTo} offset',
    status: 500,
    retryable: false,
  },
  VIGIL_ERR_BUS_SEND_FAILED: {
    message: 'sending {count} messages to {topic} failed: {reason}',
    status: 503,
    retryable: true,
  },
  VIGIL_ERR_BUS_BROKER_UNAVAILABLE: {
    message: 'the Kafka brokers {brokers} cannot be used for {operation}: {reason}',
    status: 503,
    retryable: true,
  },
  VIGIL_ERR_BUS_BAD_CONFIG: {
    message: 'bad bus configuration {key}: {reason}',
    status: 500,
    retryable: false,
  },
});

/** The codes in {@link busErrors}. */
export type BusErrorCode = keyof typeof busErrors.specs;
