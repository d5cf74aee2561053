/**
 * The @platformatic/kafka group member with one node of its own 3-node cluster killed: the
 * partitions the other nodes lead go on being consumed while the dead node's partitions wait for
 * their new leaders.
 */

import assert from "node:assert/strict";
import { Admin } from "@platformatic/kafka";
import { PlatformaticTransport } from "../../../../actors/log/platformatic/transport.ts";
import { PlatformaticAdmin } from "../../../../actors/log/platformatic/admin.ts";
import { killNode } from "../../../../actors/tools/kafka_local/mod.ts";
import { ownClusterTest } from "../../../fixtures/kafka.ts";
import { eventually } from "../../../fixtures/eventually.ts";

const TOPIC = "t";
const PARTITIONS = 6;
const GROUP = "kill-leader-test";

/** The leader of each partition of `topic`. */
async function leaders(brokers: string[], topic: string): Promise<number[]> {
  const admin = new Admin({ clientId: "leaders", bootstrapBrokers: brokers });
  try {
    const metadata = await admin.metadata({ topics: [topic] });
    return metadata.topics.get(topic)!.partitions.map((partition) => partition.leader);
  } finally {
    await admin.close();
  }
}

ownClusterTest({
  name: "platformatic: with a partition leader killed, the other leaders' partitions are " +
    "consumed at once",
  portBase: 9652,
}, async ({ dir, info }) => {
  const connection = { brokers: info.bootstrap, clientId: "kill-leader-test" };
  const transport = new PlatformaticTransport(connection);
  const admin = new PlatformaticAdmin(connection);
  const member = transport.consumer({ groupId: GROUP, topic: TOPIC });
  const received = new Map<number, string[]>();
  let running: Promise<void> | undefined;
  try {
    await transport.ensureTopics([
      { name: TOPIC, partitions: PARTITIONS, replicationFactor: 3 },
    ]);
    const producer = await transport.producer();
    const send = (partitions: number[], text: string) =>
      producer.send(
        TOPIC,
        partitions.map((partition) => ({
          key: null,
          partition,
          value: new TextEncoder().encode(`${text} ${partition}`),
        })),
      );
    const all = Array.from({ length: PARTITIONS }, (_, p) => p);
    await send(all, "before");
    running = member.run({
      eachBatch: (batch) => {
        const texts = received.get(batch.partition) ?? [];
        for (const record of batch.records) {
          texts.push(new TextDecoder().decode(record.value!));
        }
        received.set(batch.partition, texts);
        return Promise.resolve();
      },
    });
    await eventually(() => {
      assert.equal([...received.values()].flat().length, PARTITIONS, "every partition read");
      return Promise.resolve();
    }, 60_000);

    // A node that leads some partitions and is not the group's coordinator (whose loss
    // moves the group, which is not what this test is about).
    const coordinator = await admin.groupCoordinator(GROUP);
    const led = await leaders(info.bootstrap, TOPIC);
    const victim = [...new Set(led)].find((node) => node !== coordinator);
    assert.ok(victim !== undefined, `a leader other than the coordinator (${led})`);
    const live = all.filter((p) => led[p] !== victim);
    assert.ok(live.length > 0, `partitions led by other nodes (${led})`);

    // The records to read after the kill are written before it, while the member pauses
    // every partition: the producer's own stall on the dead node is not what is tested here.
    for (const partition of all) member.pause({ topic: TOPIC, partition });
    await send(all, "after");
    await killNode({ dir, node: victim });
    const killed = performance.now();
    for (const partition of all) member.resume({ topic: TOPIC, partition });
    // The brokers notice the dead node after their 4 s session timeout (`kafka up`'s setting),
    // and only then elect new leaders: records read within 3 s came past the dead leader.
    await eventually(() => {
      for (const partition of live) {
        assert.ok(
          received.get(partition)!.includes(`after ${partition}`),
          `partition ${partition} read on`,
        );
      }
      return Promise.resolve();
    }, 20_000);
    const seconds = (performance.now() - killed) / 1000;
    assert.ok(seconds < 3, `read on ${seconds.toFixed(1)} s after the kill`);
    // The dead node's partitions are read too, once their new leaders are elected.
    await eventually(() => {
      for (const partition of all) {
        assert.ok(received.get(partition)!.includes(`after ${partition}`));
      }
      return Promise.resolve();
    }, 60_000);
    await producer.close();
  } finally {
    await member.stop();
    await running?.catch(() => {});
    await admin.close();
    await transport.close();
  }
});
