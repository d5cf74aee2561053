/**
 * Every setting of fraudstream: its flag, its environment variable (the seed's names where they
 * exist), its default and how its text is parsed. The typed `Settings` object is derived from this
 * table, so a setting exists in exactly one place.
 *
 * @module
 */

import {
  boolean,
  brokerList,
  calendarDate,
  decimal,
  fileWithExtension,
  integer,
  oneOf,
  type Parser,
  port,
  text,
  topicName,
} from "./values.ts";
import { modelChoice, pinnedModelChoice, versionName } from "../model/version_name.ts";
import { STRATEGIES, type Strategy } from "../actors/runtime/types.ts";
import { WIRE_ENCODINGS, type WireEncoding } from "../actors/pipeline/codec/wire_encoding.ts";
import {
  FIDELITIES,
  type Fidelity,
  GENERATOR_MODES,
  type GeneratorMode,
} from "../actors/pipeline/generator/modes.ts";
import { WORKER_FAULTS, type WorkerFault } from "../actors/tools/chaos/catalog.ts";
import { KAFKA_CLIENTS, type KafkaClientName } from "../actors/log/kafka_client.ts";

/** How one setting is named, defaulted and parsed. */
export interface SettingSpec<T> {
  /** Command-line flag without the dashes. */
  flag: string;
  /** Environment variable (also read from the `.env` file). */
  env?: string;
  /** Value when nothing sets it. */
  default: T;
  /** Parses the raw text. */
  parse: Parser<Exclude<T, undefined>>;
  /** One line for `--help` and the README. */
  help: string;
  /** Placeholder in `--help`, e.g. `N` or `DATE`. */
  arg: string;
  /** Never printed or logged (passwords). */
  secret?: boolean;
  /** How the reference describes a default that depends on the host. */
  defaultText?: string;
}

function setting<T>(spec: SettingSpec<T>): SettingSpec<T> {
  return spec;
}

/** A number of Web Workers: 1 to 256, the number of cores by default. */
function workerCount(
  spec: Pick<SettingSpec<number>, "flag" | "env" | "help">,
): SettingSpec<number> {
  return setting<number>({
    ...spec,
    default: Math.max(1, navigator.hardwareConcurrency || 1),
    defaultText: "the number of cores",
    parse: integer({ min: 1, max: 256 }),
    arg: "N",
  });
}

