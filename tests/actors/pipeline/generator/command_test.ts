import assert from "node:assert/strict";
import { main } from "../../../../main.ts";
import { captureIO } from "../../../fixtures/main_run.ts";

Deno.test("fraudstream generate --report writes the summary the issue asks for", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      [
        "generate",
        "--customers",
        "30",
        "--start",
        "01-01-2023",
        "--end",
        "2023-03-31",
        "--out",
        `${dir}/data`,
        "--report",
        `${dir}/r.json`,
        "--quiet",
      ],
      captureIO(out, err),
    );
    assert.equal(code, 0, err.join("\n"));
    const report = JSON.parse(await Deno.readTextFile(`${dir}/r.json`));
    for (
      const key of [
        "rows",
        "frauds",
        "fraud_rate",
        "customers",
        "bytes",
        "seconds",
        "rows_per_second",
      ]
    ) {
      assert.equal(typeof report[key], "number", key);
    }
    assert.equal(report.customers, 30);
    assert.ok(report.rows > 1000);
    assert.equal(report.first_day, "2023-01-01");
    assert.match(out[0], /^generated \d+ transactions/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fraudstream generate refuses a reversed date range with one line, exit 2", async () => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([
    "generate",
    "--start",
    "2023-05-01",
    "--end",
    "2023-01-01",
    "--out",
    "/tmp/never",
  ], captureIO(out, err));
  assert.equal(code, 2);
  assert.equal(err.length, 1);
  assert.match(err[0], /end 2023-01-01 is before start 2023-05-01; move end after start/);
});

Deno.test("fraudstream generate says what the minimum is for a date range that is too short", async () => {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main([
    "generate",
    "--start",
    "2023-01-01",
    "--end",
    "2023-01-05",
    "--out",
    "/tmp/never",
  ], captureIO(out, err));
  assert.equal(code, 2);
  assert.equal(err.length, 1);
  assert.match(err[0], /2023-01-01 to 2023-01-05 covers 5 days; it must cover at least 9 days/);
  assert.match(err[0], /move end to 2023-01-09 or later, or start to 2022-12-28 or earlier/);
  assert.doesNotMatch(err[0], /move end after start/);
});

Deno.test("fraudstream generate refuses --out with --version (one names the folder, the other a folder under the default root), exit 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      ["generate", "--customers", "3", "--out", `${dir}/data`, "--version", "v1", "--quiet"],
      captureIO(out, err),
    );
    assert.equal(code, 2);
    assert.equal(err.length, 1);
    assert.match(err[0], /--out .*\/data is the output folder itself and --version v1 names one/);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fraudstream generate refuses a start before 1970 (unix_time would be negative), exit 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const err: string[] = [];
    const code = await main(
      ["generate", "--start", "1969-12-01", "--end", "1970-03-01", "--out", `${dir}/data`],
      captureIO([], err),
    );
    assert.equal(code, 2, err.join("\n"));
    assert.match(err.join("\n"), /start 1969-12-01 is before 1970-01-01: .*unix_time/);
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fraudstream generate refuses a flag its mode does not use instead of ignoring it, exit 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cases: [string[], RegExp][] = [
      [["--rate", "100"], /--mode train does not use --rate: it is for generate --mode stream/],
      [["--speed", "10"], /--mode train does not use --speed: it is for generate --mode stream/],
      [
        ["--duration", "1"],
        /--mode train does not use --duration: it is for generate --mode stream/,
      ],
      [
        ["--mode", "stream", "--start", "2020-01-01"],
        /--mode stream does not use --start: it is for generate --mode train/,
      ],
      [
        ["--mode", "stream", "--end", "2020-03-01"],
        /--mode stream does not use --end: it is for generate --mode train/,
      ],
      [
        ["--mode", "stream", "--version", "v1"],
        /--mode stream does not use --version: it is for generate --mode train/,
      ],
      [
        ["--mode", "stream", "--workers", "3"],
        /--mode stream does not use --workers: it is for generate --mode train/,
      ],
    ];
    for (const [flags, message] of cases) {
      const err: string[] = [];
      const code = await main(
        ["generate", "--customers", "3", "--out", `${dir}/data`, "--quiet", ...flags],
        captureIO([], err),
      );
      assert.equal(code, 2, `${flags.join(" ")}: ${err.join("\n")}`);
      assert.equal(err.length, 1);
      assert.match(err[0], message);
      assert.deepEqual([...Deno.readDirSync(dir)], []);
    }
    // The same settings from the environment or a .env file (shared by every command) are no
    // mistake: train mode goes on without them.
    await Deno.writeTextFile(`${dir}/settings.env`, "FRAUDSTREAM_RATE=100\nGEN_SPEED=10\n");
    const err: string[] = [];
    const code = await main(
      [
        "generate",
        "--customers",
        "3",
        "--start",
        "2023-01-01",
        "--end",
        "2023-01-31",
        "--out",
        `${dir}/data`,
        "--env-file",
        `${dir}/settings.env`,
        "--quiet",
      ],
      captureIO([], err),
    );
    assert.equal(code, 0, err.join("\n"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("fraudstream generate --out naming a file is refused saying so (exit 1), the file left as it is", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/notes.txt`, "mine\n");
    const err: string[] = [];
    const code = await main(
      ["generate", "--customers", "5", "--out", `${dir}/notes.txt`, "--quiet"],
      captureIO([], err),
    );
    assert.equal(code, 1, err.join("\n"));
    assert.match(err.join("\n"), /notes\.txt' is a file, not a folder/);
    assert.equal(await Deno.readTextFile(`${dir}/notes.txt`), "mine\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
