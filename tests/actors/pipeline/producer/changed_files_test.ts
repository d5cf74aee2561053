import assert from "node:assert/strict";
import { type InputFile, SettleFilter } from "../../../../actors/pipeline/producer/files.ts";
import { delay, poll } from "../../../../actors/lib/async.ts";
import { LEDGER_TOPIC } from "../../../../actors/pipeline/producer/ledger.ts";
import { EmbeddedTransport, KafkaTransport, type Transport } from "../../../../actors/log/mod.ts";
import { TOPICS, topicSpecs } from "../../../../actors/pipeline/topics.ts";
import { pipelineEvents } from "../../../../actors/pipeline/events.ts";
import { csvFile, csvLine, sampleTransaction } from "../../../fixtures/transactions.ts";
import { eventually } from "../../../fixtures/eventually.ts";
import { NO_KAFKA, TEST_BROKERS } from "../../../fixtures/kafka.ts";
import { deadLetters, startProducer, transNums } from "./helpers.ts";

const SETTINGS = { topic: "transactions", partitions: 3, replicationFactor: undefined };
const rows = Array.from({ length: 30 }, (_, i) => sampleTransaction(i));
const header = csvFile([]);

async function append(path: string, text: string): Promise<void> {
  await Deno.writeTextFile(path, text, { append: true });
}

/** Waits until `ready()` holds, failing the test with `what` after 20 s. */
async function until(ready: () => boolean, what: string): Promise<void> {
  assert.ok(await poll(ready, { timeoutMs: 20_000, pollMs: 20 }), `timed out: ${what}`);
}

Deno.test("a file is taken up once its size and time have stayed the same for the settle interval", () => {
  const filter = new SettleFilter(1000);
  const file = (size: number, mtimeMs: number): InputFile => ({
    path: "in/a.csv",
    name: "a.csv",
    size,
    mtimeMs,
  });
  const old: InputFile = { path: "in/old.csv", name: "old.csv", size: 5, mtimeMs: 0 };
  // Written long ago: at once. Written just now: not yet, and then not while it keeps changing.
  assert.deepEqual(filter.settled([old, file(10, 10_000)], 10_100), [old]);
  assert.equal(filter.pending, 1);
  assert.deepEqual(filter.settled([file(10, 10_000)], 10_900), []);
  assert.deepEqual(filter.settled([file(20, 10_950)], 11_000), []);
  assert.deepEqual(filter.settled([file(20, 10_950)], 11_900), []);
  // Unchanged for the interval: taken, even with a modification time from a clock ahead.
  assert.deepEqual(filter.settled([file(20, 99_999)], 12_000), []);
  assert.deepEqual(filter.settled([file(20, 99_999)], 13_000), [file(20, 99_999)]);
  assert.equal(filter.pending, 0);
  assert.deepEqual(new SettleFilter(0).settled([file(1, 5)], 5), [file(1, 5)]);
});

/**
 * Appends to a published file through `transport`: ten rows, half a row left long enough to be
 * taken up, then its rest and 19 more rows; every row must be published once, the growth reported.
 */
