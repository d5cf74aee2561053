/**
 * Peak memory does not grow with the data set: 10,000 customers write ten times the bytes of
 * 1,000, through the same bounded buffers (files are streamed to disk, never held whole).
 */

import assert from "node:assert/strict";

const ROOT = new URL("../../../../", import.meta.url);
const SCRIPT = new URL("./fixtures/peak_memory.ts", import.meta.url);

async function peakMemory(customers: number): Promise<{ peakRss: number; bytes: number }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", SCRIPT.pathname, String(customers), "2023-01-01", "2023-01-31"],
    cwd: ROOT.pathname,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 0, stderr);
  return JSON.parse(new TextDecoder().decode(output.stdout));
}

Deno.test("peak memory stays flat when the number of customers grows tenfold", async () => {
  const small = await peakMemory(1000);
  const large = await peakMemory(10_000);
  const growth = large.peakRss - small.peakRss;
  const extraData = large.bytes - small.bytes;
  assert.ok(extraData > 200e6, `the larger run writes ${extraData} more bytes`);
  assert.ok(
    growth < 80e6,
    `peak RSS grew by ${(growth / 1e6).toFixed(0)} MB (from ${
      (small.peakRss / 1e6).toFixed(0)
    } MB) ` +
      `for ${(extraData / 1e6).toFixed(0)} MB more data`,
  );
});
