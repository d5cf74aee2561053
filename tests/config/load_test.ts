import assert from "node:assert/strict";
import type { Config } from "../../config/config.ts";
import { loadConfig } from "../../config/load.ts";
import { UsageError } from "../../actors/lib/errors.ts";

function configOf(
  args: string[],
  env: Record<string, string> = {},
  files: Record<string, string> = {},
): Config {
  const invocation = loadConfig(args, { env, readFile: (path) => files[path] });
  assert.equal(invocation.kind, "run");
  return (invocation as { config: Config }).config;
}

Deno.test("defaults apply when nothing else is set", () => {
  const config = configOf(["generate"]);
  assert.equal(config.command, "generate");
  assert.equal(config.customers, 100);
  assert.equal(config.start, "2023-01-01");
  assert.equal(config.mode, "train");
  assert.equal(config.report, undefined);
});

Deno.test("precedence: defaults < .env file < environment < flags", () => {
  const files = {
    ".env":
      'NUM_CUSTOMERS = "120"   # as in the seed\nGEN_MODE="stream"\nTRANSACTIONS_START_DATE="06-30-2022"\n',
  };
  const fromFile = configOf(["generate"], {}, files);
  assert.equal(fromFile.customers, 120);
  assert.equal(fromFile.mode, "stream");
  assert.equal(fromFile.start, "2022-06-30", "the seed's MM-DD-YYYY dates are accepted");
  const fromEnv = configOf(["generate"], { NUM_CUSTOMERS: "130" }, files);
  assert.equal(fromEnv.customers, 130);
  assert.equal(fromEnv.mode, "stream");
  const fromFlag = configOf(["generate", "--customers", "140"], { NUM_CUSTOMERS: "130" }, files);
  assert.equal(fromFlag.customers, 140);
});

Deno.test("the .env file can be chosen by flag or environment; a chosen missing file is an error", () => {
  const files = { "prod.env": "NUM_CUSTOMERS=7" };
  assert.equal(configOf(["generate", "--env-file", "prod.env"], {}, files).customers, 7);
  assert.equal(configOf(["generate"], { FRAUDSTREAM_ENV_FILE: "prod.env" }, files).customers, 7);
  assert.throws(
    () => configOf(["generate", "--env-file", "nope.env"]),
    /--env-file: file 'nope.env' not found/,
  );
});

Deno.test("a Kafka topic name is taken as Kafka takes it", () => {
  for (const topic of ["transactions", "fraud.tx_v2-eu", "t".repeat(249)]) {
    assert.equal(configOf(["run", "--topic", topic]).topic, topic);
  }
});

Deno.test("command defaults override global defaults but not user settings", () => {
  assert.equal(configOf(["chaos", "kill-actor"]).duration, 20);
  assert.equal(configOf(["chaos", "kill-actor"], { FRAUDSTREAM_DURATION: "2" }).duration, 2);
  assert.equal(configOf(["run"]).duration, 0);
});

Deno.test("bad values name the setting and where it came from", () => {
  const cases: [string[], Record<string, string>, Record<string, string>, RegExp][] = [
    [["generate", "--customers", "abc"], {}, {}, /--customers: expected an integer from 1/],
    [["generate", "--customers", "0"], {}, {}, /--customers/],
    [["generate"], { NUM_CUSTOMERS: "-3" }, {}, /environment variable NUM_CUSTOMERS/],
    [["generate"], {}, { ".env": "NUM_CUSTOMERS=x" }, /NUM_CUSTOMERS in \.env/],
    [["generate", "--start", "2023-02-30"], {}, {}, /--start: expected a real calendar date/],
    [["generate", "--start", "tomorrow"], {}, {}, /--start: expected a date YYYY-MM-DD/],
    [["generate", "--mode", "batch"], {}, {}, /--mode: expected one of train, stream/],
    [
      ["chaos", "kill-actor", "--strategy", "all"],
      {},
      {},
      /--strategy: expected one of one_for_one/,
    ],
    [["chaos", "kill-actor", "--duration=-1"], {}, {}, /--duration: expected a number >= 0/],
    // A negative number after a flag is its value, not a flag.
    [["run", "--duration", "-5"], {}, {}, /--duration: expected a number >= 0, got '-5'/],
    [["run", "--rate", "-1.5"], {}, {}, /--rate: expected a number >= 0, got '-1.5'/],
    [["run", "--topic", "bad name/../x"], {}, {}, /--topic: expected a Kafka topic name/],
    [["consume"], { KAFKA_TOPIC: ".." }, {}, /KAFKA_TOPIC: expected a Kafka topic name/],
    [["produce", "--topic", "t".repeat(250)], {}, {}, /--topic: expected a Kafka topic name/],
  ];
  for (const [args, env, files, message] of cases) {
    assert.throws(() => configOf(args, env, files), (error: unknown) => {
      assert.ok(error instanceof UsageError, `${args.join(" ")}: ${error}`);
      assert.match(error.message, message);
      assert.equal(error.message.includes("\n"), false, "one line");
      return true;
    });
  }
});

