import assert from "node:assert/strict";
import { settleTopics } from "../../../../actors/tools/chaos/topic_reconcile.ts";
import { transactionRecords } from "../../../../actors/pipeline/producer/chunks.ts";
import { TOPICS } from "../../../../actors/pipeline/topics.ts";
import { EmbeddedTransport } from "../../../../actors/log/mod.ts";
import { csvFile, sampleTransaction } from "../../../fixtures/transactions.ts";
import type { Transaction } from "../../../../model/schema.ts";
import { join } from "node:path";

/** An embedded log whose topic `t` holds `published` in one transaction, `scored` scored. */
async function logWith(
  published: Transaction[],
  scored: Transaction[],
): Promise<EmbeddedTransport> {
  const transport = new EmbeddedTransport();
  await transport.ensureTopics(
    ["t", TOPICS.scores, TOPICS.alerts, TOPICS.deadLetters].map((name) => ({
      name,
      partitions: 3,
    })),
  );
  const producer = await transport.transactionalProducer("reconcile");
  const transaction = await producer.begin();
  await transaction.send("t", transactionRecords(published, { encoding: "arrow", partitions: 3 }));
  await transaction.send(
    TOPICS.scores,
    scored.map((row) => ({
      key: row.cc_num,
      value: new TextEncoder().encode(JSON.stringify({ trans_num: row.trans_num })),
    })),
  );
  await transaction.commit();
  await producer.close();
  return transport;
}

Deno.test("the topics' reconciliation counts the transactions of the producer's Arrow messages", async () => {
  const rows = Array.from({ length: 40 }, (_, i) => sampleTransaction(i));
  // Every row scored but the last two.
  const transport = await logWith(rows, rows.slice(0, 38));
  const settled = await settleTopics(transport, { topic: "t", sent: 40, timeoutMs: 100 });
  assert.deepEqual(
    [settled.acked, settled.scored, settled.lost, settled.duplicated],
    [40, 38, 2, 0],
  );
});

Deno.test("sent transactions the log lacks count as unpublished while in the input files, else as lost", async () => {
  const rows = Array.from({ length: 50 }, (_, i) => sampleTransaction(i));
  // Rows 0-39 published and scored.
  const transport = await logWith(rows.slice(0, 40), rows.slice(0, 40));
  const input = await Deno.makeTempDir();
  try {
    // A file taken up part of the way (rows 36-39 are in the log), one in a subfolder, and one
    // still being written under its temporary name (not sent yet, so not counted). Rows 46-49
    // are nowhere: lost.
    await Deno.writeTextFile(join(input, "a.csv"), csvFile(rows.slice(36, 43)));
    await Deno.mkdir(join(input, "batch"));
    await Deno.writeTextFile(join(input, "batch", "b.csv"), csvFile(rows.slice(43, 46)));
    await Deno.writeTextFile(join(input, ".c.csv.tmp"), csvFile(rows.slice(46, 50)));
    const settled = await settleTopics(transport, { topic: "t", sent: 50, input, timeoutMs: 100 });
    assert.deepEqual(
      [settled.acked, settled.scored, settled.unpublished, settled.lost, settled.duplicated],
      [40, 40, 6, 4, 0],
    );
    // Without the folder, every row the log lacks is lost.
    const blind = await settleTopics(transport, { topic: "t", sent: 50, timeoutMs: 100 });
    assert.deepEqual([blind.unpublished, blind.lost], [0, 10]);
  } finally {
    await Deno.remove(input, { recursive: true });
  }
});
