/**
 * The command table: each subcommand, what it does, the positional arguments and flags it
 * accepts, its per-command defaults, and its implementation, loaded on first use (so that
 * `--help` or one command never loads the others).
 *
 * @module
 */

import type { CommandHandler } from "../actors/pipeline/command.ts";
import { DEFAULT_STREAM_DIR, DEFAULT_TRAIN_ROOT } from "../actors/pipeline/generator/options.ts";
import { BENCH_SCENARIOS } from "../actors/tools/bench/scenarios.ts";
import { MAX_PACED_MULTIPLE, MIN_PACED_SECONDS } from "../actors/tools/bench/plan.ts";
import {
  CHAOS_SCENARIOS,
  IN_PROCESS_SCENARIOS,
  KAFKA_SCENARIOS,
} from "../actors/tools/chaos/catalog.ts";
import type { FlagScope } from "./flag_scope.ts";
import type { SettingKey, Settings } from "./settings.ts";

/** A positional argument of a subcommand. */
export interface PositionalSpec {
  name: string;
  /** Allowed values; any value when absent. */
  choices?: readonly string[];
  required: boolean;
  help: string;
}

/** One subcommand. */
export interface CommandSpec {
  name: string;
  summary: string;
  /** Example invocations shown in `--help`. */
  examples: string[];
  positionals: PositionalSpec[];
  /** Settings this command accepts as flags. */
  flags: SettingKey[];
  /** Defaults that differ from the global ones for this command. */
  defaults?: Partial<Settings>;
  /** What a flag does in this command, where the setting's own help is too general. */
  flagHelp?: Partial<Record<SettingKey, string>>;
  /** Flags that only some values of one argument use (a mode, an action, a scenario). */
  flagScope?: FlagScope;
  /** Loads the command's implementation (a dynamic import: only the command run is loaded). */
  load(): Promise<CommandHandler>;
}

/** Flags of every long-running command. */
const LONG_RUNNING: SettingKey[] = ["duration", "report", "quiet"];

/** Flags that say how to reach Kafka. */
const KAFKA: SettingKey[] = [
  "brokers",
  "clientId",
  "kafkaClient",
  "kafkaTls",
  "kafkaTlsCa",
  "saslMechanism",
  "saslUsername",
];

/** Flags of the drift monitor. */
const DRIFT: SettingKey[] = ["driftThreshold", "driftWindow", "driftSample"];

/** Flags that name and shape the topics. */
const TOPIC_LAYOUT: SettingKey[] = ["topic", "partitions", "replicationFactor"];

/** What `--workers` sizes where transactions are scored. */
const SCORING_WORKERS = "Web Workers scoring transactions with the model";

/**
 * What the chaos scenarios use of their flags: a scenario on a Kafka cluster of its own takes no
 * connection settings, and runs its `consume` processes with one scoring worker and their own
 * supervisors (`kill-broker` excepted, which scores in this process); `--fault` is
 * `kill-worker`'s. `all` runs scenarios that use each of them, so it takes them all.
 */
function chaosFlagScope(): FlagScope {
  const scenarios = Object.keys(IN_PROCESS_SCENARIOS);
  const inProcess = [...scenarios, "all"];
  const connection = KAFKA.filter((key) => key !== "kafkaClient");
  const scoring = [...scenarios, "kill-broker", "all"];
  return {
    argument: "scenario",
    uses: {
      fault: ["kill-worker", "all"],
      ...Object.fromEntries(connection.map((key) => [key, inProcess])),
      workers: scoring,
      strategy: scoring,
    },
    note: (scenario) =>
      Object.hasOwn(KAFKA_SCENARIOS, scenario)
        ? "it starts a Kafka cluster of its own, and its own role processes"
        : undefined,
  };
}

