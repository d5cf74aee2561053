import assert from "node:assert/strict";
import { benchData } from "../../../../actors/tools/bench/data.ts";
import { chunkIds, encodeChunk } from "../../../../actors/pipeline/producer/chunks.ts";
import { parseTransactionLine } from "../../../../model/row_validator.ts";
import { seededRandom } from "../../../../actors/lib/random.ts";
import { CATEGORIES, type Category, COLUMNS, type Transaction } from "../../../../model/schema.ts";
import { BAD_VALUES, lineWith, VALID_ROWS } from "../../../fixtures/row_values.ts";
import { csvLine, SAMPLE } from "../../../fixtures/transactions.ts";

Deno.test("a producer line with a wrong value is refused with the reason", () => {
  for (const { field, text, reason } of BAD_VALUES) {
    const parsed = parseTransactionLine(lineWith(field, text));
    assert.ok("reason" in parsed, `${field} '${text}' was accepted`);
    assert.match(parsed.reason, reason, `${field} '${text}'`);
  }
});

Deno.test("valid edge cases and Sparkov's local-time rows are read exactly", () => {
  for (const { name, row } of VALID_ROWS) {
    assert.deepStrictEqual(parseTransactionLine(csvLine(row)), row, name);
    assert.deepStrictEqual(parseTransactionLine(csvLine(row) + "\r"), row, `${name}, CR LF`);
  }
});

Deno.test("bad values of a chunk go to the dead letters with their line; the rest are encoded", () => {
  const lines = [
    ...BAD_VALUES.map(({ field, text }) => lineWith(field, text)),
    ...VALID_ROWS.map(({ row }, i) =>
      csvLine({ ...row, trans_num: i.toString(16).padStart(32, "0") })
    ),
  ];
  const bytes = new TextEncoder().encode(lines.join("\n") + "\n");
  const encoded = encodeChunk(
    { first: 2, bytes, count: lines.length, last: true, end: bytes.length },
    { file: "f.csv", topic: "t", encoding: "json", partitions: 1, ids: true },
  );
  assert.deepEqual(encoded.bad.map((b) => b.line), BAD_VALUES.map((_, i) => i + 2));
  encoded.bad.forEach((b, i) => assert.match(b.reason, BAD_VALUES[i].reason));
  assert.equal(encoded.rows, VALID_ROWS.length);
  assert.deepEqual(chunkIds(encoded), VALID_ROWS.map((_, i) => i.toString(16).padStart(32, "0")));
});

/** Lines near the usual form: one character replaced, inserted or removed somewhere. */
function mutations(line: string, count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const alphabet = "0123456789abcdefABCDEF|.-:\r eE+x,MF ";
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = Math.floor(random() * line.length);
    const char = alphabet[Math.floor(random() * alphabet.length)];
    const kind = Math.floor(random() * 3);
    out.push(
      kind === 0
        ? line.slice(0, at) + char + line.slice(at + 1)
        : kind === 1
        ? line.slice(0, at) + char + line.slice(at)
        : line.slice(0, at) + line.slice(at + 1),
    );
  }
  return out;
}

/**
 * The validator's rules written a second, plain way (split, regular expressions, `Date`), to check
 * the one-pass validator against: the transaction, or undefined for a line it must refuse.
 */
