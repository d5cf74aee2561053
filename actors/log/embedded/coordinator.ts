/**
 * The coordinator of the embedded log: committed offsets of consumer groups, producer epochs
 * (a newer producer with the same transactional id fences the older ones), and the members of
 * each group with their partitions.
 *
 * @module
 */

/** A member of a consumer group, as its coordinator sees it. */
export interface GroupMember {
  /** Stops reading the partitions not in `assigned`, after their batches in progress. */
  revoke(assigned: number[]): Promise<void>;
  /** Starts reading the partitions of `assigned` it does not read yet. */
  assign(assigned: number[]): Promise<void>;
}

/** Assigns partitions to the members of a group (range assignment), one rebalance at a time. */
export class ConsumerGroup {
  #members: GroupMember[] = [];
  #queue: Promise<void> = Promise.resolve();

  /** Adds `member` and rebalances the topic's `partitions` over the members. */
  join(member: GroupMember, partitions: number): Promise<void> {
    return this.#serial(() => {
      this.#members.push(member);
      return this.#assign(partitions);
    });
  }

  /** Takes every partition from `member`, removes it and rebalances over the others. */
  leave(member: GroupMember, partitions: number): Promise<void> {
    return this.#serial(async () => {
      this.#members = this.#members.filter((m) => m !== member);
      await member.revoke([]);
      await this.#assign(partitions);
    });
  }

  async #assign(partitions: number): Promise<void> {
    const count = this.#members.length;
    const plans = this.#members.map((member, index) => {
      const from = Math.floor((index * partitions) / count);
      const to = Math.floor(((index + 1) * partitions) / count);
      return { member, assigned: Array.from({ length: to - from }, (_, i) => from + i) };
    });
    // Everyone gives up what it loses before anyone takes it over.
    await Promise.all(plans.map((plan) => plan.member.revoke(plan.assigned)));
    await Promise.all(plans.map((plan) => plan.member.assign(plan.assigned)));
  }

  #serial(task: () => Promise<void>): Promise<void> {
    const result = this.#queue.then(task);
    this.#queue = result.catch(() => {});
    return result;
  }
}

const tpKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** Groups, their committed offsets, and producer epochs of one embedded log. */
export class EmbeddedCoordinator {
  readonly #committed = new Map<string, Map<string, number>>();
  readonly #epochs = new Map<string, number>();
  readonly #groups = new Map<string, ConsumerGroup>();

  /** Committed offset of a group on a partition, or -1. */
  committed(groupId: string, topic: string, partition: number): number {
    return this.#committed.get(groupId)?.get(tpKey(topic, partition)) ?? -1;
  }

  /** The lowest offset any group committed on a partition, or -1 when none did. */
  lowestCommitted(topic: string, partition: number): number {
    const key = tpKey(topic, partition);
    let lowest = -1;
    for (const offsets of this.#committed.values()) {
      const offset = offsets.get(key);
      if (offset !== undefined && (lowest < 0 || offset < lowest)) lowest = offset;
    }
    return lowest;
  }

  /** Records a committed offset. */
  commit(groupId: string, topic: string, partition: number, offset: number): void {
    let group = this.#committed.get(groupId);
    if (!group) this.#committed.set(groupId, group = new Map());
    group.set(tpKey(topic, partition), offset);
  }

  /** Registers a new producer instance for `transactionalId`, fencing older ones; its epoch. */
  fence(transactionalId: string): number {
    const epoch = (this.#epochs.get(transactionalId) ?? 0) + 1;
    this.#epochs.set(transactionalId, epoch);
    return epoch;
  }

  /** Whether `epoch` is still the newest for `transactionalId`. */
  current(transactionalId: string, epoch: number): boolean {
    return this.#epochs.get(transactionalId) === epoch;
  }

  /** The consumer group `groupId`. */
  group(groupId: string): ConsumerGroup {
    let group = this.#groups.get(groupId);
    if (!group) this.#groups.set(groupId, group = new ConsumerGroup());
    return group;
  }
}
