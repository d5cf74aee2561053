/**
 * The column path's speed on one core, beside the path of objects it replaces, over the same
 * generated lines (event-time order, many cards):
 *
 * - parse + validate: a `CsvChunkReader` reading chunks of 5,000 lines into columns, against
 *   decoding each chunk, splitting it into lines and `parseTransactionLine` of each (the
 *   producer's path until it switches);
 * - features: `CardTable.encode` of the chunks' columns, against `CardStates.encode` of their rows
 *   as objects (each pass from empty states, so both create every card once).
 *
 * `deno bench -A tests/model/columns_bench.ts`: `deno bench`'s own timing of each.
 *
 * `deno run -A tests/model/columns_bench.ts [--customers N] [--days D] [--repeat R]`: µs of CPU
 * per row (the process's CPU time, so other load on the machine counts less than in wall time),
 * the two paths of each pair alternating pass by pass, medians of R passes (default 9) and their
 * ratio.
 *
 * @module
 */

import { benchArgs } from "../fixtures/bench_args.ts";
import { cpuUsage } from "node:process";
import { CardStates } from "../../model/card_states.ts";
import { CardTable } from "../../model/card_table.ts";
import { CsvChunkReader, parseCsvChunk } from "../../model/csv_chunk.ts";
import { DEFAULT_ENCODER, FEATURE_COUNT } from "../../model/features.ts";
import { parseTransactionLine } from "../../model/row_validator.ts";
import type { Transaction } from "../../model/schema.ts";
import { median } from "../../actors/tools/bench/summary.ts";
import { generatedLines } from "../fixtures/generated_lines.ts";

const decoder = new TextDecoder();
/** Lines per chunk, as the producer reads them by default. */
const CHUNK_LINES = 5000;

/** The ways each step is done over all chunks: the column path first, the objects' second. */
function paths(lines: string[]) {
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < lines.length; at += CHUNK_LINES) {
    chunks.push(encoder.encode(lines.slice(at, at + CHUNK_LINES).join("\n")));
  }
  const columns = chunks.map((chunk) => parseCsvChunk(chunk).columns);
  const objects = chunks.map((chunk) =>
    decoder.decode(chunk).split("\n").map((line) => parseTransactionLine(line) as Transaction)
  );
  const features = new Float32Array(CHUNK_LINES * FEATURE_COUNT);
  const reader = new CsvChunkReader();
  return {
    rows: lines.length,
    bytes: chunks.reduce((sum, chunk) => sum + chunk.length, 0),
    parse: [
      () => {
        for (const chunk of chunks) reader.read(chunk);
      },
      () => {
        for (const chunk of chunks) {
          for (const line of decoder.decode(chunk).split("\n")) parseTransactionLine(line);
        }
      },
    ],
    features: [
      () => {
        const table = new CardTable(DEFAULT_ENCODER);
        for (const batch of columns) table.encode(batch, features);
      },
      () => {
        const states = new CardStates(DEFAULT_ENCODER);
        for (const batch of objects) states.encode(batch);
      },
    ],
  };
}

/** CPU time of `fn` in µs (the process's user and system time: other processes do not count). */
function cpuMicros(fn: () => void): number {
  const before = cpuUsage();
  fn();
  const used = cpuUsage(before);
  return used.user + used.system;
}

if (import.meta.main) {
  const args = benchArgs(import.meta, {
    customers: { type: "string", default: "400" },
    days: { type: "string", default: "60" },
    repeat: { type: "string", default: "9" },
  });
  const lines = await generatedLines({
    customers: Number(args.values.customers),
    days: Number(args.values.days),
    seed: 17,
  });
  const bench = paths(lines);
  console.log(
    `${bench.rows} rows, ${
      (bench.bytes / bench.rows).toFixed(0)
    } bytes a line, chunks of ${CHUNK_LINES}; one core; load average ${Deno.loadavg().join(" ")}`,
  );
  console.log("| step | columns µs/row (passes) | objects µs/row (passes) | objects / columns |");
  console.log("| --- | --- | --- | --- |");
  for (const step of ["parse", "features"] as const) {
    const times: [number[], number[]] = [[], []];
    for (const fn of bench[step]) fn(); // warm up
    for (let r = 0; r < Number(args.values.repeat); r++) {
      for (let k = 0; k < 2; k++) times[k].push(cpuMicros(bench[step][k]) / bench.rows);
    }
    const [columns, objects] = times.map(median);
    const list = (t: number[]) => t.map((v) => v.toFixed(3)).join(", ");
    console.log(
      `| ${step} | ${columns.toFixed(3)} (${list(times[0])}) | ${objects.toFixed(3)} (${
        list(times[1])
      }) | ${(objects / columns).toFixed(2)} |`,
    );
  }
} else {
  const bench = paths(await generatedLines({ customers: 100, days: 60, seed: 17 }));
  for (const step of ["parse", "features"] as const) {
    const [columns, objects] = bench[step];
    Deno.bench({ name: `${step}: columns`, group: step, baseline: true, fn: columns });
    Deno.bench({ name: `${step}: objects`, group: step, fn: objects });
  }
}
