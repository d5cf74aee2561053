/**
 * CPU time per transaction of each stage of the pipeline, one after the other on one thread, on
 * the same generated rows: parsing and encoding a chunk (the encoder worker), the id ledger,
 * decoding a fetched batch into columns, features and the card-state delta records (the partition
 * actor), and the forest (a scoring worker). Where a transaction's time goes, without the threads
 * and the log.
 *
 * `deno run -A tests/actors/pipeline/run/stage_bench.ts [--rows N] [--repeat R] [--model DIR]`: one
 * line of JSON per encoding with the median µs per transaction of each stage over R passes.
 *
 * @module
 */

import { benchArgs } from "../../../fixtures/bench_args.ts";
import { benchData } from "../../../../actors/tools/bench/data.ts";
import { decodeColumnBatch } from "../../../../actors/pipeline/codec/column_batch.ts";
import { cardsPerStateRecord } from "../../../../actors/pipeline/consumer/model_scoring.ts";
import { IdLedger } from "../../../../actors/observe/metrics/id_ledger.ts";
import {
  chunkIds,
  encodeChunk,
  unpackRecords,
} from "../../../../actors/pipeline/producer/chunks.ts";
import type { LineChunk } from "../../../../actors/pipeline/producer/lines.ts";
import { columnEncoderFor } from "../../../../model/row_encoder.ts";
import { loadModel } from "../../../../model/model_file.ts";
import { textAt, type TransactionColumns } from "../../../../model/columns.ts";
import { concatColumns } from "../../../../model/column_rows.ts";
import { median } from "../../../../actors/tools/bench/summary.ts";

const CHUNK_ROWS = 5000;
/** Rows per fetched batch and per scoring call, about what a partition actor sees. */
const BATCH_ROWS = 1000;

if (import.meta.main) {
  const args = benchArgs(import.meta, {
    rows: { type: "string", default: "200000" },
    repeat: { type: "string", default: "5" },
    model: { type: "string", default: "resources/models/pretrained" },
  });
  const rows = Number(args.values.rows);
  const lines = (await benchData({ rows, seed: 42 })).strings();
  const text = new TextEncoder();
  const chunks: LineChunk[] = [];
  let end = 0;
  for (let start = 0; start < rows; start += CHUNK_ROWS) {
    const slice = lines.slice(start, start + CHUNK_ROWS);
    const bytes = text.encode(slice.join("\n") + "\n");
    chunks.push({
      first: start + 2,
      bytes,
      count: slice.length,
      last: false,
      end: end += bytes.length,
    });
  }
  const model = await loadModel(args.values.model!);
  for (const encoding of ["json", "arrow"] as const) {
    const passes: Record<string, number>[] = [];
    for (let pass = 0; pass < Number(args.values.repeat); pass++) {
      const times: Record<string, number> = {};
      const time = <T>(stage: string, work: () => T): T => {
        const started = performance.now();
        const result = work();
        times[stage] = ((performance.now() - started) * 1000) / rows;
        return result;
      };
      const encoded = time(
        "parse_encode",
        () =>
          chunks.map((chunk) =>
            encodeChunk(chunk, {
              file: "bench.csv",
              topic: "transactions",
              partitions: 6,
              encoding,
              // The ids for the bench's ledger, gathered as a pipeline with `trackIds` does.
              ids: true,
            })
          ),
      );
      const ledger = new IdLedger();
      time("ledger_produced", () => {
        for (const chunk of encoded) for (const id of chunkIds(chunk)) ledger.produced(id);
      });
      const messages = encoded.flatMap((chunk) =>
        unpackRecords(chunk.records).map((record) => ({
          value: record.value,
          headers: record.headers ?? {},
        }))
      );
      const perBatch = encoding === "json" ? BATCH_ROWS : 1;
      const decoded = time("decode", () => {
        const out: TransactionColumns[] = [];
        for (let start = 0; start < messages.length; start += perBatch) {
          const parts = decodeColumnBatch(messages.slice(start, start + perBatch)).segments
            .map((segment) => segment.columns);
          out.push(parts.length === 1 ? parts[0] : concatColumns(parts));
        }
        return out;
      });
      const states = columnEncoderFor(model.manifest.encoder);
      const cardsPerRecord = cardsPerStateRecord(model.manifest.encoder.settings);
      const features = time("features_snapshots", () =>
        decoded.map((batch) => {
          const features = states.encode(batch);
          states.takeChanges(cardsPerRecord);
          return { features, rows: batch.length };
        }));
      time("forest", () => {
        for (const batch of features) model.score(batch.features, batch.rows);
      });
      time("ledger_scored", () => {
        for (const batch of decoded) {
          for (let i = 0; i < batch.length; i++) ledger.scored(textAt(batch, "trans_num", i));
        }
      });
      if (ledger.reconcile().lost !== 0) throw new Error("the ledger lost ids");
      passes.push(times);
    }
    const stages = Object.keys(passes[0]);
    const result: Record<string, unknown> = { encoding, rows };
    let total = 0;
    for (const stage of stages) {
      const value = median(passes.map((pass) => pass[stage]));
      result[`${stage}_us`] = Math.round(value * 100) / 100;
      total += value;
    }
    result.total_us = Math.round(total * 100) / 100;
    console.log(JSON.stringify(result));
  }
}
