import assert from "node:assert/strict";
import { MainProcess, runMain } from "./fixtures/main_run.ts";

Deno.test("--help lists every subcommand", async () => {
  const { code, out } = await runMain(["--help"]);
  assert.equal(code, 0);
  for (
    const name of [
      "generate",
      "train",
      "evaluate",
      "produce",
      "consume",
      "run",
      "kafka",
      "chaos",
      "bench",
    ]
  ) {
    assert.match(out.join("\n"), new RegExp(`^  ${name} `, "m"), name);
  }
});

Deno.test("every subcommand has --help", async () => {
  for (
    const name of [
      "generate",
      "train",
      "evaluate",
      "produce",
      "consume",
      "run",
      "kafka",
      "chaos",
      "bench",
    ]
  ) {
    const { code, out } = await runMain([name, "--help"]);
    assert.equal(code, 0, name);
    assert.match(out.join("\n"), new RegExp(`^Usage: fraudstream ${name}`, "m"));
  }
});

Deno.test("a bad value exits 2 with one line naming the flag", async () => {
  const { code, err, out } = await runMain(["generate", "--customers", "abc"]);
  assert.equal(code, 2);
  assert.equal(out.length, 0);
  assert.equal(err.length, 1);
  assert.match(err[0], /^fraudstream: invalid value for --customers: /);
});

Deno.test("an unknown flag or command exits 2", async () => {
  assert.equal((await runMain(["generate", "--nope"])).code, 2);
  assert.equal((await runMain(["nope"])).code, 2);
});

Deno.test("the real process prints one line and no stack trace for a user mistake", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      new URL("../main.ts", import.meta.url).pathname,
      "generate",
      "--customers",
      "abc",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr).trim().split("\n");
  assert.equal(output.code, 2);
  assert.equal(stderr.length, 1, stderr.join("\n"));
  assert.doesNotMatch(stderr[0], /\bat \S+:\d+/);
});

Deno.test("every subcommand has an implementation", async () => {
  const { COMMANDS } = await import("../config/commands.ts");
  const missing: string[] = [];
  for (const command of COMMANDS) {
    if (typeof (await command.load()) !== "function") missing.push(command.name);
  }
  assert.deepEqual(missing, []);
});

