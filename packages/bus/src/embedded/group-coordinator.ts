import { partitionKey } from './log-store.ts';

/** A running consumer as the coordinator sees it. */
export interface GroupMember {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Replaces the member's partitions; keys are {@link partitionKey} values. */
  assign(partitions: ReadonlyMap<string, { topic: string; partition: number }>): void;
}

interface Group {
  members: GroupMember[];
  /** Tail of each partition's ownership chain: the next owner starts when it settles. */
  leases: Map<string, Promise<void>>;
}

/**
 * Shares the partitions of a consumer group among its running members in this process and
 * rebalances when one joins or leaves. A partition changes hands only after its previous owner
 * released it, so a batch in flight is committed (or not) before the next owner reads the
 * committed offset: nothing is processed twice by design and nothing is skipped.
 */
export class GroupCoordinator {
  readonly #groups = new Map<string, Group>();
  readonly #partitionsOf: (topic: string) => number;

  constructor(partitionsOf: (topic: string) => number) {
    this.#partitionsOf = partitionsOf;
  }

  join(member: GroupMember): void {
    const group = this.#group(member.groupId);
    group.members.push(member);
    this.#rebalance(group);
  }

  leave(member: GroupMember): void {
    const group = this.#groups.get(member.groupId);
    if (!group) return;
    group.members = group.members.filter((candidate) => candidate !== member);
    member.assign(new Map());
    this.#rebalance(group);
  }

  /** Groups with a running member subscribed to `topic`. */
  activeGroupsOf(topic: string): string[] {
    const active: string[] = [];
    for (const [groupId, group] of this.#groups) {
      if (group.members.some((member) => member.topics.includes(topic))) active.push(groupId);
    }
    return active;
  }

  /** Waits until the previous owner of the partition released it; returns the release function. */
  async acquire(groupId: string, key: string): Promise<() => void> {
    const group = this.#group(groupId);
    const previous = group.leases.get(key) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = previous.then(() => held);
    group.leases.set(key, tail);
    await previous;
    return () => {
      release();
      if (group.leases.get(key) === tail) group.leases.delete(key);
    };
  }

  #group(groupId: string): Group {
    let group = this.#groups.get(groupId);
    if (!group) {
      group = { members: [], leases: new Map() };
      this.#groups.set(groupId, group);
    }
    return group;
  }

  // Round-robin over members in join order: deterministic, and every member subscribed to a
  // topic gets a share of its partitions.
  #rebalance(group: Group): void {
    const assignments = new Map<GroupMember, Map<string, { topic: string; partition: number }>>();
    for (const member of group.members) assignments.set(member, new Map());
    const topics = new Set(group.members.flatMap((member) => member.topics));
    for (const topic of topics) {
      const subscribers = group.members.filter((member) => member.topics.includes(topic));
      const partitions = this.#partitionsOf(topic);
      for (let partition = 0; partition < partitions; partition++) {
        const owner = subscribers[partition % subscribers.length]!;
        assignments.get(owner)!.set(partitionKey(topic, partition), { topic, partition });
      }
    }
    for (const [member, partitions] of assignments) member.assign(partitions);
  }
}
