import assert from "node:assert/strict";

const ROOT = new URL("../", import.meta.url).pathname;

async function deno(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("the bundle is one JavaScript file that runs from an empty folder", async () => {
  const build = await Deno.makeTempDir();
  const empty = await Deno.makeTempDir();
  try {
    const bundled = await deno(
      ["bundle", "--quiet", "--platform", "deno", "--output", `${build}/fraudstream.js`, "main.ts"],
      ROOT,
    );
    assert.equal(bundled.code, 0, bundled.stderr);
    assert.deepEqual([...Deno.readDirSync(build)].map((entry) => entry.name), ["fraudstream.js"]);
    await Deno.copyFile(`${build}/fraudstream.js`, `${empty}/fraudstream.js`);
    const help = await deno(["run", "--allow-all", "fraudstream.js", "--help"], empty);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: fraudstream <command>/m);
    const chaos = await deno(
      [
        "run",
        "--allow-all",
        "fraudstream.js",
        "chaos",
        "kill-actor",
        "--duration",
        "0.5",
        "--quiet",
      ],
      empty,
    );
    assert.equal(chaos.code, 0, chaos.stderr);
    assert.match(chaos.stdout, /lost 0, duplicates 0/);
  } finally {
    await Deno.remove(build, { recursive: true });
    await Deno.remove(empty, { recursive: true });
  }
});
