/**
 * One cell of `fraudstream bench scaling`, run on its own: the producer alone, the consumer alone
 * on a backlog, or the whole pipeline on a burst, on the embedded log or (with `--brokers`) on
 * Kafka. For comparing two builds without the whole grid.
 *
 * `deno run -A tests/actors/tools/bench/cell_bench.ts --cell producer|consumer|pipeline [--rows N]
 * [--warmup N] [--partitions P] [--workers W] [--encoding json|arrow] [--repeat R] [--brokers HOST:PORT,...]
 * [--kafka-client kafkajs|platformatic] [--rate PER_SECOND [--paced-rows N]] [--reason-codes N]
 * [--scores]`: one line of JSON per run (throughput; the process's CPU per row in the measured
 * phase, `phase_cpu_us_per_row`, split by thread on Linux, and in the whole run; the accounting; with `--rate`, the
 * pipeline's detection latency under that offered load after its burst), then the median.
 *
 * @module
 */

import process from "node:process";
import { badBenchArgs, benchArgs } from "../../../fixtures/bench_args.ts";
import {
  cellGroupId,
  type CellSetup,
  cellTopics,
} from "../../../../actors/tools/bench/cell_harness.ts";
import { consumerCell } from "../../../../actors/tools/bench/consumer_cell.ts";
import { pipelineCell } from "../../../../actors/tools/bench/pipeline_cell.ts";
import { producerCell } from "../../../../actors/tools/bench/producer_cell.ts";
import { benchData } from "../../../../actors/tools/bench/data.ts";
import { median } from "../../../../actors/tools/bench/summary.ts";
import type { WireEncoding } from "../../../../actors/pipeline/codec/wire_encoding.ts";
import { EmbeddedTransport, KafkaTransport } from "../../../../actors/log/mod.ts";
import { SETTINGS } from "../../../../config/settings.ts";
import { MAX_WARMUP_ROWS } from "../../../../actors/tools/bench/plan.ts";

if (import.meta.main) {
  const args = benchArgs(import.meta, {
    cell: { type: "string", default: "pipeline" },
    rows: { type: "string", default: "100000" },
    warmup: { type: "string", default: String(MAX_WARMUP_ROWS) },
    partitions: { type: "string", default: "6" },
    workers: { type: "string", default: "1" },
    encoding: { type: "string", default: "arrow" },
    repeat: { type: "string", default: "3" },
    brokers: { type: "string" },
    "kafka-client": { type: "string", default: SETTINGS.kafkaClient.default },
    rate: { type: "string", default: "0" },
    "paced-rows": { type: "string", number: true },
    "reason-codes": { type: "string", default: String(SETTINGS.reasonCodes.default) },
    scores: { type: "boolean", default: false },
  });
  const cell = args.values.cell;
  if (cell !== "producer" && cell !== "consumer" && cell !== "pipeline") {
    badBenchArgs(import.meta, "--cell must be producer, consumer or pipeline");
  }
  const rows = Number(args.values.rows);
  // Rows published and scored before the clock starts.
  const warmup = Number(args.values.warmup);
  // The pipeline cell's paced phase after the burst (none at rate 0): its detection latency.
  const rate = Number(args.values.rate);
  const pacedRows = rate > 0 && cell === "pipeline" ? Number(args.values["paced-rows"] ?? rows) : 0;
  const brokers = args.values.brokers?.split(",");
  const connection = {
    brokers: brokers ?? [],
    clientId: "fraudstream-cell-bench",
    onLog: console.error,
  };
  const kafka = !brokers
    ? undefined
    : args.values["kafka-client"] === "platformatic"
    ? new (await import("../../../../actors/log/platformatic/transport.ts")).PlatformaticTransport(
      connection,
    )
    : new KafkaTransport(connection);
  const data = await benchData({ rows: warmup + rows + pacedRows, seed: 42 });
  const throughputs: number[] = [];
  try {
    for (let i = 0; i < Number(args.values.repeat); i++) {
      const topic = `cell-bench-${Date.now().toString(36)}`;
      const setup: CellSetup = {
        transport: kafka ?? new EmbeddedTransport(),
        topic,
        partitions: Number(args.values.partitions),
        workers: Number(args.values.workers),
        encoding: args.values.encoding as WireEncoding,
        model: "pretrained",
        modelsDir: "resources/models",
        reasonCodes: Number(args.values["reason-codes"]),
        emitScores: args.values.scores,
        replicationFactor: undefined,
        signal: new AbortController().signal,
      };
      const cpu = process.cpuUsage();
      let phase;
      let accounting;
      let paced;
      if (cell === "producer") {
        const result = await producerCell(setup, data, { rows, warmup, producers: 1 });
        ({ producer: phase, accounting } = result);
      } else if (cell === "consumer") {
        const result = await consumerCell(setup, data, { warmup, backlog: rows });
        ({ consumer: phase, accounting } = result);
      } else {
        const result = await pipelineCell(setup, data, {
          warmup,
          burst: rows,
          paced: pacedRows > 0 ? { rows: pacedRows, rate } : undefined,
        });
        ({ burst: phase, accounting, paced } = result);
      }
      const used = process.cpuUsage(cpu);
      await kafka?.deleteTopicsAndGroups({
        topics: cellTopics(topic),
        groups: [cellGroupId(topic)],
      })
        .catch(() => {});
      throughputs.push(phase.throughput);
      console.log(JSON.stringify({
        cell,
        transport: kafka ? "kafka" : "embedded",
        encoding: setup.encoding,
        partitions: setup.partitions,
        workers: setup.workers,
        throughput: phase.throughput,
        phase_cpu_us_per_row: phase.cpu_us_per_row,
        // Of which each thread's part: main, each worker, V8's helpers, the rest (Linux).
        ...(phase.cpu_us_per_row_by_thread
          ? { phase_cpu_us_per_row_by_thread: phase.cpu_us_per_row_by_thread }
          : {}),
        ...(paced
          ? {
            paced_rate: rate,
            paced_p50_ms: paced.latency_ms.p50,
            paced_p99_ms: paced.latency_ms.p99,
            // From a record's timestamp in the log to its batch's commit: the consumer's part.
            paced_log_p50_ms: paced.log_latency_ms.p50,
            paced_log_p99_ms: paced.log_latency_ms.p99,
          }
          : {}),
        // The whole run's CPU (warm-up, start and stop included) over the measured rows.
        cpu_us_per_row: Math.round(((used.user + used.system) / rows) * 10) / 10,
        load_average: Math.round(Deno.loadavg()[0] * 10) / 10,
        lost: accounting.lost,
        duplicates: accounting.duplicates,
      }));
    }
    console.log(JSON.stringify({ median_throughput: median(throughputs) }));
  } finally {
    await kafka?.close();
  }
}
