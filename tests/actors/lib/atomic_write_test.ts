import assert from "node:assert/strict";
import { join } from "node:path";
import { partName, writeDirAtomic, writeFileAtomic } from "../../../actors/lib/atomic_write.ts";

const names = (dir: string) => [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();

Deno.test("writeFileAtomic writes text, bytes or through a writer, and leaves nothing else", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeFileAtomic(join(dir, "a.json"), "{}\n");
    await writeFileAtomic(join(dir, "b.bin"), new Uint8Array([1, 2, 3]));
    let seen = "";
    await writeFileAtomic(join(dir, "c.csv"), async (temporary) => {
      seen = temporary;
      await Deno.writeTextFile(temporary, "x\n");
    });
    assert.deepEqual(names(dir), ["a.json", "b.bin", "c.csv"]);
    assert.equal(await Deno.readTextFile(join(dir, "a.json")), "{}\n");
    assert.deepEqual(await Deno.readFile(join(dir, "b.bin")), new Uint8Array([1, 2, 3]));
    assert.equal(await Deno.readTextFile(join(dir, "c.csv")), "x\n");
    assert.match(seen, /\/\.c\.csv\.tmp-\d+-[0-9a-f]{8}$/, "hidden, beside it, marked .tmp-");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic that fails leaves the old file as it was and no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "report.json");
    await Deno.writeTextFile(path, "old\n");
    await assert.rejects(
      writeFileAtomic(path, async (temporary) => {
        await Deno.writeTextFile(temporary, "half");
        throw new Error("disk full");
      }),
      /disk full/,
    );
    assert.equal(await Deno.readTextFile(path), "old\n");
    assert.deepEqual(names(dir), ["report.json"]);
    await assert.rejects(
      writeFileAtomic(join(dir, "missing", "x.json"), "{}"),
      Deno.errors.NotFound,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeDirAtomic creates a folder, or swaps it in for the one there", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const target = join(dir, "models", "v1");
    await writeDirAtomic(target, (temporary) => Deno.writeTextFile(join(temporary, "a"), "1"));
    assert.deepEqual(names(target), ["a"]);
    await writeDirAtomic(target, async (temporary) => {
      assert.deepEqual(names(join(dir, "models")).length, 2, "the new one is written beside");
      await Deno.writeTextFile(join(temporary, "b"), "2");
    });
    assert.deepEqual(names(target), ["b"], "replaced as a whole");
    assert.deepEqual(names(join(dir, "models")), ["v1"], "no temporary folder left");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeDirAtomic leaves what is there when filling or the last check fails", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const target = join(dir, "v1");
    await Deno.mkdir(target);
    await Deno.writeTextFile(join(target, "keep"), "mine");
    await assert.rejects(
      writeDirAtomic(target, () => Promise.reject(new Error("no space"))),
      /no space/,
    );
    await assert.rejects(
      writeDirAtomic(target, (temporary) => Deno.writeTextFile(join(temporary, "x"), "x"), {
        beforeCommit: () => Promise.reject(new Error("not a model folder")),
      }),
      /not a model folder/,
    );
    assert.deepEqual(names(target), ["keep"]);
    assert.deepEqual(names(dir), ["v1"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("partName is the hidden .part name a streamed file is written under", () => {
  assert.equal(partName("batch.csv"), ".batch.csv.part");
});
