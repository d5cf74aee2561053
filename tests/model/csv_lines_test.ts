import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { type LineBlock, readLineBlocks } from "../../model/csv_lines.ts";

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

Deno.test("a line over the limit is read through, not held: its number, length, hash and start are reported", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const huge = "h".repeat(3 << 20);
    const long = "l".repeat(20_000) + "\r";
    const path = `${dir}/lines.csv`;
    await Deno.writeTextFile(path, `a\n${huge}\nb\n${long}\nc\n${huge}`);
    const lines: [number, string][] = [];
    const overlong: [number, number, string, string, number][] = [];
    let largestBuffer = 0;
    for await (const block of readLineBlocks(path, 16 << 10, { maxLineBytes: 8 << 10 })) {
      largestBuffer = Math.max(largestBuffer, block.buffer.byteLength);
      block.starts.forEach((start, i) => {
        const text = new TextDecoder().decode(block.buffer.subarray(start, block.ends[i]));
        lines.push([block.firstLine + i, text]);
      });
      if (block.overlong) {
        const { line, bytes, head, sha256, end } = block.overlong;
        overlong.push([line, bytes, new TextDecoder().decode(head), sha256, end]);
      }
    }
    const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
    assert.deepEqual(lines, [[1, "a"], [3, "b"], [5, "c"]]);
    const size = (await Deno.stat(path)).size;
    assert.deepEqual(overlong, [
      [2, huge.length, "h".repeat(4096), sha256(huge), 2 + huge.length + 1],
      [4, long.length, "l".repeat(4096), sha256(long), 2 + huge.length + 3 + long.length + 1],
      [6, huge.length, "h".repeat(4096), sha256(huge), size],
    ]);
    assert.ok(largestBuffer <= 32 << 10, `the buffer stayed small (${largestBuffer} bytes)`);
    // A line over the limit that came whole in one read.
    await Deno.writeTextFile(path, `x\n${"m".repeat(10_000)}\ny`);
    const blocks = [];
    for await (const block of readLineBlocks(path, 64 << 10, { maxLineBytes: 8 << 10 })) {
      blocks.push([
        block.firstLine,
        block.starts.length,
        block.overlong?.line,
        block.overlong?.end,
      ]);
    }
    assert.deepEqual(blocks, [[1, 1, undefined, undefined], [2, 0, 2, 10_003], [
      3,
      1,
      undefined,
      undefined,
    ]]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("two files read at once on one thread, each with a line over the limit, come whole", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Lines of each file before and after a line over the limit, all in one block, so a reader
    // stops in the middle of its block (to report the long line) while the other reads its own.
    const files = ["a", "b"].map((name) => {
      const width = name === "a" ? 37 : 23;
      const lines = Array.from({ length: 300 }, (_, i) => `${name}${i}|${"x".repeat(i % width)}`);
      lines.splice(100, 0, "l".repeat(10_000));
      lines.splice(200, 0, "m".repeat(9_000));
      return { path: `${dir}/${name}.csv`, lines };
    });
    for (const { path, lines } of files) await Deno.writeTextFile(path, lines.join("\n"));
    const read = (path: string) => readLineBlocks(path, 1 << 20, { maxLineBytes: 8 << 10 });
    const collect = (block: LineBlock, into: string[]) => {
      block.starts.forEach((start, i) => {
        into.push(new TextDecoder().decode(block.buffer.subarray(start, block.ends[i])));
      });
      if (block.overlong) into.push(`overlong ${block.overlong.line} ${block.overlong.bytes}`);
    };
    const alone = [];
    for (const { path } of files) {
      const lines: string[] = [];
      for await (const block of read(path)) collect(block, lines);
      alone.push(lines);
    }
    assert.ok(
      alone[0].includes("overlong 101 10000") && alone[0].includes("a299|" + "x".repeat(299 % 37)),
    );
    // Both at once: a block of one, then a block of the other.
    const readers = files.map(({ path }) => read(path));
    const together: string[][] = [[], []];
    const done = [false, false];
    while (!done[0] || !done[1]) {
      for (const k of [0, 1]) {
        if (done[k]) continue;
        const next = await readers[k].next();
        if (next.done) done[k] = true;
        else collect(next.value, together[k]);
      }
    }
    assert.deepEqual(together, alone);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
