/**
 * The README's examples run as written: every command line of its `sh` code blocks is either run
 * here, in a scratch folder as the reader's working folder, or listed in `NOT_RUN` with the reason.
 * A new line in the README that is neither fails the first test.
 *
 * What stands in for the reader's machine:
 * - `fraudstream` is `deno run -A main.ts` of this checkout; `npx --yes deno@2.9.6` is the Deno
 *   running the tests (no npm download);
 * - `/data/sparkov` ("any folder of Sparkov CSV files") is the data the example's own
 *   `generate --version v1` wrote; `/data/seed/RandomForestModel` is a Spark forest folder made
 *   by `tests/model/spark_fixture.ts`; `resources/models/pretrained` is this checkout's;
 * - the brokers of `kafka up` are the test cluster (`FRAUDSTREAM_TEST_BROKERS`); the commands'
 *   topic, group and producer id come from the environment, new for each run, so that they share
 *   nothing with other tests on that cluster;
 * - a command that runs until stopped gets a short `--duration`; commands get a `--report` in the
 *   scratch folder, to check what they did.
 *
 * The Kafka examples run side by side, one process each, as in three shells on one host.
 *
 * @module
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { KafkaTransport } from "../actors/log/mod.ts";
import { SEED_FEATURES } from "../model/seed_encoding.ts";
import { NO_KAFKA, TEST_BROKERS } from "./fixtures/kafka.ts";
import { writeSparkForest } from "./model/spark_fixture.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const MAIN = join(ROOT, "main.ts");

/** Command lines of the README that are not run here, and why. */
const NOT_RUN: Record<string, string> = {
  "npx --yes deno@2.9.6 task test":
    "the whole test suite, this test included; it is what runs this test",
  "fraudstream kafka up":
    "the test cluster (FRAUDSTREAM_TEST_BROKERS) stands in for it; tests/actors/tools/kafka_local/cluster_test.ts starts clusters",
  "fraudstream chaos kill-broker --report chaos.json":
    "starts a 3-node Kafka cluster of its own and runs 20 s of load; tests/actors/tools/chaos/kafka_scenarios_test.ts runs it",
  "fraudstream chaos all":
    "every scenario in turn, several minutes and three Kafka clusters; each has its test in tests/actors/tools/chaos/",
  "mvn -q dependency:copy -Dartifact=org.apache.kafka:kafka-tools:4.1.1 -DoutputDirectory=.":
    "Kafka's own benchmark tool, downloaded from Maven Central (no network in the tests)",
  "java -cp \"$(ls ~/.cache/fraudstream/kafka/4.1.1/lib/*.jar | tr '\\n' :)kafka-tools-4.1.1.jar\" org.apache.kafka.tools.ProducerPerformance --topic perf6 --num-records 300000 --record-size 220 --throughput -1 --producer-props bootstrap.servers=127.0.0.1:19592 acks=all":
    "Kafka's own producer benchmark against a cluster on port 19592, measuring the brokers, not fraudstream",
  "deno task bundle": "tests/bundle_test.ts builds the bundle and runs it from an empty folder",
  "fraudstream run --duration 30":
    "30 s of load for the pretrained model's drift alarms on the demo's stream; tests/actors/pipeline/consumer/drift_test.ts raises and checks drift alarms on the consumer path in-process",
  "deno task compile":
    "downloads the Deno runtime the executable embeds (no network in the tests); the bundle is tested",
};

/** Reader's paths of the examples and what the test uses instead, relative to its scratch folder. */
const PATHS: Record<string, string> = {
  "/data/sparkov": "resources/data/train/raw/v1",
  "/data/seed/RandomForestModel": "seed/RandomForestModel",
};

/** How long each command that runs until stopped is given, in seconds. */
const DURATIONS: Record<string, number> = { consume: 50, produce: 35, generate: 8, run: 5 };

/** The command lines of the README's `sh` code blocks, without comments, continuations joined. */
function readmeCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const block of markdown.matchAll(/^```sh\n([\s\S]*?)^```$/gm)) {
    let pending = "";
    for (const raw of block[1].split("\n")) {
      const line = (pending + raw.trim()).trim();
      if (line.endsWith("\\")) {
        pending = line.slice(0, -1).trim() + " ";
        continue;
      }
      pending = "";
      // A comment: a line that starts with #, or # after two spaces (none is inside a value).
      const command = line.replace(/(^|\s{2,})#.*$/, "").trim();
      if (command !== "") commands.push(command);
    }
  }
  return commands;
}

/** Whether a command runs until stopped (and so gets a `--duration`). */
function runsUntilStopped(args: string[]): boolean {
  const [command] = args;
  return ["consume", "produce", "run"].includes(command) ||
    (command === "generate" && args.includes("--mode") &&
      args[args.indexOf("--mode") + 1] === "stream");
}

