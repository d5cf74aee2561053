/**
 * How the generator shows its work: files appear under their name only when complete, and the
 * progress bar draws on a terminal only.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { AtomicFile } from "../../../../actors/lib/atomic_write.ts";
import { createProgressBar, progressLine } from "../../../../actors/lib/progress_bar.ts";
import { isIncomplete } from "../../../../actors/pipeline/producer/files.ts";
import { tempDir } from "./helpers.ts";

Deno.test("a file is written under a hidden temporary name and renamed when complete", async () => {
  const dir = await tempDir();
  try {
    const file = new AtomicFile(dir.path, "batch.csv");
    file.write(new TextEncoder().encode("half"));
    const names = () => [...Deno.readDirSync(dir.path)].map((e) => e.name);
    assert.deepEqual(names(), [".batch.csv.part"]);
    // The producer leaves such names alone while it watches the folder.
    assert.ok(isIncomplete(".batch.csv.part"));
    file.write(new TextEncoder().encode(" and the rest\n"));
    file.commit();
    assert.deepEqual(names(), ["batch.csv"]);
    assert.equal(await Deno.readTextFile(join(dir.path, "batch.csv")), "half and the rest\n");
    assert.equal(file.bytes, 18);

    // A rewrite starts from scratch; a discarded file leaves nothing behind.
    const again = new AtomicFile(dir.path, "other.csv");
    again.write(new TextEncoder().encode("x"));
    again.discard();
    const retry = new AtomicFile(dir.path, "batch.csv");
    retry.write(new TextEncoder().encode("new\n"));
    retry.commit();
    assert.deepEqual(names(), ["batch.csv"]);
    assert.equal(await Deno.readTextFile(join(dir.path, "batch.csv")), "new\n");
  } finally {
    await dir.cleanup();
  }
});

Deno.test("a folder that cannot be written is a user-facing error", () => {
  assert.throws(
    () => new AtomicFile("/proc/no-such-folder", "x.csv"),
    (error: Error) => error.name === "FraudstreamError" && /cannot write/.test(error.message),
  );
});

function fakeOutput(terminal: boolean) {
  const written: string[] = [];
  return {
    written,
    output: {
      isTerminal: () => terminal,
      writeSync: (bytes: Uint8Array) => {
        written.push(new TextDecoder().decode(bytes));
        return bytes.length;
      },
    },
  };
}

Deno.test("the progress bar draws rows, rows/s and ETA on a terminal, and nothing elsewhere", () => {
  const progress = { rows: 1_500_000, bytes: 5e8, fraction: 0.25, seconds: 1 };
  const tty = fakeOutput(true);
  const bar = createProgressBar({ output: tty.output, width: 8 });
  assert.equal(bar.active, true);
  bar.update(progress);
  bar.finish();
  assert.equal(tty.written.length, 2);
  assert.match(tty.written[0], /\[##------\]\s+25%\s+1,500,000 rows\s+1,500,000 rows\/s\s+ETA 3s/);
  assert.equal(tty.written[1], "\n");

  const pipe = fakeOutput(false);
  const quiet = createProgressBar({ output: pipe.output });
  assert.equal(quiet.active, false);
  quiet.update(progress);
  quiet.finish();
  assert.deepEqual(pipe.written, []);

  // A stream without a duration has no fraction: no bar, no ETA.
  assert.equal(
    progressLine({ rows: 10, fraction: 0, seconds: 2 }),
    "generate  10 rows  5 rows/s",
  );
});
