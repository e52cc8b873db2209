import type { TopicSpec } from '@vigil/bus';
import { TOPICS } from '@vigil/schema';

const DAY_MS = 86_400_000;

/** The topics Vigil creates at start-up (nothing relies on broker auto-creation). */
export const TOPIC_SPECS: readonly TopicSpec[] = [
  { name: TOPICS.events, partitions: 4, replicationFactor: 1, retentionMs: 7 * DAY_MS },
  { name: TOPICS.alerts, partitions: 2, replicationFactor: 1, retentionMs: 7 * DAY_MS },
  { name: TOPICS.commands, partitions: 1, replicationFactor: 1, retentionMs: 7 * DAY_MS },
  { name: TOPICS.heartbeats, partitions: 1, replicationFactor: 1, retentionMs: DAY_MS },
  // Hits wait here only until stage two checkpoints them; a day is ample.
  { name: TOPICS.hits, partitions: 4, replicationFactor: 1, retentionMs: DAY_MS },
  { name: TOPICS.dlq, partitions: 1, replicationFactor: 1, retentionMs: 30 * DAY_MS },
];
