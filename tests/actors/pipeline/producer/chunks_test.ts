import assert from "node:assert/strict";
import { tableFromIPC } from "apache-arrow";
import { benchData } from "../../../../actors/tools/bench/data.ts";
import { decodeArrowColumns } from "../../../../actors/pipeline/codec/arrow_reader.ts";
import { parseJsonTransaction } from "../../../../actors/pipeline/codec/transactions.ts";
import {
  chunkIds,
  type ChunkOptions,
  type DeadLetterRow,
  encodeChunk,
  transactionRecords,
  unpackRecords,
} from "../../../../actors/pipeline/producer/chunks.ts";
import { readLines } from "../../../../actors/pipeline/producer/lines.ts";
import { parseTransactionLine } from "../../../../model/row_validator.ts";
import { partitionForKey } from "../../../../actors/log/partitioner.ts";
import type { OutgoingRecord } from "../../../../actors/log/types.ts";
import { transactionAt } from "../../../../model/columns.ts";
import { HEADER, type Transaction } from "../../../../model/schema.ts";
import { BAD_VALUES, lineWith } from "../../../fixtures/row_values.ts";

const PARTITIONS = 6;
const MAX_LINE_BYTES = 2000;
const encoder = new TextEncoder();

let file: Promise<string[]> | undefined;

/**
 * A file of generated rows among what a producer meets: its header, bad values, blank lines, a
 * CR LF line, a line over the limit, a line of too few fields (made once).
 */
function mixedFile(): Promise<string[]> {
  return file ??= makeMixedFile();
}

async function makeMixedFile(): Promise<string[]> {
  // Every third row of 8,000: rows of some 50 cards, so that every partition has some.
  const lines = (await benchData({ rows: 8000, seed: 15 })).strings();
  const out = [HEADER, ...lines.filter((_, i) => i % 3 === 0)];
  BAD_VALUES.forEach(({ field, text }, i) => out.splice(40 + 37 * i, 0, lineWith(field, text)));
  out.splice(700, 0, "", "   ");
  out[900] += "\r";
  out.splice(1200, 0, "x".repeat(3 * MAX_LINE_BYTES));
  out.splice(1201, 0, "not|a|row");
  return out;
}

/** What the producer publishes for `lines`, parsed line by line as before columns. */
function lineByLine(lines: string[]): { rows: Transaction[]; bad: [number, string][] } {
  const rows: Transaction[] = [];
  const bad: [number, string][] = [];
  lines.forEach((line, index) => {
    const number = index + 1;
    if (encoder.encode(line.replace(/\r$/, "")).length > MAX_LINE_BYTES) {
      bad.push([number, `line of ${line.length} bytes is over the line limit of 2000 bytes`]);
      return;
    }
    if ((number === 1 && line.replace(/\r$/, "") === HEADER) || line.trim() === "") return;
    const parsed = parseTransactionLine(line);
    if ("reason" in parsed) bad.push([number, parsed.reason]);
    else rows.push(parsed);
  });
  return { rows, bad };
}

/** The file `lines` read in chunks of `chunkLines` and encoded chunk by chunk. */
async function encodedFile(
  lines: string[],
  options: Pick<ChunkOptions, "encoding" | "maxArrowRows"> & { chunkLines: number },
) {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/f.csv`, lines.join("\n") + "\n");
    const records: OutgoingRecord[] = [];
    const bad: DeadLetterRow[] = [];
    const ids: string[] = [];
    let rows = 0;
    const chunks = readLines(`${dir}/f.csv`, {
      chunkLines: options.chunkLines,
      maxLineBytes: MAX_LINE_BYTES,
    });
    for await (const chunk of chunks) {
      const encoded = encodeChunk(chunk, {
        ...options,
        file: "f.csv",
        topic: "transactions",
        partitions: PARTITIONS,
        maxLineBytes: MAX_LINE_BYTES,
        ids: true,
      });
      records.push(...unpackRecords(encoded.records));
      bad.push(...encoded.bad);
      ids.push(...chunkIds(encoded));
      rows += encoded.rows;
    }
    return { records, bad, ids, rows };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The dead letters match the line-by-line reading: line numbers, reasons, the lines' bytes. */
function assertDeadLetters(
  bad: DeadLetterRow[],
  expected: [number, string][],
  lines: string[],
): void {
  assert.deepEqual(bad.map((row) => row.line), expected.map(([line]) => line));
  bad.forEach((row, i) => {
    assert.ok(row.reason.startsWith(expected[i][1]), `line ${row.line}: ${row.reason}`);
    const text = lines[row.line - 1].replace(/\r$/, "");
    assert.equal(row.raw.bytes, encoder.encode(text).length, `line ${row.line}'s length`);
    assert.deepEqual(row.raw.head, encoder.encode(text).subarray(0, 4096), `line ${row.line}`);
    assert.equal(row.raw.head.byteOffset, 0, "the head is a copy, not a view of the chunk");
  });
}