Deno.test("the first run with an empty module cache starts its workers at once", async () => {
  // A fresh clone's first command: nothing of the program is compiled or cached yet, so each
  // worker loads its modules slowly (the npm packages are shared, to need no network).
  const info = JSON.parse(
    new TextDecoder().decode(
      (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
        .output()).stdout,
    ),
  );
  const denoDir = await Deno.makeTempDir({ prefix: "fraudstream-deno-dir-" });
  const out = await Deno.makeTempDir({ prefix: "fraudstream-first-run-" });
  try {
    await Deno.symlink(info.npmCache, `${denoDir}/npm`);
    const started = performance.now();
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        new URL("../main.ts", import.meta.url).pathname,
        "generate",
        "--customers",
        "10",
        "--start",
        "2023-01-01",
        "--end",
        "2023-01-31",
        "--workers",
        "2",
        "--out",
        `${out}/data`,
        "--report",
        `${out}/report.json`,
        "--quiet",
      ],
      env: { DENO_DIR: denoDir },
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(40_000),
    }).output();
    const seconds = (performance.now() - started) / 1000;
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const report = JSON.parse(await Deno.readTextFile(`${out}/report.json`));
    assert.equal(report.worker_restarts, 0, "no worker was restarted for starting too slowly");
    assert.ok(seconds < 30, `the first run took ${seconds.toFixed(1)} s`);
  } finally {
    await Deno.remove(denoDir, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("a role that never reaches Kafka exits 1, saying so", async () => {
  for (const role of ["run", "produce", "consume"]) {
    const input = await Deno.makeTempDir({ prefix: "fraudstream-unreachable-" });
    try {
      const { code, err } = await runMain([
        role,
        // Nothing listens on port 1: every connection is refused at once.
        "--brokers",
        "127.0.0.1:1",
        "--duration",
        "1.5",
        "--ui-port",
        "off",
        ...(role === "produce" ? ["--input", input] : []),
      ]);
      assert.equal(code, 1, `${role}: ${err.join("\n")}`);
      assert.match(err.at(-1)!, new RegExp(`^${role}: stopped before Kafka at 127.0.0.1:1`));
    } finally {
      await Deno.remove(input, { recursive: true });
    }
  }
});

/** `fraudstream run` as a real process, with its own temporary folder, its output watched. */
class RunProcess extends MainProcess {
  readonly tmp: string;

  constructor(tmp: string, args: string[]) {
    super(["run", "--ui-port", "off", ...args], { TMPDIR: tmp });
    this.tmp = tmp;
  }

  /** Folders the run left in its temporary folder. */
  leftovers(): string[] {
    return [...Deno.readDirSync(this.tmp)].map((entry) => `${this.tmp}/${entry.name}`);
  }
}

Deno.test("one Ctrl-C delivered three times at once is one clean stop, with its summary", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "fraudstream-interrupt-" });
  try {
    const run = new RunProcess(tmp, ["--customers", "300", "--speed", "100000"]);
    await run.waitFor(/^run: generated [1-9]/m);
    // A terminal sends SIGINT to the whole process group and `deno task` passes it on again: a
    // few ms apart (signals sent at the very same instant merge into one).
    const burst = 'kill -INT "$1"; sleep 0.005; kill -INT "$1"; sleep 0.005; kill -INT "$1"';
    await new Deno.Command("sh", { args: ["-c", burst, "sh", String(run.child.pid)] }).output();
    const code = await run.exit();
    assert.equal(code, 0, run.stderr);
    assert.doesNotMatch(run.stderr, /interrupted again/);
    assert.match(run.stdout, /^generated \d+, produced \d+, scored \d+, .* lost 0, duplicates 0;/m);
    assert.deepEqual(run.leftovers(), [], "the run's batch folder is gone");
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a second Ctrl-C a second after the first still exits at once", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "fraudstream-interrupt-" });
  try {
    // Overloaded, so that the stop has a backlog to drain, and on JSON with one scoring worker,
    // so that draining it takes seconds (the Arrow default drains 250,000 rows in about one).
    const run = new RunProcess(tmp, [
      "--customers",
      "5000",
      "--speed",
      "20000000",
      "--encoding",
      "json",
      "--workers",
      "1",
    ]);
    await run.waitFor(/^run: generated .* lag ([2-9]\d{5}|\d{7,}),/m);
    run.child.kill("SIGINT");
    await run.waitFor(/^run: generation stopped after \d+ transactions; draining/m);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    run.child.kill("SIGINT");
    const code = await run.exit();
    assert.equal(code, 130, run.stderr);
    assert.match(run.stderr, /interrupted again; exiting without a clean stop/);
    // Nothing generated is deleted unpublished: the backlog's folder is kept and named.
    const left = run.leftovers();
    assert.equal(left.length, 1, run.stdout);
    assert.match(run.stdout, new RegExp(`kept \\d+ batch files .* in ${left[0]}; publish them`));
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a --report that cannot be written is refused before the command runs, exit 2", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (
      const [report, reason] of [
        [`${dir}/missing/r.json`, /folder '.*missing' does not exist/],
        [dir, /is a folder; give a file name, such as .*report\.json/],
      ] as const
    ) {
      const result = await runMain([
        "generate",
        "--customers",
        "2",
        "--out",
        `${dir}/data`,
        "--report",
        report,
        "--quiet",
      ]);
      assert.equal(result.code, 2, result.err.join("\n"));
      assert.match(result.err.join("\n"), reason);
      assert.ok(!(await Deno.stat(`${dir}/data`).catch(() => undefined)), "nothing generated");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--report replaces an earlier report (a JSON object) or an empty file, never another file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const data = "trans_num|amt\n1|2\n";
    await Deno.writeTextFile(`${dir}/rows.csv`, data);
    await Deno.writeTextFile(`${dir}/list.json`, "[1, 2]\n");
    for (const name of ["rows.csv", "list.json"]) {
      const result = await runMain(["model", "list", "--report", `${dir}/${name}`, "--quiet"]);
      assert.equal(result.code, 2, result.err.join("\n"));
      assert.match(result.err.join("\n"), /is not a fraudstream report .* left as it is/);
    }
    assert.equal(await Deno.readTextFile(`${dir}/rows.csv`), data);
    assert.equal(await Deno.readTextFile(`${dir}/list.json`), "[1, 2]\n");
    // An earlier report, and an empty file, are replaced.
    await Deno.writeTextFile(`${dir}/old.json`, '{"models": []}\n');
    await Deno.writeTextFile(`${dir}/empty.json`, "");
    for (const name of ["old.json", "empty.json"]) {
      const result = await runMain(["model", "list", "--report", `${dir}/${name}`, "--quiet"]);
      assert.equal(result.code, 0, result.err.join("\n"));
      assert.ok("models" in JSON.parse(await Deno.readTextFile(`${dir}/${name}`)));
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
