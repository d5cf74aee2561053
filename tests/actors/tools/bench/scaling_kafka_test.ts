import assert from "node:assert/strict";
import { Kafka, logLevel } from "kafkajs";
import { eventually } from "../../../fixtures/eventually.ts";
import { runMain } from "../../../fixtures/main_run.ts";
import { NO_KAFKA, TEST_BROKERS, TEST_KAFKA_CLIENTS } from "../../../fixtures/kafka.ts";

for (const client of TEST_KAFKA_CLIENTS) {
  Deno.test({
    name: `bench on Kafka (${client}): median of 3 runs, every run read back from its topic, ` +
      "topics deleted",
    ignore: NO_KAFKA,
    fn: async () => {
      const dir = await Deno.makeTempDir();
      try {
        await Deno.writeTextFile(`${dir}/empty.env`, "");
        const { code, out, err } = await runMain(
          [
            "bench",
            "e2e",
            "--rows",
            "500",
            "--partitions",
            "1",
            "--workers",
            "1",
            "--brokers",
            TEST_BROKERS!.join(","),
            "--kafka-client",
            client,
            "--env-file",
            `${dir}/empty.env`,
            "--quiet",
            "--report",
            `${dir}/bench.json`,
          ],
        );
        assert.equal(code, 0, [...err, ...out].join("\n"));
        const report = JSON.parse(await Deno.readTextFile(`${dir}/bench.json`));
        assert.equal(report.settings.repeat, 3);
        const kafka = report.cells.filter((cell: { transport: string }) =>
          cell.transport === "kafka"
        );
        assert.equal(kafka.length, 2, "json and arrow");
        for (const cell of kafka) {
          assert.equal(cell.ok, true, JSON.stringify(cell.error));
          assert.equal(cell.runs.length, 3);
          const throughputs = cell.runs.map((run: { throughput: number }) => run.throughput);
          assert.equal(cell.throughput, [...throughputs].sort((a, b) => a - b)[1], "the median");
          for (const run of cell.runs) {
            assert.equal(run.topic_check.published, run.accounting.produced);
            assert.equal(run.topic_check.scored, run.accounting.produced);
            assert.equal(run.topic_check.duplicated_published, 0);
            assert.equal(run.topic_check.offsets_behind, 0);
          }
        }
        const prefix = report.kafka.topics.match(/cell runs, (bench-\w+)-\*, all deleted/)?.[1];
        assert.ok(prefix, report.kafka.topics);
        const admin = new Kafka({
          clientId: "fraudstream-test",
          brokers: TEST_BROKERS!,
          logLevel: logLevel.NOTHING,
        }).admin();
        await admin.connect();
        try {
          // The bench waited until a broker no longer listed them; the others follow in moments.
          await eventually(async () => {
            const left = (await admin.listTopics()).filter((name) => name.startsWith(`${prefix}-`));
            assert.deepEqual(left, [], "no cell topic left on the cluster");
          }, 5_000);
        } finally {
          await admin.disconnect();
        }
        assert.match(out.join("\n"), /median of 3 runs per cell/);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