/** Every subcommand, in the order `--help` lists them. */
export const COMMANDS: CommandSpec[] = [
  {
    name: "generate",
    load: async () => (await import("../actors/pipeline/generator/command.ts")).generateCommand,
    summary: "generate synthetic card transactions (Sparkov format) for training or as a stream",
    examples: [
      "fraudstream generate --mode train --customers 1000 --start 2023-01-01 --end 2023-12-31",
      "fraudstream generate --mode stream --customers 1000 --speed 100000 --rate 5000 --duration 60",
    ],
    positionals: [],
    flags: [
      "mode",
      "customers",
      "start",
      "end",
      "seed",
      "workers",
      "out",
      "dataVersion",
      "fidelity",
      "rate",
      "speed",
      ...LONG_RUNNING,
    ],
    flagHelp: {
      workers: "Web Workers generating a training set in parallel (--mode train; a stream is " +
        "written by one Web Worker of its own)",
      out: `output folder itself (default: ${DEFAULT_TRAIN_ROOT}/<version> for --mode train, ` +
        `${DEFAULT_STREAM_DIR} for --mode stream)`,
      dataVersion: "--mode train without --out: the training set's folder name under " +
        `${DEFAULT_TRAIN_ROOT} (default: a timestamp)`,
    },
    flagScope: {
      argument: "mode",
      flag: "--mode",
      uses: {
        start: ["train"],
        end: ["train"],
        dataVersion: ["train"],
        workers: ["train"],
        rate: ["stream"],
        speed: ["stream"],
        duration: ["stream"],
      },
    },
  },
  {
    name: "train",
    load: async () => (await import("../actors/pipeline/model_commands.ts")).trainCommand,
    summary: "encode raw transactions, train the Random Forest on some cards' earlier rows and " +
      "test it on held-out cards and time (--holdout); writes a model folder",
    examples: [
      "fraudstream train --version 24_11_2026_07_18_05",
      "fraudstream train --data resources/data/train/raw/v1 --trees 128 --max-depth 5 --out /tmp/model",
      "fraudstream train --version v1 --holdout none --threshold 0.62   # final model, every row",
    ],
    positionals: [],
    flags: [
      "dataVersion",
      "data",
      "out",
      "modelsDir",
      "force",
      "holdout",
      "threshold",
      "numTrees",
      "maxDepth",
      "maxBins",
      "minInstances",
      "featureSubset",
      "classWeights",
      "seed",
      "workers",
      "report",
      "quiet",
    ],
    flagHelp: { workers: "Web Workers growing the trees in parallel" },
  },
  {
    name: "evaluate",
    load: async () => (await import("../actors/pipeline/model_commands.ts")).evaluateCommand,
    summary: "score labelled transactions with a model: precision, recall, PR-AUC, ROC-AUC",
    examples: [
      "fraudstream evaluate --data resources/data/train/raw/v2 --report eval.json",
      "fraudstream evaluate --model resources/models/v1 --data /data/sparkov --threshold 0.8",
      "fraudstream evaluate --model v1 --data /data/sparkov --scores-out scores.parquet",
    ],
    positionals: [],
    flags: ["model", "modelsDir", "data", "threshold", "scoresOut", "report", "quiet"],
  },
  {
    name: "model",
    load: async () => (await import("../actors/pipeline/model_commands.ts")).modelCommand,
    summary: "import the seed's Spark Random Forest, list the model versions, promote the one " +
      "that alerts, or profile a model's reference distribution (for drift alarms) on data",
    examples: [
      "fraudstream model import-spark /data/seed/RandomForestModel seed-rf",
      "fraudstream consume --model seed-rf --brokers 127.0.0.1:19092",
      "fraudstream model list",
      "fraudstream model promote v2     # consumers with --model latest switch to v2",
      "fraudstream model promote latest # they follow the newest version again",
      "fraudstream model profile v1 --data /data/sparkov",
    ],
    positionals: [
      {
        name: "action",
        choices: ["import-spark", "list", "promote", "profile"],
        required: true,
        help: "import-spark: read a Spark ML RandomForestClassificationModel folder; list: " +
          "versions; promote: make a version the one consumers with --model latest score " +
          "and alert with, without a restart (until another is promoted, even when newer " +
          "versions are trained; consumers pinned to a version stay pinned); profile: write " +
          "the model's reference.json from --data",
      },
      {
        name: "path",
        required: false,
        help: "import-spark: the folder Spark's model.save() wrote; promote: the VERSION under " +
          "--models-dir, or latest to follow the newest version again; profile: the model (a " +
          "version under --models-dir, or a folder)",
      },
      {
        name: "name",
        required: false,
        help: "import-spark: version name under --models-dir (default: the folder's name)",
      },
    ],
    flags: ["modelsDir", "data", "threshold", "force", "report", "quiet"],
    flagScope: {
      argument: "action",
      uses: { threshold: ["import-spark"], force: ["import-spark"], data: ["profile"] },
    },
  },
  {
    name: "produce",
    load: async () => (await import("../actors/pipeline/producer/command.ts")).produceCommand,
    summary: "watch an input folder and publish its transactions, keyed by card number",
    examples: [
      "fraudstream produce --brokers 127.0.0.1:19092 --input resources/data/stream",
      "fraudstream produce --brokers kafka1:9092,kafka2:9092 --encoding arrow --duration 60",
    ],
    positionals: [],
    flags: [
      "input",
      "encoding",
      "maxFilesPerTrigger",
      "inputSettle",
      "maxLineBytes",
      "producerId",
      "encoders",
      "uiHost",
      "uiPort",
      ...TOPIC_LAYOUT,
      ...KAFKA,
      ...LONG_RUNNING,
    ],
    defaults: { uiPort: 8090 },
  },
  {
    name: "consume",
    load: async () => (await import("../actors/pipeline/consumer/command.ts")).consumeCommand,
    summary: "score transactions from the log in per-partition actors and publish alerts",
    examples: [
      "fraudstream consume --brokers 127.0.0.1:19092 --workers 2",
      "fraudstream consume --brokers kafka1:9092 --model latest --scores",
    ],
    positionals: [],
    flags: [
      "workers",
      "model",
      "modelsDir",
      "shadowModel",
      "reasonCodes",
      "groupId",
      "emitScores",
      "uiHost",
      "uiPort",
      "showCardNumbers",
      ...DRIFT,
      ...TOPIC_LAYOUT,
      ...KAFKA,
      ...LONG_RUNNING,
    ],
    defaults: { uiPort: 8089 },
    flagHelp: { workers: SCORING_WORKERS },
  },
  {
    name: "run",
    load: async () => (await import("../actors/pipeline/run/command.ts")).runCommand,
    summary: "every role in one process: generator, producer, consumers (the demo)",
    examples: [
      "fraudstream run --duration 60 --report run.json",
      "fraudstream run --customers 2000 --speed 200000 --encoding arrow",
      "fraudstream run --brokers 127.0.0.1:19092,127.0.0.1:29092,127.0.0.1:39092",
    ],
    positionals: [],
    flags: [
      "customers",
      "seed",
      "fidelity",
      "speed",
      "rate",
      "workers",
      "encoders",
      "encoding",
      "model",
      "modelsDir",
      "shadowModel",
      "reasonCodes",
      "groupId",
      "emitScores",
      "uiHost",
      "uiPort",
      "showCardNumbers",
      ...DRIFT,
      ...TOPIC_LAYOUT,
      ...KAFKA,
      ...LONG_RUNNING,
    ],
    defaults: { customers: 1000, speed: 100_000, encoders: 1 },
    flagHelp: { workers: SCORING_WORKERS },
  },
  {
    name: "kafka",
    load: async () => (await import("../actors/tools/kafka_local/command.ts")).kafkaCommand,
    summary: "a local Apache Kafka cluster (KRaft) started from jars, for hosts without Docker",
    examples: [
      "fraudstream kafka up                 # 3 nodes: 127.0.0.1:19092,29092,39092",
      "fraudstream kafka up --nodes 1 --port-base 9192",
      "fraudstream kafka kill --node 2      # SIGKILL one node, for chaos",
      "fraudstream kafka start --node 2",
      "fraudstream kafka status",
      "fraudstream kafka down --wipe",
    ],
    positionals: [{
      name: "action",
      choices: ["up", "down", "status", "kill", "start"],
      required: true,
      help:
        "up: start the cluster and create the topics; down: stop it; status; kill/start one node",
    }],
    flags: [
      "kafkaNodes",
      "kafkaDir",
      "kafkaPortBase",
      "kafkaNode",
      "wipe",
      "topic",
      "partitions",
      "replicationFactor",
      "report",
      "quiet",
    ],
  },
  {
    name: "chaos",
    load: async () => (await import("../actors/tools/chaos/command.ts")).chaosCommand,
    summary: "run a fault scenario under load and report what was lost (nothing, we hope)",
    examples: [
      "fraudstream chaos kill-actor --strategy one_for_all --report chaos.json",
      "fraudstream chaos kill-worker --fault hang --seed 7",
      "fraudstream chaos kill-broker --duration 60",
    ],
    positionals: [{
      name: "scenario",
      choices: Object.keys(CHAOS_SCENARIOS),
      required: true,
      help: "the fault to inject",
    }],
    flags: [
      "strategy",
      "fault",
      "seed",
      "rate",
      "customers",
      "workers",
      "encoding",
      "model",
      "modelsDir",
      ...KAFKA,
      ...LONG_RUNNING,
    ],
    defaults: { duration: 20, rate: 3000, customers: 2000 },
    flagHelp: { workers: SCORING_WORKERS },
    flagScope: chaosFlagScope(),
  },
  {
    name: "bench",
    load: async () => (await import("../actors/tools/bench/command.ts")).benchCommand,
    summary: "throughput and latency scenarios, printed as tables",
    examples: [
      "fraudstream bench scaling --report bench.json      # also writes bench.html",
      "fraudstream bench scaling --brokers 127.0.0.1:19092,127.0.0.1:29092,127.0.0.1:39092",
      "fraudstream bench e2e --partitions 2 --workers 1 --rows 50000 --repeat 5",
    ],
    positionals: [{
      name: "scenario",
      choices: Object.keys(BENCH_SCENARIOS),
      required: true,
      help: "scaling: consumer (partitions x scoring workers), producer (1 and 2 producer " +
        "actors), data growth (1x 2x 4x 8x) and end-to-end cells; e2e: only the end-to-end " +
        "cells (per encoding x partitions x workers: burst throughput, and detection latency " +
        "p50/p99 from file written to score committed under a paced load of --rate, default " +
        "half the burst rate). Grid: 1, 2, 6 partitions up to --partitions and 1, 2, 4... " +
        "workers up to --workers, on the embedded log and, with --brokers, on Kafka, where " +
        "every cell run works on topics of its own (bench-<id>-..., alerts, card states and " +
        "the producers' ledger included), deleted after it: nothing goes into the deployment's " +
        "topics. A cell that loses or duplicates a transaction fails the bench (exit 1)",
    }],
    flags: [
      "rows",
      "repeat",
      "partitions",
      "workers",
      "encoding",
      "rate",
      "seed",
      "model",
      "modelsDir",
      "shadowModel",
      "reasonCodes",
      "replicationFactor",
      ...KAFKA,
      "report",
      "quiet",
    ],
    flagHelp: {
      workers: "the most scoring workers in the grid (cells with 1, 2, 4... up to N)",
      rate: "transactions per second offered in the end-to-end cells' paced phase, whose " +
        `latency they report; a rate given paces ${MIN_PACED_SECONDS} s of transactions, or half ` +
        `the cell's rows if more, at most ${MAX_PACED_MULTIPLE} times its rows (0: half the ` +
        "burst throughput, over half the cell's rows; above the burst throughput it measures a " +
        "backlog, and the bench warns)",
    },
  },
];

/** Looks up a subcommand by name. */
export function findCommand(name: string): CommandSpec | undefined {
  return COMMANDS.find((command) => command.name === name);
}