/** Whether a command needs the Kafka cluster: it runs until stopped and is not `run` on its own log. */
function onKafka(command: string): boolean {
  const args = command.split(/\s+/).slice(1);
  return runsUntilStopped(args) && !(args[0] === "run" && !args.includes("--brokers"));
}

/** A README command line as the test runs it: `fraudstream` arguments with its stand-ins. */
function fraudstreamArgs(command: string, brokers?: string[]): string[] {
  assert.doesNotMatch(command, /["'$`]/, `${command}: no quoting or expansion to interpret`);
  const args = command.split(/\s+/).slice(1).map((arg) => PATHS[arg] ?? arg);
  const brokersAt = args.indexOf("--brokers");
  if (brokersAt >= 0) {
    assert.ok(brokers, `${command} needs the test Kafka cluster`);
    args[brokersAt + 1] = brokers.join(",");
  }
  if (runsUntilStopped(args) && !args.includes("--duration")) {
    args.push("--duration", String(DURATIONS[args[0]]));
  }
  return args;
}

/** A command started as in a shell of its own; its output is kept line by line. */
class Shell {
  readonly output: string[] = [];
  readonly exited: Promise<number>;
  readonly #waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();

  constructor(
    readonly what: string,
    argv: string[],
    options: { cwd: string; env?: Record<string, string>; timeoutMs: number },
  ) {
    const child = new Deno.Command(argv[0], {
      args: argv.slice(1),
      cwd: options.cwd,
      env: { NO_COLOR: "1", ...options.env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(options.timeoutMs),
    }).spawn();
    const read = async (stream: ReadableStream<Uint8Array>) => {
      let rest = "";
      for await (const text of stream.pipeThrough(new TextDecoderStream())) {
        const lines = (rest + text).split("\n");
        rest = lines.pop()!;
        lines.forEach((line) => this.#add(line));
      }
      if (rest !== "") this.#add(rest);
    };
    this.exited = Promise.all([read(child.stdout), read(child.stderr), child.status])
      .then(([, , status]) => status.code);
  }

  #add(line: string): void {
    this.output.push(line);
    for (const waiter of this.#waiters) {
      if (waiter.pattern.test(line)) {
        this.#waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  }

  /** The first line matching `pattern`; rejects if the command ends without one. */
  line(pattern: RegExp): Promise<string> {
    const seen = this.output.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    const { promise, resolve } = Promise.withResolvers<string>();
    this.#waiters.add({ pattern, resolve });
    return Promise.race([
      promise,
      this.exited.then((code) => {
        throw new Error(`${this.what} exited (${code}) before printing ${pattern}:\n${this}`);
      }),
    ]);
  }

  /** Waits for the end and asserts a clean exit. */
  async succeeds(): Promise<void> {
    assert.equal(await this.exited, 0, `${this.what}:\n${this}`);
  }

  toString(): string {
    return this.output.join("\n");
  }
}

function fraudstream(args: string[], cwd: string, env: Record<string, string> = {}): Shell {
  return new Shell(`fraudstream ${args.join(" ")}`, [Deno.execPath(), "run", "-A", MAIN, ...args], {
    cwd,
    env,
    timeoutMs: 300_000,
  });
}

/** A scratch folder with this checkout's pretrained model where the examples expect it. */
async function scratchFolder(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "fraudstream-readme-" });
  await Deno.mkdir(join(dir, "resources/models"), { recursive: true });
  await Deno.symlink(
    join(ROOT, "resources/models/pretrained"),
    join(dir, "resources/models/pretrained"),
  );
  return dir;
}

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await Deno.readTextFile(path));
}

const README = await Deno.readTextFile(join(ROOT, "README.md"));
const COMMANDS = readmeCommands(README);
const KAFKA_COMMANDS = COMMANDS.filter((c) => !(c in NOT_RUN) && onKafka(c));
const DEMO = "npx --yes deno@2.9.6 task start";
const SEQUENTIAL = COMMANDS.filter((c) =>
  !(c in NOT_RUN) && c !== DEMO && !KAFKA_COMMANDS.includes(c)
);

Deno.test("every command of the README's code blocks is run below, or listed with the reason", () => {
  assert.ok(COMMANDS.length >= 10, COMMANDS.join("\n"));
  for (const command of COMMANDS) {
    assert.ok(
      command in NOT_RUN || command === DEMO || command.startsWith("fraudstream "),
      `no test runs '${command}'; run it here or list it in NOT_RUN with the reason`,
    );
  }
  for (const command of Object.keys(NOT_RUN)) {
    assert.ok(COMMANDS.includes(command), `NOT_RUN lists '${command}', which the README lacks`);
  }
  assert.ok(KAFKA_COMMANDS.some((c) => c.startsWith("fraudstream consume")));
  assert.ok(SEQUENTIAL.some((c) => c.startsWith("fraudstream train")));
});

Deno.test("the demo of the README starts, serves its dashboard and stops on its own", async () => {
  // `npx --yes deno@2.9.6 task start`, with the Deno running the tests and a short --duration.
  assert.ok(COMMANDS.includes(DEMO), `the README still shows '${DEMO}'`);
  const demo = new Shell(DEMO, [Deno.execPath(), "task", "start", "--duration", "4"], {
    cwd: ROOT,
    timeoutMs: 120_000,
  });
  const url = (await demo.line(/^run: dashboard at /)).match(/dashboard at (\S+)/)![1];
  await demo.line(/^run: generated \d+, produced \d+, scored \d+/);
  await demo.succeeds();
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.ok(demo.output.some((line) => /^generated \d+, produced \d+, scored \d+/.test(line)));
});

Deno.test("the README's data, model and evaluation examples run as written", async () => {
  const dir = await scratchFolder();
  try {
    // What /data/seed/RandomForestModel stands for: a Spark forest over the seed's features.
    const amt = SEED_FEATURES.indexOf("amt");
    await writeSparkForest({
      dir: join(dir, PATHS["/data/seed/RandomForestModel"]),
      trees: [{ feature: amt, threshold: 300, left: { leaf: [95, 5] }, right: { leaf: [40, 60] } }],
    });
    for (const command of SEQUENTIAL) {
      const args = fraudstreamArgs(command);
      if (!args.includes("--report")) args.push("--report", join(dir, `${args[0]}-report.json`));
      await fraudstream(args, dir).succeeds();
    }
    // They did what the README says.
    const data = join(dir, "resources/data/train/raw/v1");
    assert.ok([...Deno.readDirSync(data)].some((entry) => entry.name.endsWith(".csv")));
    await Deno.stat(join(dir, "resources/models/v1/report.html"));
    assert.ok(await readJson(join(dir, "train.json")));
    await Deno.stat(join(dir, "resources/models/seed-rf"));
    // The shadow model scored beside v1; the promotion was recorded, then cleared.
    const run = await readJson(join(dir, "run-report.json"));
    const [pair] = run.shadow as { rows: number; main: { version: string } }[];
    assert.equal(pair.main.version, "v1");
    assert.equal(pair.rows, run.scored);
    // `model promote latest` cleared the promotion.
    await assert.rejects(
      Deno.stat(join(dir, "resources/models/promoted.json")),
      Deno.errors.NotFound,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "the README's pipeline on Kafka runs as written, in three shells on one host" +
    (NO_KAFKA ? " (ignored: no test Kafka cluster; set FRAUDSTREAM_TEST_BROKERS)" : ""),
  ignore: NO_KAFKA,
  fn: async () => {
    const dir = await scratchFolder();
    const name = `readme-${crypto.randomUUID().slice(0, 8)}`;
    const env = { KAFKA_TOPIC: name, KAFKA_GROUP_ID: name, PRODUCER_ID: name };
    const shells: Shell[] = [];
    try {
      assert.deepEqual(
        KAFKA_COMMANDS.map((c) => c.split(/\s+/).slice(1, 2)[0]),
        ["consume", "produce", "generate"],
      );
      for (const command of KAFKA_COMMANDS) {
        const args = fraudstreamArgs(command, TEST_BROKERS);
        args.push("--report", join(dir, `${args[0]}.json`));
        shells.push(fraudstream(args, dir, env));
      }
      const [consume, produce, generate] = shells;
      // Both dashboards up at once, on one host.
      for (const [shell, role] of [[consume, "consume"], [produce, "produce"]] as const) {
        const url = (await shell.line(/: dashboard at /)).match(/dashboard at (\S+)/)![1];
        const status = await (await fetch(new URL("api/status", url))).json();
        assert.equal(status.role, role, `${url} answers for ${status.role}:\n${shell}`);
      }
      for (const shell of shells) await shell.succeeds();
      const generated = (await readJson(join(dir, "generate.json"))).rows as number;
      const produced = (await readJson(join(dir, "produce.json"))).rows as number;
      const scored = (await readJson(join(dir, "consume.json"))).scored as number;
      console.log(`three shells: generated ${generated}, produced ${produced}, scored ${scored}`);
      assert.ok(generated > 1000, `generate wrote ${generated} rows\n${generate}`);
      assert.ok(produced > 0 && produced <= generated, `produced ${produced}\n${produce}`);
      assert.ok(scored > 0 && scored <= produced, `scored ${scored}\n${consume}`);
    } finally {
      for (const shell of shells) await shell.exited.catch(() => {});
      const transport = new KafkaTransport({ brokers: TEST_BROKERS!, clientId: "readme-test" });
      await transport.deleteTopicsAndGroups({ topics: [name], groups: [name] }).catch(() => {});
      await transport.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
