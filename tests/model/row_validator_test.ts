import assert from "node:assert/strict";
import { type TransactionColumns, transactionsToColumns } from "../../model/columns.ts";
import { parseCsvChunk } from "../../model/csv_chunk.ts";
import {
  checkColumns,
  cutLine,
  FIELD_COUNT,
  LineCuts,
  parseTransactionLine,
  rowProblem,
  transactionProblem,
} from "../../model/row_validator.ts";
import { CATEGORIES, type Transaction } from "../../model/schema.ts";
import { daysFromCivil } from "../../model/time.ts";
import { BAD_VALUES, lineWith, rowWith, VALID_ROWS } from "../fixtures/row_values.ts";
import { SAMPLE } from "../fixtures/transactions.ts";
import { seededRandom } from "../../actors/lib/random.ts";

const encoder = new TextEncoder();

Deno.test("a card number may not start with 0, in every entry point", () => {
  const card = "0263982640269299";
  const reason = /cc_num must be 12 to 19 digits, the first not 0/;
  const parsed = parseTransactionLine(lineWith("cc_num", card));
  assert.ok("reason" in parsed);
  assert.match(parsed.reason, reason);
  assert.match(transactionProblem({ ...SAMPLE, cc_num: card }) ?? "", reason);
  const chunk = parseCsvChunk(encoder.encode(lineWith("cc_num", card)));
  assert.match(chunk.bad[0]?.reason ?? "", reason);
  // The smallest and largest accepted numbers read exactly as 64-bit words.
  for (const digits of ["100000000000", "9999999999999999999", "18446744073709551"]) {
    const row = parseCsvChunk(encoder.encode(lineWith("cc_num", digits))).columns;
    const value = (BigInt(row.card[1]) << 32n) | BigInt(row.card[0]);
    assert.equal(value, BigInt(digits));
  }
});

Deno.test("a JSON row's values meet the same rules as its CSV line, with the same reasons", () => {
  for (const { field, text, typed, reason } of BAD_VALUES) {
    const line = parseTransactionLine(lineWith(field, text));
    assert.ok("reason" in line);
    if (typed === undefined) continue;
    const problem = transactionProblem(rowWith(field, typed));
    // Where the CSV text is not a plain decimal, the line fails on its form, the number on range.
    if (!line.reason.includes("plain decimal")) {
      assert.equal(problem, line.reason, `${field} ${typed}`);
    } else assert.match(problem ?? "", reason, `${field} ${typed}`);
  }
  for (const { name, row } of VALID_ROWS) assert.equal(transactionProblem(row), undefined, name);
  // Non-ASCII where ASCII is required: refused, and the category named as it was written.
  assert.match(transactionProblem({ ...SAMPLE, cc_num: "4263982640269２99" }) ?? "", /cc_num/);
  assert.equal(
    transactionProblem({ ...SAMPLE, category: "misc_nét" as Transaction["category"] }),
    "unknown category 'misc_nét'",
  );
  assert.match(transactionProblem({ ...SAMPLE, trans_num: "é".repeat(500) }) ?? "", /trans_num/);
});

/** Columns of `SAMPLE` once, changed by `change`. */
function sampleColumns(change: (columns: TransactionColumns) => void): TransactionColumns {
  const columns = transactionsToColumns([SAMPLE]);
  change(columns);
  return columns;
}