/** Every setting, by the key it has in `Settings`. */
export const SETTINGS = {
  envFile: setting<string>({
    flag: "env-file",
    env: "FRAUDSTREAM_ENV_FILE",
    default: ".env",
    parse: text,
    arg: "FILE",
    help:
      "file of KEY=value lines read before the environment (the default .env may be missing; one named by flag or FRAUDSTREAM_ENV_FILE must exist; a line that is not KEY=value is refused)",
  }),
  duration: setting<number>({
    flag: "duration",
    env: "FRAUDSTREAM_DURATION",
    default: 0,
    parse: decimal({ min: 0 }),
    arg: "SECONDS",
    help: "stop cleanly after this many seconds (0: run until stopped)",
  }),
  report: setting<string | undefined>({
    flag: "report",
    env: "FRAUDSTREAM_REPORT",
    default: undefined,
    parse: text,
    arg: "FILE.json",
    help: "write a machine-readable summary to this file at the end",
  }),
  seed: setting<number>({
    flag: "seed",
    env: "FRAUDSTREAM_SEED",
    default: 42,
    parse: integer({ min: 0, max: 2 ** 32 - 1 }),
    arg: "N",
    help: "random seed; the same seed and settings give the same result",
  }),
  workers: workerCount({
    flag: "workers",
    env: "FRAUDSTREAM_WORKERS",
    help: "Web Workers for CPU work, by command",
  }),
  encoders: workerCount({
    flag: "encoders",
    env: "FRAUDSTREAM_ENCODERS",
    help: "Web Workers parsing, checking and encoding the input lines for the producer",
  }),
  customers: setting<number>({
    flag: "customers",
    env: "NUM_CUSTOMERS",
    default: 100,
    parse: integer({ min: 1, max: 10_000_000 }),
    arg: "N",
    help: "number of customers (cards) to generate",
  }),
  start: setting<string>({
    flag: "start",
    env: "TRANSACTIONS_START_DATE",
    default: "2023-01-01",
    parse: calendarDate,
    arg: "DATE",
    help: "first day of transactions, YYYY-MM-DD (or MM-DD-YYYY)",
  }),
  end: setting<string>({
    flag: "end",
    env: "TRANSACTIONS_END_DATE",
    default: "2023-12-31",
    parse: calendarDate,
    arg: "DATE",
    help: "last day of transactions, YYYY-MM-DD (or MM-DD-YYYY)",
  }),
  mode: setting<GeneratorMode>({
    flag: "mode",
    env: "GEN_MODE",
    default: "train",
    parse: oneOf(GENERATOR_MODES),
    arg: "MODE",
    help: "train: one training set; stream: a never-ending sequence of batch files",
  }),
  out: setting<string | undefined>({
    flag: "out",
    env: "FRAUDSTREAM_OUT",
    default: undefined,
    parse: text,
    arg: "DIR",
    help: "output folder (default depends on the mode)",
  }),
  dataVersion: setting<string | undefined>({
    flag: "version",
    env: "DATA_VERSION",
    default: undefined,
    parse: versionName,
    arg: "NAME",
    help: "data version folder name (default: a timestamp)",
  }),
  fidelity: setting<Fidelity>({
    flag: "fidelity",
    env: "GEN_FIDELITY",
    default: "sparkov",
    parse: oneOf(FIDELITIES),
    arg: "MODE",
    help:
      "sparkov: reproduce Sparkov's output including its quirk; independent: as profiles intend",
  }),
  rate: setting<number>({
    flag: "rate",
    env: "FRAUDSTREAM_RATE",
    default: 0,
    parse: decimal({ min: 0 }),
    arg: "PER_SECOND",
    help: "cap on transactions (or messages) per second (0: as fast as possible)",
  }),
  speed: setting<number>({
    flag: "speed",
    env: "GEN_SPEED",
    default: 1,
    parse: decimal({ min: 0.001, max: 1e9 }),
    arg: "FACTOR",
    help: "stream mode: event time runs this many times faster than the wall clock",
  }),
  strategy: setting<Strategy>({
    flag: "strategy",
    env: "FRAUDSTREAM_STRATEGY",
    default: "one_for_one",
    parse: oneOf(STRATEGIES),
    arg: "STRATEGY",
    help: "supervisor restart strategy: one_for_one, one_for_all or rest_for_one",
  }),
  fault: setting<WorkerFault>({
    flag: "fault",
    env: "FRAUDSTREAM_FAULT",
    default: "crash",
    parse: oneOf(WORKER_FAULTS),
    arg: "KIND",
    help: "kill-worker: crash (terminate the worker) or hang (stop it answering heartbeats)",
  }),
  brokers: setting<string[] | undefined>({
    flag: "brokers",
    env: "KAFKA_BOOTSTRAP_SERVERS",
    default: undefined,
    parse: brokerList,
    arg: "HOST:PORT,...",
    help: "Kafka bootstrap servers (run: the embedded log when not set)",
  }),
  topic: setting<string>({
    flag: "topic",
    env: "KAFKA_TOPIC",
    default: "transactions",
    parse: topicName,
    arg: "NAME",
    help: "topic of the transactions",
  }),
  partitions: setting<number>({
    flag: "partitions",
    env: "NUM_PARTITIONS",
    default: 6,
    parse: integer({ min: 1, max: 10_000 }),
    arg: "N",
    help: "partitions of the topics fraudstream creates",
  }),
  replicationFactor: setting<number | undefined>({
    flag: "replication-factor",
    env: "REPLICATION_FACTOR",
    default: undefined,
    parse: integer({ min: 1, max: 100 }),
    arg: "N",
    help: "replication factor of the topics fraudstream creates (default: the brokers' default)",
  }),
  input: setting<string>({
    flag: "input",
    env: "INPUT_FOLDER",
    default: "resources/data/stream",
    parse: text,
    arg: "DIR",
    help: "folder the producer watches for complete CSV files (waited for while it does not exist)",
  }),
  encoding: setting<WireEncoding>({
    flag: "encoding",
    env: "WIRE_ENCODING",
    default: "arrow",
    parse: oneOf(WIRE_ENCODINGS),
    arg: "FORMAT",
    help:
      "arrow: one Arrow record batch per partition and chunk; json: one message per transaction (kcat)",
  }),
  maxFilesPerTrigger: setting<number>({
    flag: "max-files-per-trigger",
    env: "MAX_FILES_PER_TRIGGER",
    default: 10,
    parse: integer({ min: 1, max: 100_000 }),
    arg: "N",
    help: "most new files the producer takes up per scan of the input folder",
  }),
  inputSettle: setting<number>({
    flag: "input-settle",
    env: "INPUT_SETTLE_SECONDS",
    default: 1,
    parse: decimal({ min: 0, max: 3600 }),
    arg: "SECONDS",
    help: "take up a file once its size and time have not changed for this long (0: at once)",
  }),
  maxLineBytes: setting<number>({
    flag: "max-line-bytes",
    env: "MAX_LINE_BYTES",
    default: 65_536,
    parse: integer({ min: 1024, max: 64 << 20 }),
    arg: "BYTES",
    help: "longest input line; a longer one goes to the dead letters (its first 4 KiB and hash)",
  }),
  producerId: setting<string>({
    flag: "producer-id",
    env: "PRODUCER_ID",
    default: `producer-${Deno.hostname()}`,
    parse: text,
    arg: "NAME",
    help:
      "identity of this producer (one per input folder); a second one with the same id is fenced",
  }),
  groupId: setting<string>({
    flag: "group",
    env: "KAFKA_GROUP_ID",
    default: "fraudstream-scoring",
    parse: text,
    arg: "NAME",
    help: "consumer group of the scoring consumers",
  }),
  clientId: setting<string>({
    flag: "client-id",
    env: "KAFKA_CLIENT_ID",
    default: "fraudstream",
    parse: text,
    arg: "NAME",
    help: "Kafka client id",
  }),
  kafkaClient: setting<KafkaClientName>({
    flag: "kafka-client",
    env: "KAFKA_CLIENT",
    default: "platformatic",
    parse: oneOf(KAFKA_CLIENTS),
    arg: "CLIENT",
    help: "Kafka client library: platformatic (@platformatic/kafka), or kafkajs",
  }),
  kafkaTls: setting<boolean>({
    flag: "kafka-tls",
    env: "KAFKA_TLS",
    default: false,
    parse: boolean,
    arg: "",
    help: "connect to Kafka over TLS",
  }),
  kafkaTlsCa: setting<string | undefined>({
    flag: "kafka-tls-ca",
    env: "KAFKA_TLS_CA",
    default: undefined,
    parse: text,
    arg: "FILE",
    help: "PEM file of certificates to trust for Kafka TLS",
  }),
  saslMechanism: setting<"none" | "plain" | "scram-sha-256" | "scram-sha-512">({
    flag: "sasl-mechanism",
    env: "KAFKA_SASL_MECHANISM",
    default: "none",
    parse: oneOf(["none", "plain", "scram-sha-256", "scram-sha-512"]),
    arg: "MECHANISM",
    help: "SASL authentication with Kafka",
  }),
  saslUsername: setting<string | undefined>({
    flag: "sasl-username",
    env: "KAFKA_SASL_USERNAME",
    default: undefined,
    parse: text,
    arg: "NAME",
    help: "SASL user name",
  }),
  saslPassword: setting<string | undefined>({
    flag: "",
    env: "KAFKA_SASL_PASSWORD",
    default: undefined,
    parse: text,
    arg: "",
    secret: true,
    help: "SASL password (environment or .env only, never a flag; never printed)",
  }),
  model: setting<string>({
    flag: "model",
    env: "MODEL",
    default: "pretrained",
    parse: modelChoice,
    arg: "VERSION|DIR|latest",
    help: "model to score with: a version under --models-dir, a folder, or latest (the version " +
      "promoted with 'model promote', else the newest; followed without a restart; a version " +
      "or folder stays pinned)",
  }),
  shadowModel: setting<string | undefined>({
    flag: "shadow-model",
    env: "SHADOW_MODEL",
    default: undefined,
    parse: pinnedModelChoice,
    arg: "VERSION|DIR",
    help: "also score every transaction with this model (same encoder as --model), never " +
      "alerting on it; the dashboard and /metrics compare the two (alert rate, agreement, " +
      "precision, recall)",
  }),
  reasonCodes: setting<number>({
    flag: "reason-codes",
    env: "REASON_CODES",
    default: 3,
    parse: integer({ min: 0, max: 10 }),
    arg: "N",
    help: "features named on each alert with their contribution to its score (0: none; computed " +
      "for alerts only)",
  }),
  modelsDir: setting<string>({
    flag: "models-dir",
    env: "MODELS_DIR",
    default: "resources/models",
    parse: text,
    arg: "DIR",
    help: "folder of model versions",
  }),
  emitScores: setting<boolean>({
    flag: "scores",
    env: "EMIT_SCORES",
    default: false,
    parse: boolean,
    arg: "",
    help: "also publish every transaction's score to the scores topic",
  }),
  data: setting<string | undefined>({
    flag: "data",
    env: "TRAIN_DATA",
    default: undefined,
    parse: text,
    arg: "DIR",
    help:
      "folder of Sparkov-format CSV files, searched recursively (train: default from --version)",
  }),
  numTrees: setting<number>({
    flag: "trees",
    env: "NUM_TREES",
    default: 128,
    parse: integer({ min: 1, max: 10_000 }),
    arg: "N",
    help: "trees of the Random Forest",
  }),
  maxDepth: setting<number>({
    flag: "max-depth",
    env: "MAX_DEPTH",
    default: 10,
    parse: integer({ min: 1, max: 20 }),
    arg: "N",
    help: "depth of each tree",
  }),
  maxBins: setting<number>({
    flag: "max-bins",
    env: "MAX_BINS",
    default: 32,
    parse: integer({ min: 2, max: 32 }),
    arg: "N",
    help: "quantile bins per numeric feature",
  }),
  minInstances: setting<number>({
    flag: "min-instances",
    env: "MIN_INSTANCES_PER_NODE",
    default: 50,
    parse: integer({ min: 1 }),
    arg: "N",
    help: "fewest (bootstrap-weighted) transactions in a tree node",
  }),
  featureSubset: setting<"sqrt" | "log2" | "onethird" | "all">({
    flag: "feature-subset",
    env: "FEATURE_SUBSET",
    default: "sqrt",
    parse: oneOf(["sqrt", "log2", "onethird", "all"]),
    arg: "STRATEGY",
    help: "features tried at each split",
  }),
  classWeights: setting<"balanced" | "none">({
    flag: "class-weights",
    env: "CLASS_WEIGHTS",
    default: "balanced",
    parse: oneOf(["balanced", "none"]),
    arg: "MODE",
    help: "balanced: each class weighs N / (2 N_class); none: every row weighs 1",
  }),
  threshold: setting<number | undefined>({
    flag: "threshold",
    env: "ALERT_THRESHOLD",
    default: undefined,
    parse: decimal({ min: 0, max: 1 }),
    arg: "P",
    help: "alert when the fraud probability is at least P (default: the model's own; train: " +
      "chosen on the validation part, else 0.5)",
  }),
  holdout: setting<number>({
    flag: "holdout",
    env: "TRAIN_HOLDOUT",
    default: 0.3,
    parse: (raw, name) =>
      raw.trim().toLowerCase() === "none" ? 0 : decimal({ min: 0, max: 0.9 })(raw, name),
    arg: "SHARE|none",
    help: "train: share of cards and of time held out to validate and test; training gets the " +
      "other cards' earlier rows, 49% at 0.3; none: every row, no figures",
  }),
  force: setting<boolean>({
    flag: "force",
    default: false,
    parse: boolean,
    arg: "",
    help: "train, model import-spark: replace what is at the model's folder even when it is " +
      "not a model folder",
  }),
  scoresOut: setting<string | undefined>({
    flag: "scores-out",
    env: "SCORES_OUT",
    default: undefined,
    parse: fileWithExtension([".csv", ".parquet"]),
    arg: "FILE",
    help: "evaluate: write every scored row (trans_num, cc_num, label, score) to this .csv or " +
      ".parquet file",
  }),
  uiHost: setting<string>({
    flag: "ui-host",
    env: "FRAUDSTREAM_UI_HOST",
    default: "127.0.0.1",
    parse: text,
    arg: "HOST",
    help: "address the dashboard, /metrics and /healthz listen on",
  }),
  uiPort: setting<number>({
    flag: "ui-port",
    env: "FRAUDSTREAM_UI_PORT",
    default: 8088,
    parse: port,
    arg: "PORT|off",
    help: "port of the dashboard (0: any free port; off: no dashboard; a default port " +
      "that is taken: a free one)",
  }),
  showCardNumbers: setting<boolean>({
    flag: "show-card-numbers",
    env: "FRAUDSTREAM_SHOW_CARD_NUMBERS",
    default: false,
    parse: boolean,
    arg: "",
    help: "show full card numbers on the dashboard and /api/status, for a local demo " +
      "(default: masked, the last 4 and up to the first 6 digits, at most half the number)",
  }),
  driftThreshold: setting<number>({
    flag: "drift-threshold",
    env: "DRIFT_THRESHOLD",
    default: 0.2,
    parse: decimal({ min: 0.001, max: 100 }),
    arg: "PSI",
    help: "raise a drift alarm when a feature's (or the score's) population stability index " +
      "over the window exceeds this (cleared at half of it)",
  }),
  driftWindow: setting<number>({
    flag: "drift-window",
    env: "DRIFT_WINDOW_HOURS",
    default: 168,
    parse: decimal({ min: 0.1, max: 100_000 }),
    arg: "HOURS",
    help: "drift: the sliding window, in hours of event time (a week covers the weekly cycle)",
  }),
  driftSample: setting<number>({
    flag: "drift-sample",
    env: "DRIFT_SAMPLE",
    default: 0.25,
    parse: decimal({ min: 0, max: 1 }),
    arg: "SHARE",
    help: "drift: share of the transactions binned into the window (every 1/SHARE-th; 0: no " +
      "drift monitor)",
  }),
  kafkaNodes: setting<1 | 3>({
    flag: "nodes",
    env: "KAFKA_NODES",
    default: 3,
    parse: (raw, name) => Number(oneOf(["1", "3"])(raw, name)) as 1 | 3,
    arg: "1|3",
    help: "nodes of the local Kafka cluster",
  }),
  kafkaDir: setting<string>({
    flag: "dir",
    env: "KAFKA_DIR",
    // Empty counts as unset, as the XDG base directory spec says.
    default: `${
      Deno.env.get("XDG_STATE_HOME") || `${Deno.env.get("HOME") || "."}/.local/state`
    }/fraudstream/kafka`,
    defaultText: "$XDG_STATE_HOME/fraudstream/kafka (~/.local/state/fraudstream/kafka)",
    parse: text,
    arg: "DIR",
    help: "folder of the local Kafka cluster (settings, data, logs)",
  }),
  kafkaPortBase: setting<number>({
    flag: "port-base",
    env: "KAFKA_PORT_BASE",
    default: 9092,
    parse: integer({ min: 1024, max: 35534 }),
    arg: "PORT",
    help: "node n listens on PORT + n*10000 (9092: 19092, 29092, 39092)",
  }),
  kafkaNode: setting<number | undefined>({
    flag: "node",
    env: "KAFKA_NODE",
    default: undefined,
    parse: integer({ min: 1, max: 3 }),
    arg: "N",
    help: "the node to kill or start",
  }),
  wipe: setting<boolean>({
    flag: "wipe",
    env: "KAFKA_WIPE",
    default: false,
    parse: boolean,
    arg: "",
    help: "down: also delete what 'kafka up' made in --dir (its nodes' data and logs), and the " +
      "folder once nothing else is in it; a folder without a cluster is refused",
  }),
  rows: setting<number>({
    flag: "rows",
    env: "BENCH_ROWS",
    default: 200_000,
    parse: integer({ min: 100, max: 1_000_000 }),
    arg: "N",
    help:
      "bench: transactions per cell on the embedded log, over its runs (Kafka cells take a fifth)",
  }),
  repeat: setting<number>({
    flag: "repeat",
    env: "BENCH_REPEAT",
    default: 3,
    parse: integer({ min: 1, max: 20 }),
    arg: "N",
    help: "bench: runs of every cell, sharing its --rows; the tables show the median and min..max",
  }),
  quiet: setting<boolean>({
    flag: "quiet",
    env: "FRAUDSTREAM_QUIET",
    default: false,
    parse: boolean,
    arg: "",
    help: "print no progress or status lines",
  }),
};

/** Key of a setting. */
export type SettingKey = keyof typeof SETTINGS;

/** The resolved, typed value of every setting. */
export type Settings = {
  readonly [K in SettingKey]: (typeof SETTINGS)[K] extends SettingSpec<infer T> ? T : never;
};

/** True for settings given as a bare flag (`--quiet`) rather than `--flag value`. */
export function isSwitch(key: SettingKey): boolean {
  return SETTINGS[key].parse === boolean;
}
