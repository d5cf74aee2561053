import assert from "node:assert/strict";
import { FolderArrivals } from "../../../../actors/pipeline/producer/arrivals.ts";

/** How long `arrivals.wait(ms)` took, in ms, while `during` runs. */
async function waited(
  arrivals: FolderArrivals,
  ms: number,
  during: () => Promise<void> = async () => {},
): Promise<number> {
  const started = performance.now();
  await Promise.all([arrivals.wait(ms), during()]);
  return performance.now() - started;
}

Deno.test("a wait ends when a file is renamed in, not while it is written under a temporary name", async () => {
  const dir = await Deno.makeTempDir();
  const arrivals = new FolderArrivals(dir);
  try {
    assert.ok(arrivals.watching);
    // Written under names the producer skips: the wait lasts its whole time.
    const skipped = await waited(arrivals, 300, async () => {
      await Deno.writeTextFile(`${dir}/a.csv.tmp`, "x\n".repeat(10_000));
      await Deno.writeTextFile(`${dir}/.hidden.csv`, "x\n");
    });
    assert.ok(skipped >= 250, `woke after ${skipped.toFixed(0)} ms for a file still being written`);
    const renamed = await waited(arrivals, 10_000, async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await Deno.rename(`${dir}/a.csv.tmp`, `${dir}/a.csv`);
    });
    assert.ok(renamed < 5_000, `woke ${renamed.toFixed(0)} ms after a wait of 10 s began`);
  } finally {
    arrivals.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file that arrived between two waits ends the next wait at once", async () => {
  const dir = await Deno.makeTempDir();
  const arrivals = new FolderArrivals(dir);
  try {
    // One arrival (its writes are no arrivals), before the wait or while it has begun: the events
    // come through the watcher's own task.
    await Deno.writeTextFile(`${dir}/b.csv`, "x\n");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(await waited(arrivals, 10_000) < 5_000);
    // Once: the wait after it lasts its time again.
    assert.ok(await waited(arrivals, 200) >= 150);
  } finally {
    arrivals.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a folder that cannot be watched leaves plain waits; an aborted wait says so", async () => {
  const dir = await Deno.makeTempDir();
  const arrivals = new FolderArrivals(`${dir}/missing`);
  try {
    assert.equal(arrivals.watching, false);
    assert.ok(await waited(arrivals, 100) >= 90);
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 20);
    const started = performance.now();
    assert.equal(await arrivals.wait(10_000, stop.signal), false);
    assert.ok(performance.now() - started < 5_000);
  } finally {
    arrivals.close();
    await Deno.remove(dir, { recursive: true });
  }
});
