/**
 * The roles as separate processes against the real test cluster: two `consume` processes sharing a
 * topic, a producer killed and restarted, a model swapped mid-stream, and kcat (an independent
 * Kafka client) reading what fraudstream writes and writing what it reads. Without kcat on the
 * PATH that test is ignored, unless `CI=true`, where it must run.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { spawnRole } from "../../../../actors/tools/chaos/processes.ts";
import { encodeJson } from "../../../../actors/pipeline/codec/transactions.ts";
import { transactionRecords } from "../../../../actors/pipeline/producer/chunks.ts";
import { KafkaTransport, type LogRecord, type Transport } from "../../../../actors/log/mod.ts";
import type { Transaction } from "../../../../model/schema.ts";
import { eventually } from "../../../fixtures/eventually.ts";
import { NO_KAFKA, TEST_BROKERS } from "../../../fixtures/kafka.ts";
import { csvFile, sampleTransaction } from "../../../fixtures/transactions.ts";
import { commandRuns, outsideProgram } from "../../../fixtures/outside_program.ts";

const ENTRY = new URL("../../../../main.ts", import.meta.url);
const PRETRAINED = new URL("../../../../resources/models/pretrained", import.meta.url).pathname;

let runs = 0;

/** Fresh topic names and the flags that point a role at them. */
function deployment() {
  const id = `p${Date.now().toString(36)}${runs++}`;
  return {
    topic: `${id}-transactions`,
    /** Flags every role takes. */
    flags: [
      "--brokers",
      TEST_BROKERS!.join(","),
      "--topic",
      `${id}-transactions`,
      "--partitions",
      "6",
      "--ui-port",
      "off",
    ],
    /** Flags of consumers only. */
    group: ["--group", `${id}-scoring`],
  };
}

/** The arguments of a `consume` process of deployment `d` scoring with the pretrained model. */
function consumeArgs(d: ReturnType<typeof deployment>): string[] {
  return ["consume", ...d.flags, ...d.group, "--scores", "--workers", "1", "--model", PRETRAINED];
}

const json = (record: LogRecord) => JSON.parse(new TextDecoder().decode(record.value));

/** Waits until `scores` holds exactly one score per transaction of `rows`, and no more. */
async function expectScoredOnce(transport: Transport, rows: Transaction[], timeoutMs = 90_000) {
  await eventually(async () => {
    const scores = (await transport.readTopic("scores")).map(json)
      .filter((s) => rows.some((r) => r.trans_num === s.trans_num));
    const counts = new Map<string, number>();
    for (const s of scores) counts.set(s.trans_num, (counts.get(s.trans_num) ?? 0) + 1);
    assert.equal(counts.size, rows.length, "every transaction scored");
    assert.ok([...counts.values()].every((n) => n === 1), "none scored twice");
  }, timeoutMs);
}

/** Ids unique to this test run, so reruns against a long-lived cluster do not collide. */
const RUN = crypto.randomUUID().replaceAll("-", "").slice(0, 8);

function rowsFor(prefix: number, count: number): Transaction[] {
  return Array.from({ length: count }, (_, i) => {
    const row = sampleTransaction(prefix * 1_000_000 + i, 37);
    const trans_num = RUN + (prefix * 1_000_000 + i).toString(16).padStart(24, "0");
    return { ...row, trans_num, amt: i % 9 === 0 ? 950 : row.amt };
  });
}

const KCAT = outsideProgram(await commandRuns("kcat", ["-V"]), "no kcat on the PATH");

const kafkaTest = (name: string, fn: () => Promise<void>, needs = { ignore: false, note: "" }) =>
  Deno.test({
    name: `kafka: ${name}${needs.note}`,
    ignore: NO_KAFKA || needs.ignore,
    sanitizeOps: false,
    sanitizeResources: false,
    fn,
  });