Deno.test("unknown commands, flags, arguments and missing values are usage errors", () => {
  const cases: [string[], RegExp][] = [
    [["frobnicate"], /unknown command 'frobnicate'/],
    [["--frobnicate"], /unknown option '--frobnicate'/],
    [["generate", "--bogus"], /unknown flag '--bogus' for 'generate'/],
    [["generate", "--customers"], /--customers needs a value/],
    [["generate", "--customers", "--seed", "3"], /--customers needs a value/],
    [["generate", "extra"], /unexpected argument 'extra'/],
    [["chaos"], /'chaos' needs a scenario/],
    [["chaos", "kill-everything"], /unknown scenario 'kill-everything'/],
    [["kafka", "up", "--customers", "3"], /unknown flag '--customers' for 'kafka'/],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => configOf(args), (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.match(error.message, message);
      return true;
    });
  }
});

Deno.test("help and version are recognised everywhere", () => {
  assert.equal(loadConfig([]).kind, "help");
  assert.equal(loadConfig(["--help"]).kind, "help");
  assert.equal(loadConfig(["-V"]).kind, "version");
  const help = loadConfig(["generate", "--customers", "abc", "--help"]);
  assert.equal(help.kind, "help");
  assert.equal(help.kind === "help" && help.command?.name, "generate");
  const topic = loadConfig(["help", "chaos"]);
  assert.equal(topic.kind === "help" && topic.command?.name, "chaos");
});

Deno.test("the resolved configuration is frozen", () => {
  const config = configOf(["generate"]);
  assert.ok(Object.isFrozen(config));
  assert.throws(() => {
    (config as { customers: number }).customers = 5;
  }, TypeError);
});

Deno.test("each dashboard role has its own default port, and the config says what the user gave", () => {
  const run = configOf(["run"]);
  const consume = configOf(["consume"]);
  const produce = configOf(["produce"]);
  assert.deepEqual([run.uiPort, consume.uiPort, produce.uiPort], [8088, 8089, 8090]);
  assert.ok(!consume.given.includes("uiPort"), "a default is not given");
  const chosen = configOf(["consume", "--ui-port", "8089"]);
  assert.ok(chosen.given.includes("uiPort"), "a flag is given, even with the default's value");
  const fromEnv = configOf(["produce"], { FRAUDSTREAM_UI_PORT: "9000" });
  assert.equal(fromEnv.uiPort, 9000);
  assert.ok(fromEnv.given.includes("uiPort"));
  const fromFile = configOf(["run"], {}, { ".env": "FRAUDSTREAM_UI_PORT=9001\n" });
  assert.ok(fromFile.given.includes("uiPort") && fromFile.uiPort === 9001);
  // Flags alone: what this command line asked for, not the settings every command shares.
  assert.deepEqual(chosen.flags, ["uiPort"]);
  assert.deepEqual([fromEnv.flags, fromFile.flags], [[], []]);
  assert.equal(run.showCardNumbers, false, "card numbers are masked by default");
  assert.equal(configOf(["consume", "--show-card-numbers"]).showCardNumbers, true);
});

Deno.test("version names are one plain folder name, wherever they are set", () => {
  for (const bad of ["..", ".", "../../x", "a/b", "a\\b", "two words"]) {
    assert.throws(
      () => configOf(["train", "--version", bad]),
      /invalid value for --version: expected a version name/,
      bad,
    );
    assert.throws(
      () => configOf(["train"], { DATA_VERSION: bad }),
      /environment variable DATA_VERSION: expected a version name/,
      bad,
    );
  }
  assert.equal(configOf(["train", "--version", "v1.2_final-3"]).dataVersion, "v1.2_final-3");
  for (const bad of ["..", ".", "two words"]) {
    assert.throws(
      () => configOf(["evaluate", "--model", bad]),
      /--model: expected latest, a folder/,
    );
  }
  for (const good of ["latest", "seed-rf", "./..", "/models/v1", "resources/models/v1"]) {
    assert.equal(configOf(["evaluate", "--model", good]).model, good);
  }
});

