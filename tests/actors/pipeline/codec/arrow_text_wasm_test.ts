import assert from "node:assert/strict";
import { TextGather } from "../../../../actors/pipeline/codec/arrow_text_wasm.ts";
import {
  encodeArrowColumns,
  planArrowMessage,
  writeArrowMessage,
} from "../../../../actors/pipeline/codec/arrow_writer.ts";
import { type TransactionColumns, transactionsToColumns } from "../../../../model/columns.ts";
import { parseCsvChunk } from "../../../../model/csv_chunk.ts";
import type { Transaction } from "../../../../model/schema.ts";
import { generatedTransactions } from "../../../fixtures/generated_data.ts";
import { csvLine } from "../../../fixtures/transactions.ts";

/** Generated rows, some with non-ASCII, long, short and empty text. */
const ROWS: Transaction[] = await (async () => {
  const rows = await generatedTransactions(6, 23);
  return rows.slice(0, 1500).map((row, i) => {
    if (i % 7 === 0) return { ...row, city: ["Zürich", "São Paulo", "東京", "Kraków 🚲"][i % 4] };
    if (i % 7 === 1) return { ...row, job: "Engineer, ".repeat(1 + (i % 9)) };
    if (i % 7 === 2) return { ...row, first: "abcdefg".slice(0, i % 5), street: "" };
    return row;
  });
})();

/** `rows` of `columns` as one message, the text gathered by `gather` after loading them. */
function gathered(gather: TextGather, columns: TransactionColumns, rows?: Int32Array): Uint8Array {
  const plan = planArrowMessage(columns, rows);
  const out = new Uint8Array(plan.byteLength);
  assert.ok(gather.load(columns), "the columns load");
  writeArrowMessage(out, plan, columns, rows, gather);
  return out;
}

/** The rows as a parsed CSV chunk: every text column ranges into the chunk's bytes. */
function chunkColumns(rows: readonly Transaction[], lastBreak: boolean): TransactionColumns {
  const text = rows.map(csvLine).join("\n") + (lastBreak ? "\n" : "");
  const parsed = parseCsvChunk(new TextEncoder().encode(text));
  assert.equal(parsed.bad.length, 0, parsed.bad[0]?.reason);
  return parsed.columns;
}

/** `actual` is `expected` byte for byte (a short message at the first difference). */
function assertSameBytes(actual: Uint8Array, expected: Uint8Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  const at = actual.findIndex((byte, i) => byte !== expected[i]);
  assert.equal(at, -1, `${what}: byte ${at} is ${actual[at]}, not ${expected[at]}`);
}

const gather = TextGather.create();

Deno.test({
  name: "text gathered in WebAssembly makes the same messages as JavaScript's copy",
  ignore: gather === undefined,
  fn() {
    const g = gather!;
    for (const lastBreak of [true, false]) {
      // Largest first, then smaller, so the memory holds an earlier chunk's bytes past the end.
      for (const size of [ROWS.length, 200, 17, 1]) {
        const columns = chunkColumns(ROWS.slice(0, size), lastBreak);
        assertSameBytes(
          gathered(g, columns),
          encodeArrowColumns(columns),
          `${size} rows in order`,
        );
        // Every row once, out of order, the last (its last text at the chunk's end) first.
        const picks = Int32Array.from({ length: size }, (_, k) => (k * 7919 + size - 1) % size);
        for (const count of [0, 1, 2, 3, size >> 1, size]) {
          const some = picks.subarray(0, count);
          assertSameBytes(
            gathered(g, columns, some),
            encodeArrowColumns(columns, some),
            `${count} of ${size} rows picked, last line ${lastBreak ? "with" : "without"} a break`,
          );
        }
      }
    }
  },
});

Deno.test({
  name: "a chunk's messages written back to back each gather their own rows",
  ignore: gather === undefined,
  fn() {
    const g = gather!;
    const columns = chunkColumns(ROWS, true);
    const parts = [0, 1, 2].map((p) =>
      Int32Array.from({ length: columns.length }, (_, i) => i).filter((i) => i % 3 === p)
    );
    const plans = parts.map((rows) => planArrowMessage(columns, rows));
    const out = new Uint8Array(plans.reduce((sum, plan) => sum + plan.byteLength, 0));
    assert.ok(g.load(columns));
    let at = 0;
    parts.forEach((rows, p) => {
      writeArrowMessage(out.subarray(at, at += plans[p].byteLength), plans[p], columns, rows, g);
    });
    assertSameBytes(
      out,
      new Uint8Array(parts.flatMap((rows) => [...encodeArrowColumns(columns, rows)])),
      "three messages",
    );
  },
});

Deno.test({
  name: "columns whose text columns have buffers of their own are not loaded; rows are distinct",
  ignore: gather === undefined,
  fn() {
    const g = gather!;
    assert.equal(g.load(transactionsToColumns(ROWS.slice(0, 10))), false);
    g.load(chunkColumns(ROWS.slice(0, 3), true));
    assert.throws(() => g.selectRows(undefined, 4), RangeError);
    // A row twice would need more room than the column's text: refused, as is a row not loaded.
    assert.throws(() => g.selectRows(Int32Array.of(2, 0, 2), 3), RangeError);
    assert.throws(() => g.selectRows(Int32Array.of(0, 3), 2), RangeError);
    assert.throws(() => g.selectRows(Int32Array.of(-1), 1), RangeError);
    g.selectRows(Int32Array.of(2, 0, 1), 3);
  },
});