kafkaTest(
  "two consume processes share the partitions; when one exits the other takes over",
  async () => {
    const d = deployment();
    const transport = new KafkaTransport({ brokers: TEST_BROKERS!, clientId: "processes-test" });
    const consumers = [0, 1].map(() =>
      spawnRole({
        entry: ENTRY,
        args: consumeArgs(d),
      })
    );
    const [a, b] = await Promise.all(consumers);
    try {
      await eventually(async () => assert.equal(await transport.partitions(d.topic), 6), 60_000);
      const producer = await transport.producer();
      const first = rowsFor(1, 400);
      await producer.send(d.topic, transactionRecords(first, { encoding: "json", partitions: 6 }));
      await expectScoredOnce(transport, first);
      b.kill("SIGTERM");
      assert.equal(await b.exited, 0, b.output());
      const second = rowsFor(2, 400);
      await producer.send(
        d.topic,
        transactionRecords(second, { encoding: "arrow", partitions: 6 }),
      );
      await expectScoredOnce(transport, [...first, ...second]);
      await producer.close();
      const alerts = (await transport.readTopic("fraud-alerts")).map(json)
        .filter((alert) => [...first, ...second].some((r) => r.trans_num === alert.trans_num));
      assert.equal(new Set(alerts.map((x) => x.trans_num)).size, alerts.length, "no alert twice");
      assert.ok(alerts.length > 0, "the model raised alerts on the large amounts");
    } finally {
      for (const process of [a, b]) process.kill("SIGTERM");
      await Promise.all([a.exited, b.exited]);
      await transport.close();
    }
  },
);

kafkaTest(
  "a producer killed mid-folder and restarted neither skips nor repeats a row",
  async () => {
    const d = deployment();
    const input = await Deno.makeTempDir();
    const transport = new KafkaTransport({ brokers: TEST_BROKERS!, clientId: "processes-test" });
    try {
      const files = Array.from({ length: 12 }, (_, f) => rowsFor(10 + f, 5000));
      for (const [f, rows] of files.entries()) {
        await Deno.writeTextFile(
          join(input, `part-${f}.csv`),
          csvFile(rows),
        );
      }
      const bad = `a|row|that|is|not|${RUN}`;
      await Deno.writeTextFile(join(input, "part-12.csv"), csvFile(rowsFor(90, 10)) + bad + "\n");
      const args = [
        "produce",
        ...d.flags,
        "--input",
        input,
        "--max-files-per-trigger",
        "1",
        "--producer-id",
        d.topic,
        // One message per row: the topic's offsets count rows, and each message reads as JSON.
        "--encoding",
        "json",
      ];
      const first = await spawnRole({ entry: ENTRY, args });
      await eventually(async () => {
        const ends = await transport.endOffsets(d.topic);
        assert.ok(ends.reduce((x, y) => x + y, 0) > 3000, "some rows published");
      }, 60_000);
      first.kill("SIGKILL");
      await first.exited;
      const atKill = (await transport.endOffsets(d.topic)).reduce((x, y) => x + y, 0);
      assert.ok(atKill < 60_000, `killed mid-folder (${atKill} messages published so far)`);
      const second = await spawnRole({ entry: ENTRY, args: [...args, "--duration", "90"] });
      const expected = [...files.flat(), ...rowsFor(90, 10)];
      await eventually(async () => {
        const published = (await transport.readTopic(d.topic)).map(json);
        assert.equal(published.length, expected.length, "each row exactly once");
        assert.equal(new Set(published.map((t) => t.trans_num)).size, expected.length);
      }, 90_000);
      second.kill("SIGTERM");
      await second.exited;
      const dead = (await transport.readTopic("transactions-dlq")).map(json).filter((x) =>
        x.raw === bad
      );
      assert.equal(dead.length, 1);
      assert.equal(dead[0].line, 12);
      assert.equal(dead[0].raw, bad);
      assert.match(dead[0].reason, /expected 26 fields/);
    } finally {
      await transport.close();
      await Deno.remove(input, { recursive: true });
    }
  },
);