Deno.test("decoded columns are checked with the same rules, row by row", () => {
  const rows = VALID_ROWS.map(({ row }) => row);
  assert.deepEqual(checkColumns(transactionsToColumns(rows)), []);
  // The rules on numbers give the reasons a JSON row gets.
  const numeric = BAD_VALUES.filter((bad) => typeof bad.typed === "number");
  assert.ok(numeric.length > 15);
  const numericRows = numeric.map(({ field, typed }) => rowWith(field, typed!));
  const mixed = transactionsToColumns([SAMPLE, ...numericRows, SAMPLE]);
  assert.deepEqual(
    checkColumns(mixed),
    numericRows.map((row, i) => ({ row: i + 1, reason: transactionProblem(row) })),
  );
  // Values only columns can hold.
  const cases: [string, (c: TransactionColumns) => void, RegExp][] = [
    ["card below 12 digits", (c) => c.card.set([0xffffffff, 22]), /cc_num/],
    ["card of 20 digits", (c) => c.card.set([0x89e80000, 0x8ac72304]), /cc_num/],
    ["largest 64-bit card", (c) => c.card.set([0xffffffff, 0xffffffff]), /cc_num/],
    ["gender 2", (c) => c.gender[0] = 2, /gender/],
    ["dob before year 1", (c) => c.dob[0] = daysFromCivil(1, 1, 1) - 1, /dob/],
    ["trans_date after 9999", (c) => c.transDate[0] = daysFromCivil(10000, 1, 1), /trans_date/],
    ["trans_time of 24 h", (c) => c.transTime[0] = 86_400, /trans_time/],
    ["trans_time -1", (c) => c.transTime[0] = -1, /trans_time/],
    ["category 14", (c) => c.category[0] = CATEGORIES.length, /unknown category index 14/],
    ["is_fraud 2", (c) => c.isFraud[0] = 2, /is_fraud/],
    ["trans_num uppercase", (c) => c.text.trans_num.bytes[0] = 0x42, /trans_num/],
    ["amt NaN", (c) => c.amt[0] = Number.NaN, /amt/],
    ["city_pop Infinity", (c) => c.cityPop[0] = Infinity, /city_pop/],
    ["unix_time a day off", (c) => c.unixTime[0] += 86_400, /unix_time is 24 h away/],
  ];
  for (const [name, change, reason] of cases) {
    const problems = checkColumns(sampleColumns(change));
    assert.equal(problems.length, 1, name);
    assert.match(problems[0].reason, reason, name);
  }
  // The smallest and largest cards of 12 and 19 digits pass.
  for (const digits of ["100000000000", "9999999999999999999"]) {
    const value = BigInt(digits);
    const columns = sampleColumns((c) =>
      c.card.set([Number(value & 0xffffffffn), Number(value >> 32n)])
    );
    assert.equal(rowProblem(columns, 0), undefined, digits);
  }
});

/** `cutLine` as it reads: byte by byte. */
function cutLineBytewise(bytes: Uint8Array, start: number, limit: number) {
  const cuts = new Int32Array(FIELD_COUNT + 1);
  let found = 0;
  let i = start;
  cuts[0] = start - 1;
  for (; i < limit; i++) {
    if (bytes[i] === 0x7c) {
      if (found < FIELD_COUNT - 1) cuts[found + 1] = i;
      found++;
    } else if (bytes[i] === 0x0a) break;
  }
  cuts[FIELD_COUNT] = i > start && bytes[i - 1] === 0x0d ? i - 1 : i;
  return { cuts: [...cuts], fields: found + 1, next: i < limit ? i + 1 : limit };
}

Deno.test("cutLine, reading four bytes at a time, cuts as a byte-by-byte reading does", () => {
  const random = seededRandom(7);
  // Separators, line breaks, bytes one off from them and non-ASCII bytes, at every alignment.
  const alphabet = [0x7c, 0x0a, 0x0d, 0x7b, 0x7d, 0x09, 0x0b, 0x41, 0x30, 0x80, 0xfc, 0xff, 0x00];
  const cut = new LineCuts();
  for (let trial = 0; trial < 3000; trial++) {
    const bytes = new Uint8Array(1 + Math.floor(random() * 90));
    for (let i = 0; i < bytes.length; i++) {
      bytes[i] = random() < 0.6
        ? 0x61 + Math.floor(random() * 26)
        : alphabet[Math.floor(random() * alphabet.length)];
    }
    // Views that start anywhere in their buffer, so the four-byte reads are unaligned.
    const offset = Math.floor(random() * 4);
    const view = new Uint8Array(bytes.length + offset).subarray(offset);
    view.set(bytes);
    for (let start = 0; start < view.length; start += 1 + Math.floor(random() * 7)) {
      const limit = start + Math.floor(random() * (view.length - start + 1));
      cutLine(view, start, limit, cut);
      const expected = cutLineBytewise(view, start, limit);
      const where = `bytes ${[...view]} from ${start} to ${limit}`;
      assert.equal(cut.fields, expected.fields, where);
      assert.equal(cut.next, expected.next, where);
      assert.equal(cut.cuts[FIELD_COUNT], expected.cuts[FIELD_COUNT], where);
      for (let f = 1; f < Math.min(cut.fields, FIELD_COUNT); f++) {
        assert.equal(cut.cuts[f], expected.cuts[f], `${where}: separator ${f}`);
      }
    }
  }
});
