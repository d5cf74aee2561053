import assert from "node:assert/strict";
import { checkCellTopic } from "../../../../actors/tools/bench/topic_check.ts";
import { transactionRecords } from "../../../../actors/pipeline/producer/chunks.ts";
import { EmbeddedTransport } from "../../../../actors/log/mod.ts";
import { sampleTransaction } from "../../../fixtures/transactions.ts";

const rows = Array.from({ length: 40 }, (_, i) => sampleTransaction(i));

Deno.test("the bench's topic check counts the transactions of the producer's Arrow messages", async () => {
  const transport = new EmbeddedTransport();
  await transport.ensureTopics([{ name: "t", partitions: 3 }]);
  const producer = await transport.transactionalProducer("check");
  const transaction = await producer.begin();
  await transaction.send("t", [
    ...transactionRecords(rows, { encoding: "arrow", partitions: 3 }),
    ...transactionRecords(rows.slice(0, 5), { encoding: "json", partitions: 3 }),
    { key: null, partition: 0, value: new Uint8Array(8), headers: { encoding: "arrow" } },
  ]);
  // The group past the end of every partition, as a consumer that scored them all would be.
  for (const partition of [0, 1, 2]) {
    await transaction.commitOffset("g", { topic: "t", partition }, 1000);
  }
  await transaction.commit();
  await producer.close();
  const check = await checkCellTopic(transport, { topic: "t", groupId: "g" });
  assert.deepEqual(
    [check.published, check.duplicated_published, check.undecodable, check.offsets_behind],
    [40, 5, 1, 0],
  );
});