kafkaTest("with --model latest a new model version is picked up without a restart", async () => {
  const d = deployment();
  const models = await Deno.makeTempDir();
  const transport = new KafkaTransport({ brokers: TEST_BROKERS!, clientId: "processes-test" });
  const install = async (version: string) => {
    const dir = join(models, `.incoming-${version}`);
    await Deno.mkdir(dir);
    const manifest = JSON.parse(await Deno.readTextFile(join(PRETRAINED, "model.json")));
    await Deno.copyFile(join(PRETRAINED, "forest.bin"), join(dir, "forest.bin"));
    await Deno.writeTextFile(
      join(dir, "model.json"),
      JSON.stringify({ ...manifest, version, created_at: new Date().toISOString() }),
    );
    await Deno.rename(dir, join(models, version));
  };
  await install("v1");
  const consumer = await spawnRole({
    entry: ENTRY,
    args: [
      "consume",
      ...d.flags,
      "--scores",
      "--workers",
      "1",
      "--model",
      "latest",
      "--models-dir",
      models,
    ],
  });
  try {
    await eventually(async () => assert.equal(await transport.partitions(d.topic), 6), 60_000);
    const producer = await transport.producer();
    const before = rowsFor(30, 200);
    await producer.send(d.topic, transactionRecords(before, { encoding: "json", partitions: 6 }));
    await expectScoredOnce(transport, before);
    await install("v2");
    await eventually(() => {
      assert.match(consumer.output(), /now scoring with model v2/);
      return Promise.resolve();
    }, 30_000);
    const after = rowsFor(31, 200);
    await producer.send(d.topic, transactionRecords(after, { encoding: "json", partitions: 6 }));
    await expectScoredOnce(transport, [...before, ...after]);
    await producer.close();
    const scores = (await transport.readTopic("scores")).map(json);
    const version = (rows: Transaction[]) =>
      new Set(
        scores.filter((s) => rows.some((r) => r.trans_num === s.trans_num)).map((s) =>
          s.model_version
        ),
      );
    assert.deepEqual(version(before), new Set(["v1"]));
    assert.deepEqual(version(after), new Set(["v2"]));
  } finally {
    consumer.kill("SIGTERM");
    await consumer.exited;
    await transport.close();
    await Deno.remove(models, { recursive: true });
  }
});

kafkaTest(
  "kcat reads fraudstream's JSON topics, and fraudstream scores what kcat writes",
  async () => {
    const d = deployment();
    const transport = new KafkaTransport({ brokers: TEST_BROKERS!, clientId: "processes-test" });
    const consumer = await spawnRole({
      entry: ENTRY,
      args: consumeArgs(d),
    });
    try {
      await eventually(async () => assert.equal(await transport.partitions(d.topic), 6), 60_000);
      const rows = rowsFor(40, 30);
      const lines = rows.map((row) => `${row.cc_num}\t${new TextDecoder().decode(encodeJson(row))}`)
        .join("\n");
      const produced = new Deno.Command("kcat", {
        args: ["-b", TEST_BROKERS!.join(","), "-P", "-t", d.topic, "-K", "\t"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = produced.stdin.getWriter();
      await writer.write(new TextEncoder().encode(lines + "\n"));
      await writer.close();
      const status = await produced.output();
      assert.equal(status.code, 0, new TextDecoder().decode(status.stderr));
      await expectScoredOnce(transport, rows);

      const read = await new Deno.Command("kcat", {
        args: [
          "-b",
          TEST_BROKERS!.join(","),
          "-C",
          "-t",
          d.topic,
          "-o",
          "beginning",
          "-e",
          "-J",
          "-q",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(read.code, 0, new TextDecoder().decode(read.stderr));
      const messages = new TextDecoder().decode(read.stdout).trim().split("\n").map((line) =>
        JSON.parse(line)
      );
      assert.equal(messages.length, rows.length);
      for (const message of messages) {
        const transaction = JSON.parse(message.payload);
        assert.equal(message.key, transaction.cc_num, "keyed by card number");
      }

      const alerts = await new Deno.Command("kcat", {
        args: [
          "-b",
          TEST_BROKERS!.join(","),
          "-C",
          "-t",
          "fraud-alerts",
          "-o",
          "beginning",
          "-e",
          "-q",
          "-f",
          "%k\t%s\n",
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(alerts.code, 0);
      const ours = new TextDecoder().decode(alerts.stdout).trim().split("\n").filter(Boolean)
        .map((line) => line.split("\t"))
        .map(([key, value]) => ({ key, alert: JSON.parse(value) }))
        .filter(({ alert }) => rows.some((r) => r.trans_num === alert.trans_num));
      assert.ok(ours.length > 0, "kcat reads the alerts");
      for (const { key, alert } of ours) {
        assert.equal(key, alert.cc_num);
        for (
          const field of [
            "trans_num",
            "cc_num",
            "amt",
            "score",
            "model_version",
            "event_time",
            "detected_at",
          ]
        ) {
          assert.ok(field in alert, field);
        }
      }
    } finally {
      consumer.kill("SIGTERM");
      await consumer.exited;
      await transport.close();
    }
  },
  KCAT,
);
