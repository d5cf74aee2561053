/**
 * Same seed and settings, same bytes: twice in a row, and with one worker or two. A different seed
 * gives different data. A transaction id names one transaction: data of other dates, of the other
 * fidelity, or a stream started at another time holds other ids.
 */

import assert from "node:assert/strict";
import { type Fidelity, generateStream } from "../../../../actors/pipeline/generator/mod.ts";
import { COLUMNS, CSV_SEPARATOR } from "../../../../model/schema.ts";
import { assertSameFiles, folderBytes, generateSmallSet as run, tempDir } from "./helpers.ts";

for (const fidelity of ["sparkov", "independent"] as const) {
  Deno.test(`${fidelity}: the same seed gives the same bytes, whatever the number of workers`, async () => {
    const first = await run({ seed: 11, workers: 2, fidelity });
    const again = await run({ seed: 11, workers: 2, fidelity });
    const oneWorker = await run({ seed: 11, workers: 1, fidelity });
    assert.ok(first.report.rows > 5000, `${first.report.rows} rows`);
    assertSameFiles(first.files, again.files, "same seed twice");
    assertSameFiles(first.files, oneWorker.files, "1 worker vs 2");
    assert.equal(oneWorker.report.rows, first.report.rows);
    assert.equal(oneWorker.report.bytes, first.report.bytes);

    const other = await run({ seed: 12, workers: 2, fidelity });
    const differing = [...first.files].filter(([name, bytes]) => {
      const theirs = other.files.get(name);
      return !theirs || theirs.length !== bytes.length ||
        theirs.some((byte, i) => byte !== bytes[i]);
    });
    assert.ok(differing.length > first.files.size / 2, "another seed gives other data");
  });
}

/** The `trans_num` of every row of the transaction files among `files`. */
function idsOf(files: Map<string, Uint8Array>): string[] {
  const column = COLUMNS.indexOf("trans_num");
  const ids: string[] = [];
  for (const [name, bytes] of files) {
    if (!name.endsWith(".csv") || name === "customers.csv") continue;
    const lines = new TextDecoder().decode(bytes).trimEnd().split("\n").slice(1);
    for (const line of lines) ids.push(line.split(CSV_SEPARATOR)[column]);
  }
  return ids;
}

function assertNoCommonIds(a: string[], b: string[], what: string) {
  assert.ok(a.length > 1000 && b.length > 1000, `${what}: ${a.length} and ${b.length} rows`);
  const first = new Set(a);
  assert.equal(first.size, a.length, `${what}: ids unique within one set`);
  const common = b.filter((id) => first.has(id)).length;
  assert.equal(common, 0, `${what}: ${common} ids of other transactions repeated`);
}

Deno.test("the same seed on other dates or the other fidelity gives other transaction ids", async () => {
  const generate = async (options: { start?: string; end?: string; fidelity: Fidelity }) =>
    idsOf((await run({ ...options, seed: 11, workers: 2 })).files);
  const base = await generate({ fidelity: "sparkov" });
  const later = await generate({ start: "2023-03-01", end: "2023-04-30", fidelity: "sparkov" });
  assertNoCommonIds(base, later, "the next two months");
  const other = await generate({ fidelity: "independent" });
  assertNoCommonIds(base, other, "the other fidelity");
});

Deno.test("streams of the same seed started at other times give other transaction ids", async () => {
  const stream = async (start: string) => {
    const dir = await tempDir();
    try {
      await generateStream({
        customers: 300,
        outDir: dir.path,
        speed: 30 * 86_400,
        batchMs: 100,
        durationMs: 600,
        startTime: new Date(start),
        seed: 4,
      });
      return idsOf(await folderBytes(dir.path));
    } finally {
      await dir.cleanup();
    }
  };
  const first = await stream("2024-03-01T00:00:00Z");
  // Seconds apart, as two runs of `run` are: the rows differ, and so must their ids.
  assertNoCommonIds(first, await stream("2024-03-01T00:00:09Z"), "a stream 9 s later");
});
