import assert from "node:assert/strict";
import { settleTopics } from "../../../../actors/tools/chaos/topic_reconcile.ts";
import { transactionRecords } from "../../../../actors/pipeline/producer/chunks.ts";
import { TOPICS } from "../../../../actors/pipeline/topics.ts";
import { EmbeddedTransport } from "../../../../actors/log/mod.ts";
import { sampleTransaction } from "../../../fixtures/transactions.ts";

Deno.test("the topics' reconciliation counts the transactions of the producer's Arrow messages", async () => {
  const rows = Array.from({ length: 40 }, (_, i) => sampleTransaction(i));
  const transport = new EmbeddedTransport();
  await transport.ensureTopics(
    ["t", TOPICS.scores, TOPICS.alerts, TOPICS.deadLetters].map((name) => ({
      name,
      partitions: 3,
    })),
  );
  const producer = await transport.transactionalProducer("reconcile");
  const transaction = await producer.begin();
  await transaction.send("t", transactionRecords(rows, { encoding: "arrow", partitions: 3 }));
  // Every row scored but the last two.
  await transaction.send(
    TOPICS.scores,
    rows.slice(0, 38).map((row) => ({
      key: row.cc_num,
      value: new TextEncoder().encode(JSON.stringify({ trans_num: row.trans_num })),
    })),
  );
  await transaction.commit();
  await producer.close();
  const settled = await settleTopics(transport, { topic: "t", sent: 40, timeoutMs: 100 });
  assert.deepEqual(
    [settled.acked, settled.scored, settled.lost, settled.duplicated],
    [40, 38, 2, 0],
  );
});