Deno.test("train's hold-out, evaluate's scores file and --force", () => {
  assert.equal(configOf(["train"]).holdout, 0.3);
  assert.equal(configOf(["train", "--holdout", "none"]).holdout, 0);
  assert.equal(configOf(["train", "--holdout", "0.2"]).holdout, 0.2);
  assert.throws(() => configOf(["train", "--holdout", "0.95"]), /--holdout: expected a number/);
  assert.equal(configOf(["train"]).force, false);
  assert.equal(configOf(["train", "--force"]).force, true);
  assert.equal(configOf(["model", "import-spark", "--force"]).force, true);
  assert.equal(configOf(["evaluate", "--scores-out", "s.parquet"]).scoresOut, "s.parquet");
  assert.equal(configOf(["evaluate", "--scores-out", "S.CSV"]).scoresOut, "S.CSV");
  assert.throws(
    () => configOf(["evaluate", "--scores-out", "s.json"]),
    /--scores-out: expected a file name ending in \.csv or \.parquet/,
  );
});

Deno.test("an env file named in the environment must exist too; one named in the .env file is refused", () => {
  assert.throws(
    () => configOf(["generate"], { FRAUDSTREAM_ENV_FILE: "nope.env" }),
    (error: unknown) =>
      error instanceof UsageError &&
      /environment variable FRAUDSTREAM_ENV_FILE: file 'nope.env' not found/.test(error.message),
  );
  // The default .env may be missing.
  assert.equal(configOf(["generate"]).customers, 100);
  // A .env file cannot choose another file: it is read only after the choice was made.
  const files = { ".env": "FRAUDSTREAM_ENV_FILE=other.env\n", "other.env": "NUM_CUSTOMERS=7\n" };
  assert.throws(
    () => configOf(["generate"], {}, files),
    (error: unknown) =>
      error instanceof UsageError &&
      /FRAUDSTREAM_ENV_FILE in \.env: an env file cannot name another/.test(error.message),
  );
});

Deno.test("a .env line that is not KEY=value is refused with its line number, not skipped", () => {
  for (
    const [text, line] of [
      ["NUM_CUSTOMERS=5\nNUM_CUSTOMERS 7\n", 2],
      ["# ok\n\nNUM CUSTOMERS=7\n", 3],
      ["NUM_CUSTOMERS=5\r\nKAFKA_NODES\r\n", 2],
      ['GEN_MODE="stream"\nNUM_CUSTOMERS=\'7\n8', 3],
    ] as const
  ) {
    assert.throws(
      () => configOf(["generate"], {}, { ".env": text }),
      (error: unknown) =>
        error instanceof UsageError &&
        new RegExp(`\\.env line ${line}: expected KEY=value`).test(error.message),
      JSON.stringify(text),
    );
  }
  // What dotenv reads is taken: comments, blank lines, export, quotes (a quoted value may span
  // lines), CR LF line ends, a byte order mark, spaces around '='.
  const good = '\uFEFF# hosts\r\n\r\nexport NUM_CUSTOMERS = 9 # nine\r\nGEN_MODE="stream"\r\n' +
    "FRAUDSTREAM_OUT=\"a\nb\"\r\n  FRAUDSTREAM_SEED='3'\r\n";
  const config = configOf(["generate"], {}, { ".env": good });
  assert.equal(config.customers, 9);
  assert.equal(config.mode, "stream");
  assert.equal(config.out, "a\nb");
  assert.equal(config.seed, 3);
});

Deno.test("a switch given a value says it takes none", () => {
  for (const arg of ["--quiet=false", "--quiet=true"]) {
    assert.throws(
      () => configOf(["kafka", "status", arg]),
      (error: unknown) =>
        error instanceof UsageError &&
        /--quiet takes no value \(it is a switch: give it or leave it out\)/.test(error.message),
      arg,
    );
  }
});
