/**
 * Arrow message cost per row, the wire schema v2 written from columns and read as views, beside
 * today's `encodeArrow` (from transaction objects, through apache-arrow) and `decodeTransactions`
 * (to transaction objects), on generated transactions in messages of `--rows` rows. Each pass
 * runs every case over every message, the cases in turn, alternating their order from pass to
 * pass; the table shows the median over passes of µs per row, and the bytes per row.
 *
 * `deno run -A tests/actors/pipeline/codec/arrow_bench.ts [--customers N] [--rows R]
 * [--passes P]` (default 20 customers, about 33,000 rows; 900 rows a message; 7 passes).
 *
 * @module
 */

import { benchArgs } from "../../../fixtures/bench_args.ts";
import {
  decodeArrowColumns,
  readArrowColumns,
} from "../../../../actors/pipeline/codec/arrow_reader.ts";
import { encodeArrowColumns } from "../../../../actors/pipeline/codec/arrow_writer.ts";
import {
  decodeTransactions,
  encodeArrow,
  encodeJsonEach,
} from "../../../../actors/pipeline/codec/transactions.ts";
import { type TransactionColumns, transactionsToColumns } from "../../../../model/columns.ts";
import type { Transaction } from "../../../../model/schema.ts";
import { median } from "../../../../actors/tools/bench/summary.ts";
import { generatedTransactions } from "../../../fixtures/generated_data.ts";

const args = benchArgs(import.meta, {
  customers: { type: "string", default: "20" },
  rows: { type: "string", default: "900" },
  passes: { type: "string", default: "7" },
});
const messageRows = Number(args.values.rows);
const rows = await generatedTransactions(Number(args.values.customers), 31);
const messages: Transaction[][] = [];
for (let i = 0; i + messageRows <= rows.length; i += messageRows) {
  messages.push(rows.slice(i, i + messageRows));
}
const total = messages.length * messageRows;
// The producer's shape: one chunk's columns, each partition's rows picked out of it.
const PARTITIONS = 6;
const chunks: { columns: TransactionColumns; picks: Int32Array[] }[] = [];
for (let i = 0; i + PARTITIONS * messageRows <= rows.length; i += PARTITIONS * messageRows) {
  const columns = transactionsToColumns(rows.slice(i, i + PARTITIONS * messageRows));
  const picks = Array.from(
    { length: PARTITIONS },
    (_, p) => Int32Array.from({ length: messageRows }, (_, k) => k * PARTITIONS + p),
  );
  chunks.push({ columns, picks });
}
const columns = messages.map(transactionsToColumns);
const oldBodies = messages.map(encodeArrow);
const newBodies = columns.map((c) => encodeArrowColumns(c));

let sink = 0;
const cases: Record<string, { rows: number; run: () => void }> = {
  "encode: encodeArrow (objects, apache-arrow)": {
    rows: total,
    run: () => messages.forEach((m) => (sink += encodeArrow(m).length)),
  },
  "encode: encodeArrowColumns (all rows)": {
    rows: total,
    run: () => columns.forEach((c) => (sink += encodeArrowColumns(c).length)),
  },
  "encode: encodeArrowColumns (a partition's rows of a chunk)": {
    rows: chunks.length * PARTITIONS * messageRows,
    run: () =>
      chunks.forEach(({ columns, picks }) =>
        picks.forEach((p) => (sink += encodeArrowColumns(columns, p).length))
      ),
  },
  "decode: decodeTransactions (objects)": {
    rows: total,
    run: () => oldBodies.forEach((b) => (sink += decodeTransactions(b, "arrow").length)),
  },
  "decode: readArrowColumns (views, fast path, unchecked)": {
    rows: total,
    run: () => newBodies.forEach((b) => (sink += readArrowColumns(b).length)),
  },
  "decode: decodeArrowColumns (views + checkColumns)": {
    rows: total,
    run: () => newBodies.forEach((b) => (sink += decodeArrowColumns(b).length)),
  },
  "decode: decodeArrowColumns (today's messages, general path)": {
    rows: total,
    run: () => oldBodies.forEach((b) => (sink += decodeArrowColumns(b).length)),
  },
};

const names = Object.keys(cases);
const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
const passes = Number(args.values.passes);
for (let pass = -1; pass < passes; pass++) {
  const order = pass % 2 === 0 ? names : [...names].reverse();
  for (const name of order) {
    const started = performance.now();
    cases[name].run();
    const micros = ((performance.now() - started) * 1000) / cases[name].rows;
    if (pass >= 0) times[name].push(micros); // pass -1 warms up
  }
}

console.log(`${total} rows in ${messages.length} messages of ${messageRows}; ${passes} passes`);
for (const name of names) {
  const all = times[name].map((t) => t.toFixed(3)).join(" ");
  console.log(`${name}: median ${median(times[name]).toFixed(3)} µs/row  [${all}]`);
}
const perRow = (bodies: Uint8Array[]) =>
  (bodies.reduce((sum, b) => sum + b.length, 0) / total).toFixed(1);
console.log(
  `bytes/row: encodeArrow ${perRow(oldBodies)}, encodeArrowColumns ${perRow(newBodies)}, ` +
    `JSON ${perRow(messages.flatMap((m) => encodeJsonEach(m)))}`,
);
if (sink === 0) console.log("(nothing encoded)");
