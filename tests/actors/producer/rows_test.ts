import assert from "node:assert/strict";
import { benchData } from "../../../actors/bench/data.ts";
import { parsePlainLine, parseTransactionLine } from "../../../actors/producer/rows.ts";
import { seededRandom } from "../../../actors/runtime/random.ts";
import { csvLine, SAMPLE } from "../../fixtures/transactions.ts";

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

Deno.test("the fast path parses exactly as the plain parser, for generated and damaged lines", async () => {
  const { lines } = await benchData({ rows: 2000, seed: 7 });
  const odd = [
    csvLine(SAMPLE).replace("|4.97|", "|4.970|"),
    csvLine(SAMPLE).replace("|4.97|", "|1e2|"),
    csvLine(SAMPLE).replace("|4.97|", "|-0|"),
    csvLine(SAMPLE).replace("|4.97|", "|.5|"),
    csvLine(SAMPLE).replace("|4.97|", "|5.|"),
    csvLine(SAMPLE).replace("|4.97|", "|0.1234567890123456789|"),
    csvLine(SAMPLE).replace("|3495|", "|003495|"),
    csvLine(SAMPLE).replace("|1672531218|", "|-1672531218|"),
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
  let fast = 0;
  for (const line of cases) {
    const plain = parsePlainLine(line);
    assert.deepStrictEqual(parseTransactionLine(line), plain, line);
    if (!("reason" in plain)) fast++;
  }
  assert.ok(fast > lines.length, "most lines are valid transactions");
});