Deno.test("a chunk's Arrow messages hold exactly the rows of the line-by-line parse, each in its card's partition", async () => {
  const lines = await mixedFile();
  const expected = lineByLine(lines);
  assert.ok(expected.rows.length >= 2400 && expected.bad.length === BAD_VALUES.length + 2);
  const maxArrowRows = 60;
  const { records, bad, ids, rows } = await encodedFile(lines, {
    encoding: "arrow",
    maxArrowRows,
    chunkLines: 700,
  });
  assert.equal(rows, expected.rows.length);
  assert.deepEqual(ids, expected.rows.map((row) => row.trans_num), "the ids, in file order");
  assertDeadLetters(bad, expected.bad, lines);

  const byPartition: Transaction[][] = Array.from({ length: PARTITIONS }, () => []);
  for (const record of records) {
    const partition = record.partition!;
    assert.equal(record.key, null);
    assert.equal(record.headers?.encoding, "arrow");
    const columns = decodeArrowColumns(record.value);
    assert.equal(record.headers?.rows, String(columns.length));
    assert.ok(columns.length > 0 && columns.length <= maxArrowRows, `${columns.length} rows`);
    const table = tableFromIPC(record.value);
    assert.equal(table.numRows, columns.length, "apache-arrow reads the message");
    for (let i = 0; i < columns.length; i++) {
      const row = transactionAt(columns, i);
      assert.equal(partitionForKey(row.cc_num, PARTITIONS), partition, row.cc_num);
      assert.equal(table.getChild("trans_num")?.get(i), row.trans_num);
      byPartition[partition].push(row);
    }
  }
  for (let p = 0; p < PARTITIONS; p++) {
    const wanted = expected.rows.filter((row) => partitionForKey(row.cc_num, PARTITIONS) === p);
    assert.ok(wanted.length > 0, `partition ${p} has rows`);
    assert.deepStrictEqual(byPartition[p], wanted, `partition ${p}: its rows, in file order`);
  }
});

Deno.test("a partition's rows of a chunk over the message limit are split into messages of equal size", async () => {
  const lines = await mixedFile();
  const { records } = await encodedFile(lines, {
    encoding: "arrow",
    maxArrowRows: 100,
    chunkLines: 5000,
  });
  const sizes = new Map<number, number[]>();
  for (const record of records) {
    const list = sizes.get(record.partition!) ?? [];
    list.push(Number(record.headers?.rows));
    sizes.set(record.partition!, list);
  }
  assert.equal(sizes.size, PARTITIONS);
  for (const [partition, list] of sizes) {
    const total = list.reduce((sum, n) => sum + n, 0);
    assert.equal(list.length, Math.ceil(total / 100), `partition ${partition}: fewest messages`);
    assert.ok(Math.max(...list) - Math.min(...list) <= 1, `partition ${partition}: ${list}`);
  }
});

Deno.test("a chunk's JSON messages are its rows one by one, keyed by card, in file order", async () => {
  const lines = await mixedFile();
  const expected = lineByLine(lines);
  const { records, bad, ids } = await encodedFile(lines, { encoding: "json", chunkLines: 700 });
  assert.deepEqual(ids, expected.rows.map((row) => row.trans_num));
  assertDeadLetters(bad, expected.bad, lines);
  assert.equal(records.length, expected.rows.length);
  records.forEach((record, i) => {
    assert.equal(record.partition, undefined, "the log partitions by key");
    assert.equal(record.key, expected.rows[i].cc_num);
    assert.equal(record.headers?.encoding, "json");
    assert.deepStrictEqual(
      parseJsonTransaction(new TextDecoder().decode(record.value)),
      expected.rows[i],
    );
  });
});

Deno.test("transactions given as objects are encoded the way a chunk's are", async () => {
  const lines = await mixedFile();
  const { rows } = lineByLine(lines);
  const records = transactionRecords(rows.slice(0, 500), { encoding: "arrow", partitions: 3 });
  let count = 0;
  for (const record of records) {
    const columns = decodeArrowColumns(record.value);
    for (let i = 0; i < columns.length; i++) {
      assert.equal(partitionForKey(transactionAt(columns, i).cc_num, 3), record.partition);
    }
    count += columns.length;
  }
  assert.equal(count, 500);
  assert.equal(records.length, 3, "one message per partition");
});
