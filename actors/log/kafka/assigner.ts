/**
 * The partition assignment of fraudstream's kafkajs group members: kafkajs's round robin under the
 * protocol name Java's `RoundRobinAssignor` and @platformatic/kafka use (`roundrobin`), so members
 * on either client can share a consumer group. kafkajs calls its own `RoundRobinAssigner`; members
 * offer that name second, so a group with members of an earlier fraudstream agrees on it.
 *
 * @module
 */

import { type PartitionAssigner, PartitionAssigners } from "kafkajs";

/** The group protocol name of round-robin assignment in Java's client and @platformatic/kafka. */
export const ROUND_ROBIN_PROTOCOL = "roundrobin";

/**
 * kafkajs's round robin, named `roundrobin`. The subscription and assignment it writes are the
 * consumer protocol's (version 0), which the other clients read.
 */
export const roundRobinAssigner: PartitionAssigner = (config) => ({
  ...PartitionAssigners.roundRobin(config),
  name: ROUND_ROBIN_PROTOCOL,
});

/** What a kafkajs member offers, in order of preference. */
export const GROUP_ASSIGNERS: PartitionAssigner[] = [
  roundRobinAssigner,
  PartitionAssigners.roundRobin,
];
