/**
 * Same seed and settings, same bytes: twice in a row, and with one worker or two. A different seed
 * gives different data.
 */

import assert from "node:assert/strict";
import { assertSameFiles, generateSmallSet as run } from "./helpers.ts";

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
