/**
 * Throughput of the whole embedded pipeline (batch files -> producer -> embedded log -> partition
 * actors -> committed scores) on a burst, and what it costs: process CPU time (every thread) per
 * transaction, which stays comparable when other work shares the machine, unlike wall time.
 *
 * `deno run -A tests/actors/pipeline/run/pipeline_bench.ts [--rows N] [--partitions P] [--workers W]
 * [--encoding json|arrow] [--repeat R]`: a 5000-row warm-up, then N rows (default 190,000)
 * written at once as 5000-row files; one line of JSON per run, every id accounted for.
 *
 * @module
 */

import { join } from "node:path";
import process from "node:process";
import { benchArgs } from "../../../fixtures/bench_args.ts";
import { benchData } from "../../../../actors/tools/bench/data.ts";
import type { WireEncoding } from "../../../../actors/pipeline/codec/wire_encoding.ts";
import { modelScoring } from "../../../../actors/pipeline/consumer/model_scoring.ts";
import { Pipeline } from "../../../../actors/pipeline/run/pipeline.ts";
import { EmbeddedTransport } from "../../../../actors/log/mod.ts";
import { topicSpecs } from "../../../../actors/pipeline/topics.ts";
import { HEADER } from "../../../../model/schema.ts";

const WARMUP = 5000;
const ROWS_PER_FILE = 5000;

/** Options of one measured run. */
interface RunOptions {
  lines: string[];
  rows: number;
  partitions: number;
  workers: number;
  encoding: WireEncoding;
}

/** One burst through a fresh pipeline; its throughput, CPU per row and accounting. */
async function run(options: RunOptions): Promise<Record<string, unknown>> {
  const { partitions, workers, encoding } = options;
  const transport = new EmbeddedTransport();
  const topic = "transactions";
  await transport.ensureTopics(topicSpecs({ topic, partitions, replicationFactor: undefined }));
  const input = await Deno.makeTempDir({ prefix: "fraudstream-pipeline-bench-" });
  const scoring = await modelScoring({
    model: "pretrained",
    modelsDir: "resources/models",
    workers,
  });
  const pipeline = await Pipeline.start({
    // Every id accounted for, to prove each transaction scored once.
    trackIds: true,
    transport,
    input,
    topic,
    partitions,
    encoding,
    groupId: "bench",
    producerId: "bench",
    emitScores: false,
    scoring,
  });
  let sequence = 0;
  const write = (from: number, to: number) => {
    for (let start = from; start < to; start += ROWS_PER_FILE) {
      const name = `b-${String(sequence++).padStart(9, "0")}.csv`;
      const lines = options.lines.slice(start, Math.min(to, start + ROWS_PER_FILE));
      Deno.writeTextFileSync(join(input, `.${name}`), `${HEADER}\n${lines.join("\n")}\n`);
      Deno.renameSync(join(input, `.${name}`), join(input, name));
    }
  };
  try {
    write(0, WARMUP);
    await pipeline.drain(input, { timeoutMs: 60_000 });
    const cpu = process.cpuUsage();
    const started = performance.now();
    write(WARMUP, WARMUP + options.rows);
    const drained = await pipeline.drain(input, { timeoutMs: 60_000 + options.rows });
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const r = pipeline.reconcile();
    return {
      encoding,
      partitions,
      workers,
      rows: options.rows,
      throughput: Math.round(options.rows / seconds),
      cpu_us_per_row: Math.round(((used.user + used.system) / options.rows) * 10) / 10,
      load_average: Math.round(Deno.loadavg()[0] * 10) / 10,
      drained,
      lost: r.lost,
      duplicates: r.duplicates,
    };
  } finally {
    await pipeline.stop();
    await Deno.remove(input, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const args = benchArgs(import.meta, {
    rows: { type: "string", default: "190000" },
    partitions: { type: "string", default: "6" },
    workers: { type: "string", default: "2" },
    encoding: { type: "string", default: "json" },
    repeat: { type: "string", default: "1" },
  });
  const rows = Number(args.values.rows);
  const lines = (await benchData({ rows: WARMUP + rows, seed: 42 })).strings();
  for (let i = 0; i < Number(args.values.repeat); i++) {
    const result = await run({
      lines,
      rows,
      partitions: Number(args.values.partitions),
      workers: Number(args.values.workers),
      encoding: args.values.encoding as WireEncoding,
    });
    console.log(JSON.stringify(result));
  }
}
