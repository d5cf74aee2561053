import assert from "node:assert/strict";
import { join } from "node:path";
import {
  makeBatchFolder,
  releaseBatchFolder,
  waitingBatchFiles,
} from "../../../../actors/pipeline/run/batch_folder.ts";

Deno.test("a batch folder with complete files waiting is kept; one without is removed", async () => {
  const waiting = await makeBatchFolder();
  const done = await makeBatchFolder();
  try {
    await Deno.mkdir(join(waiting, "day"));
    await Deno.writeTextFile(join(waiting, "day", "b-1.csv"), "header\nrow\n");
    // Being written: not a batch yet.
    await Deno.writeTextFile(join(done, ".b-2.csv.tmp"), "header\n");
    assert.equal(waitingBatchFiles(waiting), 1);
    assert.equal(waitingBatchFiles(done), 0);
    assert.deepEqual(releaseBatchFolder(waiting), { kept: true, path: waiting, files: 1 });
    assert.equal(await Deno.readTextFile(join(waiting, "day", "b-1.csv")), "header\nrow\n");
    assert.deepEqual(releaseBatchFolder(done), { kept: false });
    await assert.rejects(Deno.stat(done), Deno.errors.NotFound);
  } finally {
    await Deno.remove(waiting, { recursive: true }).catch(() => {});
    await Deno.remove(done, { recursive: true }).catch(() => {});
  }
});