async function publishesAppendedRows(
  transport: Transport,
  names: { topic: string; deadLetters: string; producerId: string },
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/a.csv`;
  const warnings: string[] = [];
  const events = pipelineEvents();
  events.on("fileChanged", ({ message }) => warnings.push(message));
  const { system, metrics } = await startProducer(transport, dir, {
    encoding: "json",
    producerId: names.producerId,
    maxFilesPerTrigger: 5,
    settleMs: 200,
    pollMs: 20,
    topics: { transactions: names.topic, deadLetters: names.deadLetters, ledger: LEDGER_TOPIC },
    events,
  });
  try {
    // Ten rows, published.
    await Deno.writeTextFile(path, header + rows.slice(0, 10).map(csvLine).join("\n") + "\n");
    await until(() => metrics.rows === 10, "the first ten rows");
    // Half of row 11 (line 12), left long enough to be taken up: published as a bad row.
    const eleventh = csvLine(rows[10]);
    const half = Math.floor(eleventh.length / 2);
    await append(path, eleventh.slice(0, half));
    await until(() => metrics.deadLetters === 1, "the cut line");
    // The rest of it, then 19 rows, one at a time.
    await append(path, eleventh.slice(half) + "\n");
    for (const row of rows.slice(11)) {
      await delay(10);
      await append(path, csvLine(row) + "\n");
    }
    await until(() => metrics.rows === 30, "all 30 rows");
    // What a read-committed reader sees, once the last commit's markers are written.
    await eventually(async () => {
      const nums = await transNums(transport, names.topic);
      assert.equal(nums.length, 30, "no row twice");
      assert.deepEqual(new Set(nums), new Set(rows.map((row) => row.trans_num)));
      const dead = await deadLetters(transport, names.deadLetters);
      assert.deepEqual(dead.map((d) => [d.line, d.raw]), [[12, eleventh.slice(0, half)]]);
    });
    assert.ok(metrics.changedFiles >= 2, `growth reported (${metrics.changedFiles})`);
    assert.equal(metrics.files, 1, "one file, however often it grew");
    assert.match(warnings[0], /a\.csv grew by \d+ bytes after it was published/);
    assert.ok(
      warnings.some((w) => /line 12 was published before its end was written/.test(w)),
      warnings.join("\n"),
    );
  } finally {
    await system.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("rows appended to a file the producer has published are published too, and the growth is reported", async () => {
  const transport = new EmbeddedTransport();
  await transport.ensureTopics(topicSpecs(SETTINGS));
  await publishesAppendedRows(transport, {
    topic: "transactions",
    deadLetters: TOPICS.deadLetters,
    producerId: "appended",
  });
});

Deno.test({
  name: "kafka: rows appended to a published file are published too",
  ignore: NO_KAFKA,
  fn: async () => {
    const run = crypto.randomUUID().slice(0, 8);
    const names = {
      topic: `appended-${run}`,
      deadLetters: `appended-dlq-${run}`,
      producerId: `appended-${run}`,
    };
    const transport = new KafkaTransport({ brokers: TEST_BROKERS!, clientId: "fraudstream-test" });
    try {
      await transport.ensureTopics([
        { name: names.topic, partitions: 3 },
        { name: names.deadLetters, partitions: 1 },
        { name: LEDGER_TOPIC, partitions: 1, compact: true },
      ]);
      await publishesAppendedRows(transport, names);
    } finally {
      await transport.deleteTopicsAndGroups({
        topics: [names.topic, names.deadLetters],
        groups: [],
      }).catch(() => {});
      await transport.close();
    }
  },
});

Deno.test("with no settle interval, a file written row by row in pieces still loses no row", async () => {
  const dir = await Deno.makeTempDir();
  const transport = new EmbeddedTransport();
  await transport.ensureTopics(topicSpecs(SETTINGS));
  const path = `${dir}/a.csv`;
  const { system, metrics } = await startProducer(transport, dir, {
    encoding: "json",
    producerId: "pieces",
    maxFilesPerTrigger: 5,
    pollMs: 10,
  });
  try {
    await Deno.writeTextFile(path, header);
    for (const row of rows) {
      const line = csvLine(row);
      const half = Math.floor(line.length / 2);
      await append(path, line.slice(0, half));
      await delay(15);
      await append(path, line.slice(half) + "\n");
      await delay(15);
    }
    await until(() => metrics.rows === 30, "all 30 rows");
    const nums = await transNums(transport);
    assert.equal(nums.length, 30, "no row twice");
    assert.deepEqual(new Set(nums), new Set(rows.map((row) => row.trans_num)));
    // Each half row taken up is a dead letter, and its whole row was published after it.
    assert.equal((await deadLetters(transport)).length, metrics.deadLetters);
  } finally {
    await system.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a published file that is rewritten is reported once, not published again", async () => {
  const dir = await Deno.makeTempDir();
  const transport = new EmbeddedTransport();
  await transport.ensureTopics(topicSpecs(SETTINGS));
  const path = `${dir}/a.csv`;
  const warnings: string[] = [];
  const events = pipelineEvents();
  events.on("fileChanged", ({ message }) => warnings.push(message));
  await Deno.writeTextFile(path, csvFile(rows.slice(0, 10)));
  const { system, metrics } = await startProducer(transport, dir, {
    encoding: "json",
    producerId: "rewritten",
    maxFilesPerTrigger: 5,
    pollMs: 10,
    events,
  });
  try {
    await until(() => metrics.files === 1, "the file");
    // Rewritten as the README asks writers to: whole, under another name, then renamed. (Written
    // in place, a scan between the truncation and the write sees two changes, each reported.)
    await Deno.writeTextFile(`${dir}/.a.csv.tmp`, csvFile(rows.slice(20, 25)));
    await Deno.rename(`${dir}/.a.csv.tmp`, path);
    await until(() => metrics.changedFiles === 1, "the change to be reported");
    await delay(200);
    assert.equal(metrics.changedFiles, 1, "reported once");
    assert.equal(warnings.length, 1);
    assert.match(warnings[0], /a\.csv changed after it was published .* NOT published/);
    assert.equal(metrics.rows, 10);
    assert.equal((await transNums(transport)).length, 10);
  } finally {
    await system.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});
