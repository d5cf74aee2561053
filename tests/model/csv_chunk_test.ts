import assert from "node:assert/strict";
import { textAt, transactionAt } from "../../model/columns.ts";
import { parseCsvChunk } from "../../model/csv_chunk.ts";
import { parseTransactionLine } from "../../model/row_validator.ts";
import { HEADER } from "../../model/schema.ts";
import { seededRandom } from "../../actors/lib/random.ts";
import { generatedLines } from "../fixtures/generated_lines.ts";
import { BAD_VALUES, lineWith, VALID_ROWS } from "../fixtures/row_values.ts";
import { csvLine, SAMPLE } from "../fixtures/transactions.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Lines near the usual form: one character replaced, inserted or removed somewhere. */
function mutations(line: string, count: number, seed: number): string[] {
  const random = seededRandom(seed);
  const alphabet = "0123456789abcdefABCDEF|.-:\r eE+x,MF é€";
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
 * Checks `parseCsvChunk` of `lines` joined by `breaks` (line `k` ends with `breaks[k]`) against
 * `parseTransactionLine` of each line: the same rows, the same reasons, the right line numbers.
 */
function assertChunkMatchesLines(lines: string[], breaks: string[], startsFile: boolean): void {
  const text = lines.map((line, k) => line + breaks[k]).join("");
  const bytes = encoder.encode(text);
  const chunk = parseCsvChunk(bytes, { startsFile });
  let row = 0;
  let bad = 0;
  lines.forEach((line, k) => {
    if (line.trim() === "" || (k === 0 && startsFile && line === HEADER)) return;
    // The line as the file has it: a CR before its line feed is part of it, as for the producer.
    const whole = breaks[k] === "\r\n" ? `${line}\r` : line;
    const expected = parseTransactionLine(whole);
    if ("reason" in expected) {
      const found = chunk.bad[bad++];
      assert.equal(found.line, k, `bad line ${k}: ${line}`);
      assert.equal(found.reason, expected.reason, line);
      const stripped = whole.endsWith("\r") ? whole.slice(0, -1) : whole;
      assert.equal(decoder.decode(bytes.subarray(found.start, found.end)), stripped);
    } else {
      assert.equal(chunk.line[row], k, `row ${row}`);
      assert.deepStrictEqual(transactionAt(chunk.columns, row), expected, line);
      const { start, end } = chunk.cardDigits;
      assert.equal(decoder.decode(bytes.subarray(start[row], end[row])), expected.cc_num);
      row++;
    }
  });
  assert.equal(chunk.columns.length, row);
  assert.equal(chunk.bad.length, bad);
  assert.equal(chunk.lines, lines.length);
}

Deno.test("a chunk reads every line as the line parser does: generated, damaged and odd lines", async () => {
  const generated = await generatedLines({ customers: 20, days: 30, seed: 11 });
  const odd = [
    csvLine(SAMPLE).replace("|4.97|", "|4.970|"),
    csvLine(SAMPLE).replace("|4.97|", "|1e2|"),
    csvLine(SAMPLE).replace("|4.97|", "|0.1234567890123456789|"),
    csvLine(SAMPLE).replace("|36.0788|", "|-0.0|"),
    csvLine(SAMPLE).replace("Jennifer", "Zoë Ærøskøbing 北京"),
    csvLine(SAMPLE).replace("misc_net", "misc_nét"),
    csvLine(SAMPLE) + "|",
    "",
    "   \t",
    "|".repeat(25),
    "|".repeat(40),
    HEADER,
  ];
  const lines = [
    HEADER,
    ...generated,
    ...odd,
    ...generated.slice(0, 150).flatMap((line, i) => mutations(line, 20, i)),
  ];
  assert.ok(generated.length > 1000, `${generated.length} generated lines`);
  const random = seededRandom(5);
  const breaks: string[] = lines.map(() => random() < 0.5 ? "\n" : "\r\n");
  assertChunkMatchesLines(lines, breaks, true);
  breaks[breaks.length - 1] = "";
  assertChunkMatchesLines(lines, breaks, true);
  assertChunkMatchesLines(lines.slice(1), breaks.slice(1), false);
});

Deno.test("the header is skipped only as the first line of a file's first chunk", () => {
  const line = csvLine(SAMPLE);
  const first = parseCsvChunk(encoder.encode(`${HEADER}\r\n${line}\n`), { startsFile: true });
  assert.deepEqual([first.columns.length, first.bad.length, first.line[0]], [1, 0, 1]);
  const later = parseCsvChunk(encoder.encode(`${HEADER}\n${line}`));
  assert.equal(later.columns.length, 1);
  assert.deepEqual(later.bad.map((b) => [b.line, b.reason]), [[0, later.bad[0].reason]]);
  assert.match(later.bad[0].reason, /cc_num/);
  const twice = parseCsvChunk(encoder.encode(`${HEADER}\n${HEADER}\n`), { startsFile: true });
  assert.deepEqual(twice.bad.map((b) => b.line), [1]);
});

Deno.test("a UTF-8 byte order mark before a file's first line is not part of it", () => {
  const line = csvLine(SAMPLE);
  const bom = "\ufeff";
  for (const text of [`${bom}${HEADER}\n${line}\n`, `${bom}${line}\n${line}\n`]) {
    const chunk = parseCsvChunk(encoder.encode(text), { startsFile: true });
    assert.deepEqual(chunk.bad, []);
    assert.equal(chunk.columns.length, text.includes(HEADER) ? 1 : 2);
  }
  const first = parseCsvChunk(encoder.encode(`${bom}${line}\n`), { startsFile: true });
  assert.equal(textAt(first.columns, "ssn", 0), SAMPLE.ssn);
});

Deno.test("empty chunks, blank lines and a last line without its break", () => {
  for (const text of ["", "\n", "\r\n", "\n\n  \n"]) {
    const chunk = parseCsvChunk(encoder.encode(text));
    assert.deepEqual([chunk.columns.length, chunk.bad.length], [0, 0], JSON.stringify(text));
  }
  const line = csvLine(SAMPLE);
  const chunk = parseCsvChunk(encoder.encode(`\n${line}\r\n\n${line}\r`));
  assert.deepEqual([...chunk.line], [1, 3]);
  assert.equal(chunk.lines, 4);
  assert.deepStrictEqual(transactionAt(chunk.columns, 1), SAMPLE);
});

Deno.test("text columns are ranges into the chunk's own bytes", () => {
  const rows = VALID_ROWS.map(({ row }) => row);
  const bytes = encoder.encode(rows.map(csvLine).join("\n"));
  const { columns } = parseCsvChunk(bytes);
  assert.equal(columns.length, rows.length);
  for (const column of Object.values(columns.text)) assert.equal(column.bytes, bytes);
  rows.forEach((row, i) =>
    assert.deepStrictEqual(transactionAt(columns, i), row, VALID_ROWS[i].name)
  );
});

Deno.test("every wrong value of the validator's table is refused in a chunk with its reason", () => {
  const lines = BAD_VALUES.map(({ field, text }) => lineWith(field, text));
  const chunk = parseCsvChunk(encoder.encode(lines.join("\n")));
  assert.equal(chunk.columns.length, 0);
  assert.deepEqual(chunk.bad.map((b) => b.line), lines.map((_, i) => i));
  chunk.bad.forEach((b, i) => assert.match(b.reason, BAD_VALUES[i].reason, lines[i]));
});
