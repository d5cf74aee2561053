import assert from "node:assert/strict";
import { readLineBlocks } from "../../model/csv_lines.ts";

Deno.test("lines come whole across small blocks, with CR LF or LF, and a last line without a break", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lines = [
      "header|a|b",
      "",
      "a fairly long line that will not fit in one block",
      "x\r",
      "last",
    ];
    const path = `${dir}/lines.csv`;
    await Deno.writeTextFile(path, lines.join("\n"));
    const seen: [number, string][] = [];
    for await (const block of readLineBlocks(path, 8)) {
      block.starts.forEach((start, i) => {
        const text = new TextDecoder().decode(block.buffer.subarray(start, block.ends[i]));
        seen.push([block.firstLine + i, text]);
      });
    }
    assert.deepEqual(seen, lines.map((line, i) => [i + 1, line.replace(/\r$/, "")]));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
