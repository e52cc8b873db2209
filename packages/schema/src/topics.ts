/** Bus topic names (Kafka names; the embedded bus uses the same). */
export const TOPICS = {
  events: 'vigil.events',
  alerts: 'vigil.alerts',
  commands: 'vigil.commands',
  heartbeats: 'vigil.heartbeats',
  dlq: 'vigil.dlq',
  /** Internal: rule hits on their way to the engine instance that owns their alert or correlation group. */
  hits: 'vigil.engine.hits',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/** Header names Vigil sets on DLQ messages. */
export const DLQ_HEADERS = {
  reason: 'vigil-dlq-reason',
  code: 'vigil-dlq-code',
  sourceTopic: 'vigil-dlq-source-topic',
  sourcePartition: 'vigil-dlq-source-partition',
  sourceOffset: 'vigil-dlq-source-offset',
  failedBy: 'vigil-dlq-failed-by',
} as const;
