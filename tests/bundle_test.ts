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
      ["run", "--allow-all", "actors/tools/bundle.ts", `${build}/fraudstream.js`],
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
        "2",
        "--customers",
        "200",
        "--models-dir",
        `${ROOT}resources/models`,
        "--quiet",
      ],
      empty,
    );
    // Scoring runs on Web Workers too, served from the bundle as well.
    assert.equal(chaos.code, 0, chaos.stderr);
    assert.match(chaos.stdout, /lost 0, duplicated 0/);
    // The bundle carries both Kafka clients, @platformatic/kafka's WebAssembly included: it gets
    // as far as looking for the brokers.
    const platformatic = await deno(
      [
        "run",
        "--allow-all",
        "fraudstream.js",
        "consume",
        "--brokers",
        "127.0.0.1:1",
        "--kafka-client",
        "platformatic",
        "--models-dir",
        `${ROOT}resources/models`,
        "--ui-port",
        "off",
        "--duration",
        "2",
      ],
      empty,
    );
    assert.equal(platformatic.code, 1, platformatic.stderr);
    assert.match(platformatic.stderr, /cannot reach Kafka at 127\.0\.0\.1:1/);
    assert.doesNotMatch(platformatic.stderr, /cannot be loaded|internal error/);
    // Train mode generates on Web Workers, which the bundle serves from its own file.
    const generate = await deno(
      [
        "run",
        "--allow-all",
        "fraudstream.js",
        "generate",
        "--customers",
        "20",
        "--workers",
        "2",
        "--out",
        "data",
        "--quiet",
      ],
      empty,
    );
    assert.equal(generate.code, 0, generate.stderr);
    assert.match(generate.stdout, /^generated \d+ transactions/m);
    assert.ok([...Deno.readDirSync(`${empty}/data`)].length > 1, "files were written");
  } finally {
    await Deno.remove(build, { recursive: true });
    await Deno.remove(empty, { recursive: true });
  }
});
