import type { LogStore, StoredTopic } from './log-store.ts';

/**
 * Deletes messages older than their topic's retention, but only below the lowest offset every
 * known group of that topic has committed: a group that has not consumed a message keeps it.
 * Known groups are those with a committed offset in the topic plus those running in this
 * process. A topic nobody has ever consumed is trimmed by age alone, like Kafka.
 * Returns the number of deleted messages per topic.
 */
export function applyRetention(
  store: LogStore,
  topics: readonly StoredTopic[],
  activeGroupsOf: (topic: string) => readonly string[],
  now: number,
): Map<string, number> {
  const deleted = new Map<string, number>();
  for (const topic of topics) {
    if (topic.retentionMs === null) continue;
    const groups = new Set([...store.groupsOf(topic.name), ...activeGroupsOf(topic.name)]);
    let count = 0;
    for (let partition = 0; partition < topic.partitions; partition++) {
      let safeBelow = Number.MAX_SAFE_INTEGER;
      for (const group of groups) safeBelow = Math.min(safeBelow, store.committed(group, topic.name, partition) ?? 0);
      if (safeBelow === 0) continue;
      count += store.deleteExpired(topic.name, partition, safeBelow, now - topic.retentionMs);
    }
    if (count > 0) deleted.set(topic.name, count);
  }
  return deleted;
}
