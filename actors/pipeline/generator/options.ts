/**
 * Options of the generator's entry points, their defaults and their validation into the settings
 * a run uses. Mistakes are reported as `UsageError`s that name the option and say what to do.
 *
 * @module
 */

import { join } from "node:path";
import { UsageError } from "../../lib/errors.ts";
import { versionName } from "../../../model/version_name.ts";
import { DAY_MS } from "./calendar.ts";
import { MIN_RANGE_DAYS } from "./cards.ts";
import { FIDELITIES, type Fidelity } from "./modes.ts";

/** Folder under which training sets are written, one sub-folder per data version. */
export const DEFAULT_TRAIN_ROOT = "resources/data/train/raw";

/** Folder stream mode writes its batch files into (the producer's watched input folder). */
export const DEFAULT_STREAM_DIR = "resources/data/stream";

/** Seed used when none is given. */
export const DEFAULT_SEED = 42;

/** Progress of a run, reported while it runs. */
export interface GenerateProgress {
  /** Rows written so far. */
  rows: number;
  /** Bytes written so far. */
  bytes: number;
  /** Fraction of the work done, 0..1 (0 for a stream without a duration). */
  fraction: number;
  /** Seconds since the start. */
  seconds: number;
}

/** Options shared by both modes. */
export interface CommonOptions {
  /** Number of customers (cards). */
  customers: number;
  /** Seed: the same seed and settings give the same output. Default 42. */
  seed?: number;
  /** `sparkov` (default) reproduces Sparkov's output, quirk included; `independent` does not. */
  fidelity?: Fidelity;
  /** Called with progress about every 100 ms. */
  onProgress?: (progress: GenerateProgress) => void;
  /** Stops the run when aborted. */
  signal?: AbortSignal;
}

/** Options of `generateTrainingSet`. */
export interface TrainingSetOptions extends CommonOptions {
  /** First day of transactions: a `Date` (its UTC day) or `YYYY-MM-DD` / `MM-DD-YYYY`. */
  start: Date | string;
  /** Last day of transactions (included). */
  end: Date | string;
  /** Folder the files are written into (created if missing). */
  outDir: string;
  /** Web Workers generating in parallel; default: the number of cores. Output does not depend on it. */
  workers?: number;
  /** Day on which customers have the age they were drawn with; default: `end`. */
  asOf?: Date | string;
  /** Module hosting the workers; default: the program's worker entry. */
  workerEntry?: URL | string;
  /** Injected failure, for tests of crash recovery: the worker writing this file crashes once. */
  crashInFile?: string;
}

/** Validated settings of a training run. */
export interface TrainingSettings {
  customers: number;
  seed: number;
  fidelity: Fidelity;
  /** First and last day, as day numbers (days since 1970-01-01). */
  first: number;
  last: number;
  asOf: number;
  outDir: string;
  workers: number;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const US_DATE = /^(\d{2})-(\d{2})-(\d{4})$/;

/**
 * Parses a day given as `YYYY-MM-DD` or, as the seed project wrote it, `MM-DD-YYYY`, into a
 * `Date` at midnight UTC. Throws a `UsageError` naming `what` for anything else.
 */
export function parseGeneratorDate(text: string, what = "date"): Date {
  const value = text.trim();
  let parts: [number, number, number] | undefined;
  let match = ISO_DATE.exec(value);
  if (match) parts = [Number(match[1]), Number(match[2]), Number(match[3])];
  match = US_DATE.exec(value);
  if (match) parts = [Number(match[3]), Number(match[1]), Number(match[2])];
  if (!parts) {
    throw new UsageError(`${what} '${text}' is not a date: write it as YYYY-MM-DD (or MM-DD-YYYY)`);
  }
  const [year, month, day] = parts;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (
    date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day
  ) {
    throw new UsageError(`${what} '${text}' is not a real calendar day`);
  }
  return date;
}

/** Day number (days since 1970-01-01, UTC) of a `Date` or date text. */
export function toDayNumber(value: Date | string, what: string): number {
  const date = typeof value === "string" ? parseGeneratorDate(value, what) : value;
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new UsageError(`${what} is not a valid date`);
  }
  return Math.floor(date.getTime() / DAY_MS);
}

/** Checks the options shared by both modes. */
export function validateCommon(
  options: CommonOptions,
): { customers: number; seed: number; fidelity: Fidelity } {
  const { customers } = options;
  if (!Number.isInteger(customers) || customers < 1) {
    throw new UsageError(`customers must be a whole number of at least 1, not ${customers}`);
  }
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new UsageError(`seed must be a whole number from 0 to 4294967295, not ${seed}`);
  }
  const fidelity = options.fidelity ?? "sparkov";
  if (!FIDELITIES.includes(fidelity)) {
    throw new UsageError(`fidelity must be 'sparkov' or 'independent', not '${fidelity}'`);
  }
  return { customers, seed, fidelity };
}

/** Validates the options of a training run into its settings. */
export function trainingSettings(options: TrainingSetOptions): TrainingSettings {
  const common = validateCommon(options);
  const first = toDayNumber(options.start, "start");
  const last = toDayNumber(options.end, "end");
  if (first < 0) {
    throw new UsageError(
      `start ${dayText(first)} is before 1970-01-01: a transaction's unix_time (seconds since ` +
        "1970-01-01 UTC) would be negative, and the pipeline refuses such rows",
    );
  }
  if (last < first) {
    throw new UsageError(
      `end ${dayText(last)} is before start ${dayText(first)}; move end after start`,
    );
  }
  if (last - first + 1 < MIN_RANGE_DAYS) {
    throw new UsageError(
      `the date range ${dayText(first)} to ${dayText(last)} covers ${last - first + 1} ` +
        `day${last === first ? "" : "s"}; it must cover at least ${MIN_RANGE_DAYS} days (a ` +
        `card's fraud window starts at least a week before the end): move end to ` +
        `${dayText(first + MIN_RANGE_DAYS - 1)} or later, or start to ` +
        `${dayText(last - MIN_RANGE_DAYS + 1)} or earlier`,
    );
  }
  const workers = options.workers ?? defaultWorkers();
  if (!Number.isInteger(workers) || workers < 1) {
    throw new UsageError(`workers must be a whole number of at least 1, not ${workers}`);
  }
  if (!options.outDir) throw new UsageError("an output folder is needed (outDir)");
  const asOf = options.asOf === undefined ? last : toDayNumber(options.asOf, "asOf");
  return { ...common, first, last, asOf, outDir: options.outDir, workers };
}

/** `YYYY-MM-DD` of a day number. */
function dayText(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** Number of cores, the default number of workers. */
export function defaultWorkers(): number {
  return Math.max(1, navigator.hardwareConcurrency || 1);
}

/** A data version name from a moment, like the seed project's: `dd_mm_yyyy_hh_mm_ss` (UTC). */
export function defaultDataVersion(now: Date = new Date()): string {
  const two = (n: number) => String(n).padStart(2, "0");
  return [
    two(now.getUTCDate()),
    two(now.getUTCMonth() + 1),
    String(now.getUTCFullYear()),
    two(now.getUTCHours()),
    two(now.getUTCMinutes()),
    two(now.getUTCSeconds()),
  ].join("_");
}

/** Folder of a training set version: `<root>/<version>` (a plain version name, never a path). */
export function trainingSetDir(version: string, root: string = DEFAULT_TRAIN_ROOT): string {
  return join(root, versionName(version, "the data version"));
}
