import assert from "node:assert/strict";
import { scanInputFolder } from "../../../../actors/pipeline/producer/files.ts";
import { FraudstreamError } from "../../../../actors/lib/errors.ts";
import { main } from "../../../../main.ts";
import { captureIO } from "../../../fixtures/main_run.ts";
import { poll } from "../../../../actors/lib/async.ts";
import { EmbeddedTransport } from "../../../../actors/log/mod.ts";
import { pipelineEvents } from "../../../../actors/pipeline/events.ts";
import { topicSpecs } from "../../../../actors/pipeline/topics.ts";
import { csvFile, sampleTransaction } from "../../../fixtures/transactions.ts";
import { startProducer, transNums } from "./helpers.ts";

Deno.test("an input folder that is missing, or a file, is refused with what to give instead", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/rows.csv`, "\n");
    for (
      const [input, reason] of [
        [`${dir}/none`, /does not exist; create it or point --input/],
        [`${dir}/rows.csv`, /is a file; --input takes the folder the CSV files arrive in/],
      ] as const
    ) {
      await assert.rejects(
        scanInputFolder(input),
        (error: unknown) => error instanceof FraudstreamError && reason.test(error.message),
      );
    }
    assert.deepEqual((await scanInputFolder(dir)).map((file) => file.name), ["rows.csv"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("produce --input naming a file exits 2 at once, before looking for Kafka", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/rows.csv`, "\n");
    const err: string[] = [];
    const code = await main(
      ["produce", "--input", `${dir}/rows.csv`, "--brokers", "127.0.0.1:1", "--ui-port", "off"],
      captureIO([], err),
    );
    assert.equal(code, 2, err.join("\n"));
    assert.match(err.join("\n"), /--input '.*rows\.csv' is a file/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a link to a CSV file is read; a pipe, a link to nothing or to a folder is skipped and named once", async () => {
  const dir = await Deno.makeTempDir();
  const elsewhere = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/rows.csv`, "\n");
    await Deno.writeTextFile(`${elsewhere}/linked.csv`, "\n");
    await Deno.symlink(`${elsewhere}/linked.csv`, `${dir}/linked.csv`);
    await Deno.symlink(`${elsewhere}/none.csv`, `${dir}/dangling.csv`);
    await Deno.symlink(elsewhere, `${dir}/folder.csv`);
    await new Deno.Command("mkfifo", { args: [`${dir}/pipe.csv`] }).output();
    const skipped: string[] = [];
    const files = await scanInputFolder(dir, {
      onSkipped: (name, reason) => skipped.push(`${name}: ${reason}`),
    });
    assert.deepEqual(files.map((file) => file.name).sort(), ["linked.csv", "rows.csv"]);
    assert.deepEqual(skipped.sort(), [
      "dangling.csv: a link to a file that does not exist",
      "folder.csv: not a regular file (a folder, pipe or device)",
      "pipe.csv: not a regular file (a folder, pipe or device)",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});

Deno.test("the producer publishes a linked file and names a pipe once, over many scans, without waiting on it", async () => {
  const dir = await Deno.makeTempDir();
  const elsewhere = await Deno.makeTempDir();
  const transport = new EmbeddedTransport();
  await transport.ensureTopics(
    topicSpecs({ topic: "transactions", partitions: 3, replicationFactor: undefined }),
  );
  const rows = Array.from({ length: 10 }, (_, i) => sampleTransaction(i));
  await Deno.writeTextFile(`${elsewhere}/rows.csv`, csvFile(rows));
  await Deno.symlink(`${elsewhere}/rows.csv`, `${dir}/linked.csv`);
  await new Deno.Command("mkfifo", { args: [`${dir}/pipe.csv`] }).output();
  const events = pipelineEvents();
  const skipped: string[] = [];
  events.on("fileSkipped", ({ file, reason }) => skipped.push(`${file}: ${reason}`));
  const { system, metrics } = await startProducer(transport, dir, {
    encoding: "json",
    producerId: "links",
    maxFilesPerTrigger: 5,
    pollMs: 10,
    settleMs: 0,
    events,
  });
  try {
    assert.ok(await poll(() => metrics.rows === 10, { timeoutMs: 20_000, pollMs: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(skipped, ["pipe.csv: not a regular file (a folder, pipe or device)"]);
    assert.equal((await transNums(transport)).length, 10);
  } finally {
    await system.shutdown();
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(elsewhere, { recursive: true });
  }
});