function oracle(line: string): Transaction | undefined {
  const f = (line.endsWith("\r") ? line.slice(0, -1) : line).split("|");
  if (f.length !== COLUMNS.length) return undefined;
  const plain = (text: string, signed: boolean) =>
    (signed ? /^-?\d+(\.\d+)?$/ : /^\d+(\.\d+)?$/).test(text) ? Number(text) : Number.NaN;
  const whole = (text: string) => /^\d+$/.test(text) ? Number(text) : Number.NaN;
  const day = (text: string) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
    if (!m || m[1] === "0000") return Number.NaN;
    const date = new Date(0);
    date.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
    return date.toISOString().slice(0, 10) === text ? date.getTime() / 1000 : Number.NaN;
  };
  const time = (text: string) => {
    const m = /^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$/.exec(text);
    return m ? Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) : Number.NaN;
  };
  const [lat, long, merchLat, merchLong] = [9, 10, 24, 25].map((i) => plain(f[i], true));
  const cityPop = whole(f[11]);
  const unix = whole(f[19]);
  const amt = plain(f[21], false);
  const event = day(f[17]) + time(f[18]);
  const valid = /^[1-9]\d{11,18}$/.test(f[1]) && (f[4] === "M" || f[4] === "F") &&
    Math.abs(lat) <= 90 && Math.abs(long) <= 180 && cityPop <= 100_000_000 &&
    !Number.isNaN(day(f[13])) && /^[0-9a-f]{32}$/.test(f[16]) &&
    Math.abs(unix - event) <= 14 * 3600 &&
    CATEGORIES.includes(f[20] as Category) && amt > 0 && amt <= 1_000_000 &&
    (f[22] === "0" || f[22] === "1") && Math.abs(merchLat) <= 90 && Math.abs(merchLong) <= 180;
  if (!valid) return undefined;
  return {
    ssn: f[0],
    cc_num: f[1],
    first: f[2],
    last: f[3],
    gender: f[4] as "M" | "F",
    street: f[5],
    city: f[6],
    state: f[7],
    zip: f[8],
    lat,
    long,
    city_pop: cityPop,
    job: f[12],
    dob: f[13],
    acct_num: f[14],
    profile: f[15],
    trans_num: f[16],
    trans_date: f[17],
    trans_time: f[18],
    unix_time: unix,
    category: f[20] as Category,
    amt,
    is_fraud: f[22] === "1" ? 1 : 0,
    merchant: f[23],
    merch_lat: merchLat,
    merch_long: merchLong,
  };
}

Deno.test("the one-pass validator agrees with the rules written plainly, for generated and damaged lines", async () => {
  const lines = (await benchData({ rows: 2000, seed: 7 })).strings();
  const odd = [
    csvLine(SAMPLE).replace("|4.97|", "|4.970|"),
    csvLine(SAMPLE).replace("|4.97|", "|1e2|"),
    csvLine(SAMPLE).replace("|4.97|", "|-0|"),
    csvLine(SAMPLE).replace("|4.97|", "|0.1234567890123456789|"),
    csvLine(SAMPLE).replace("|4.97|", "|123456789012.3456789|"),
    csvLine(SAMPLE).replace("|3495|", "|003495|"),
    csvLine(SAMPLE).replace("|36.0788|", "|-0.0|"),
    csvLine(SAMPLE).replace("|36.0788|", "|90.0000001|"),
    csvLine(SAMPLE) + "\r",
    csvLine(SAMPLE) + "|",
    "",
    "|".repeat(25),
  ];
  const cases = [
    ...lines,
    ...odd,
    ...lines.slice(0, 200).flatMap((line, i) => mutations(line, 20, i)),
  ];
  let valid = 0;
  for (const line of cases) {
    const parsed = parseTransactionLine(line);
    const expected = oracle(line);
    if (expected) {
      assert.deepStrictEqual(parsed, expected, line);
      valid++;
    } else assert.ok("reason" in parsed, `accepted: ${line}`);
  }
  for (const line of lines) assert.ok(oracle(line), `a generated line is valid: ${line}`);
  assert.ok(valid > lines.length, "most lines are valid transactions");
});

Deno.test("a chunk encoded without asking for its ids carries none, and chunkIds says so", () => {
  const line = csvLine({ ...VALID_ROWS[0].row, trans_num: "0".repeat(32) });
  const bytes = new TextEncoder().encode(line + "\n");
  const encoded = encodeChunk(
    { first: 2, bytes, count: 1, last: true, end: bytes.length },
    { file: "f.csv", topic: "t", encoding: "arrow", partitions: 1 },
  );
  assert.equal(encoded.rows, 1);
  assert.equal(encoded.ids, undefined);
  assert.throws(() => chunkIds(encoded), /without its ids/);
});
