import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { Kafka, logLevel } from "kafkajs";
import { LEDGER_TOPIC } from "../../../../actors/pipeline/producer/ledger.ts";
import { poll } from "../../../../actors/lib/async.ts";
import { EmbeddedTransport, KafkaTransport, type Transport } from "../../../../actors/log/mod.ts";
import { topicSpecs } from "../../../../actors/pipeline/topics.ts";
import { csvFile, csvLine, sampleTransaction } from "../../../fixtures/transactions.ts";
import { eventually } from "../../../fixtures/eventually.ts";
import { NO_KAFKA, TEST_BROKERS } from "../../../fixtures/kafka.ts";
import { deadLetters, startProducer, transNums } from "./helpers.ts";

/** A line of 2 MiB: over the broker's 1 MB message limit, and over the producer's line limit. */
const HUGE = "z".repeat(2 << 20);
/** A bad row of 20 KiB: under the line limit, over the 16 KiB a test's dead-letter topic takes. */
const WIDE = "not|a|row|" + "q".repeat(20_000);
/** A row of 30 KiB whose reason quotes its category: the reason must be cut too. */
const QUOTED = csvLine({ ...sampleTransaction(999), category: "c".repeat(30_000) as never });
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

const first = Array.from({ length: 60 }, (_, i) => sampleTransaction(i));
const later = Array.from({ length: 20 }, (_, i) => sampleTransaction(100 + i));

/** A header, 30 rows, the huge (line 32), wide (33) and quoted (34) lines, 30 more rows. */
function fileWithLongLines(): string {
  const lines = csvFile(first).trimEnd().split("\n");
  lines.splice(31, 0, HUGE, WIDE, QUOTED);
  return lines.join("\n") + "\n";
}

/**
 * Publishes a file with a huge and a wide line among good rows, then a later file, through
 * `transport`; checks every good row and the three bounded dead letters.
 */
async function publishesAroundLongLines(
  transport: Transport,
  names: { topic: string; deadLetters: string; producerId: string },
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/a.csv`, fileWithLongLines());
    const { system, metrics } = await startProducer(transport, dir, {
      encoding: "json",
      producerId: names.producerId,
      maxFilesPerTrigger: 5,
      chunkLines: 25,
      topics: { transactions: names.topic, deadLetters: names.deadLetters, ledger: LEDGER_TOPIC },
    });
    try {
      const published = (files: number) =>
        poll(() => metrics.files === files, { timeoutMs: 60_000, pollMs: 50 });
      assert.ok(await published(1), "the file with the long lines is published");
      // Later files still flow.
      await Deno.writeTextFile(`${dir}/b.csv`, csvFile(later));
      assert.ok(await published(2), "a later file is published");

      // What a read-committed reader sees, once the last commit's markers are written.
      await eventually(async () => {
        const nums = await transNums(transport, names.topic);
        assert.equal(nums.length, 80, "every good row once");
        assert.deepEqual(new Set(nums), new Set([...first, ...later].map((t) => t.trans_num)));

        const dead = (await deadLetters(transport, names.deadLetters))
          .sort((a, b) => Number(a.line) - Number(b.line));
        assert.deepEqual(
          dead.map((d) => [d.file, d.line]),
          [["a.csv", 32], ["a.csv", 33], ["a.csv", 34]],
        );
        const [huge, wide, quoted] = dead;
        assert.match(String(huge.reason), /line of 2097152 bytes is over the line limit of 65536/);
        assert.deepEqual(
          [huge.raw, huge.raw_bytes, huge.raw_sha256, huge.truncated],
          [HUGE.slice(0, 4096), HUGE.length, sha256(HUGE), true],
        );
        assert.match(String(wide.reason), /expected 26 fields/);
        assert.deepEqual(
          [wide.raw, wide.raw_bytes, wide.raw_sha256, wide.truncated],
          [WIDE.slice(0, 4096), WIDE.length, sha256(WIDE), true],
        );
        assert.match(String(quoted.reason), /^unknown category 'c{200,}\u2026$/);
        assert.equal(String(quoted.reason).length, 256);
        assert.deepEqual([quoted.raw_bytes, quoted.truncated], [QUOTED.length, true]);
        for (const letter of dead) assert.ok(letter.messageBytes < 8192, "a dead letter is small");
      });
      assert.equal(metrics.deadLetters, 3);
    } finally {
      await system.shutdown();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a line over the limit is one bounded dead letter; the rows around it and later files are published", async () => {
  const transport = new EmbeddedTransport();
  const topic = "transactions";
  await transport.ensureTopics(topicSpecs({ topic, partitions: 3, replicationFactor: undefined }));
  await publishesAroundLongLines(transport, {
    topic,
    deadLetters: "transactions-dlq",
    producerId: "long-lines",
  });
});

Deno.test({
  name: "kafka: a line over the broker's message limit neither stops the producer nor is lost",
  ignore: NO_KAFKA,
  fn: async () => {
    const run = crypto.randomUUID().slice(0, 8);
    const names = {
      topic: `long-lines-${run}`,
      deadLetters: `long-lines-dlq-${run}`,
      producerId: `long-lines-${run}`,
    };
    const transport = new KafkaTransport({ brokers: TEST_BROKERS!, clientId: "fraudstream-test" });
    // A dead-letter topic that takes 16 KiB messages at most: a dead letter must be bounded.
    const admin = new Kafka({
      brokers: TEST_BROKERS!,
      clientId: "fraudstream-test",
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{
          topic: names.deadLetters,
          numPartitions: 1,
          configEntries: [{ name: "max.message.bytes", value: "16384" }],
        }],
      });
      await transport.ensureTopics([
        { name: names.topic, partitions: 3 },
        { name: LEDGER_TOPIC, partitions: 1, compact: true },
      ]);
      await publishesAroundLongLines(transport, names);
    } finally {
      await transport.deleteTopicsAndGroups({
        topics: [names.topic, names.deadLetters],
        groups: [],
      }).catch(() => {});
      await admin.disconnect();
      await transport.close();
    }
  },
});
