/**
 * The consumer role: a consumer-group member whose assigned partitions each get their own
 * supervised actor. The member hands every batch to its partition's actor through the actor's
 * bounded mailbox and pauses the partition while that mailbox is full (back-pressure).
 *
 * Tree: `consume` (rest_for_one) -> `group` (the member), `partitions` (one actor per assigned
 * partition, added and removed as the group rebalances).
 *
 * @module
 */

import {
  type ActorRef,
  addressOf,
  type ChildSpec,
  type Strategy,
  type SupervisorSpec,
} from "../../runtime/mod.ts";
import type { LogConsumer, PartitionBatch, Transport } from "../../log/types.ts";
import type { ConsumerMetrics } from "./metrics.ts";
import { type ConsumerTopics, partitionActor, partitionActorId } from "./partition.ts";
import type { PartitionScorerFactory } from "./scorer.ts";
import type { PipelineEmitter } from "../events.ts";
import type { SnapshotPolicy } from "./card_state_log.ts";

export { type ConsumerMetrics, consumerMetrics } from "./metrics.ts";
export type { ConsumerTopics } from "./partition.ts";
export type { CommittedBatch } from "../events.ts";
export type { PartitionScorer, PartitionScorerFactory, ScoreResult } from "./scorer.ts";
export { SNAPSHOT_POLICY, type SnapshotPolicy } from "./card_state_log.ts";

/** What the consumer tree needs. */
export interface ConsumerTreeOptions {
  transport: Transport;
  groupId: string;
  topics: ConsumerTopics;
  emitScores: boolean;
  scorers: PartitionScorerFactory;
  metrics: ConsumerMetrics;
  /** Path of the supervisor this tree is a child of, below the system's root ("" for the root). */
  path?: string;
  /** Children started before the member (e.g. a scorer pool), restarted with it. */
  before?: ChildSpec[];
  /** How the partition actors' supervisor restarts them (default `one_for_one`). */
  partitionStrategy?: Strategy;
  /**
   * Longest a partition actor's start or batch may take (its card-state restore: without progress)
   * before it is restarted, in ms (default 90 s).
   */
  stepDeadlineMs?: number;
  /** Told `assigned`, `revoked`, `refetching`, and `committed` after each committed batch. */
  events?: PipelineEmitter;
  /** When partition actors write a full card-state snapshot (default `SNAPSHOT_POLICY`). */
  snapshots?: SnapshotPolicy;
}

/** The supervision tree of a consumer. */
export function consumerTree(options: ConsumerTreeOptions): SupervisorSpec {
  const base = options.path ? `${options.path}/` : "";
  return {
    kind: "supervisor",
    id: "consume",
    strategy: "rest_for_one",
    intensity: 10,
    periodMs: 60_000,
    backoff: { initialMs: 200, maxMs: 5000 },
    // The member starts the partition actors of its assignment under `partitions`: when that
    // supervisor gives up, the member is restarted after it and rejoins the group.
    children: [
      ...(options.before ?? []),
      {
        kind: "supervisor",
        id: "partitions",
        strategy: options.partitionStrategy ?? "one_for_one",
        intensity: 10,
        periodMs: 30_000,
        children: [],
      },
      groupMember(options, base),
    ],
  };
}

function groupMember(options: ConsumerTreeOptions, base: string): ChildSpec {
  const { transport, groupId, topics } = options;
  const partitionsPath = `${base}consume/partitions`;
  return {
    kind: "actor",
    id: "group",
    shutdownMs: 60_000,
    behavior: () => {
      let consumer: LogConsumer | undefined;
      const refs = new Map<number, ActorRef<PartitionBatch, void>>();
      return {
        run: async (ctx) => {
          // Partition actors of an earlier incarnation of this member: their assignment is over.
          await ctx.tree.terminateChildren(partitionsPath);
          const member = transport.consumer({ groupId, topic: topics.transactions });
          consumer = member;
          const stopping = new Promise<void>((resolve) =>
            ctx.signal.addEventListener("abort", () => resolve(), { once: true })
          );
          const running = member.run({
            onAssign: async (assigned) => {
              for (const { partition } of assigned) {
                const spec = partitionActor({
                  transport,
                  groupId,
                  partition,
                  topics,
                  emitScores: options.emitScores,
                  scorers: options.scorers,
                  actors: (address) => ctx.sibling(address),
                  metrics: options.metrics,
                  seek: (offset) => {
                    options.events?.emit("refetching", { partition, offset });
                    member.seek({ topic: topics.transactions, partition }, offset);
                  },
                  events: options.events,
                  stepDeadlineMs: options.stepDeadlineMs,
                  snapshots: options.snapshots,
                });
                await ctx.tree.startChild(partitionsPath, spec);
                refs.set(partition, ctx.sibling(addressOf(spec, "partitions")));
              }
              options.events?.emit("assigned", { partitions: assigned.map((p) => p.partition) });
            },
            onRevoke: async (revoked) => {
              for (const { partition } of revoked) {
                refs.delete(partition);
                await ctx.tree.terminateChild(partitionsPath, partitionActorId(partition));
              }
              options.events?.emit("revoked", { partitions: revoked.map((p) => p.partition) });
            },
            eachBatch: async (batch) => {
              const ref = refs.get(batch.partition);
              if (!ref) return;
              if (ref.trySend(batch)) return;
              const partition = { topic: batch.topic, partition: batch.partition };
              member.pause(partition);
              try {
                await ref.send(batch, { signal: ctx.signal });
              } finally {
                member.resume(partition);
              }
            },
          });
          try {
            await Promise.race([running, stopping]);
          } finally {
            // Leave the group in every case, so a restarted member does not meet its ghost.
            consumer = undefined;
            await member.stop().catch(() => {});
            await running.catch(() => {});
          }
        },
        terminate: async () => {
          await consumer?.stop().catch(() => {});
        },
      };
    },
  };
}
