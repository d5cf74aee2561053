/**
 * fraudstream's transaction generator: statistically the same data as Sparkov v1.0, in the same
 * file format, many times faster. Train mode writes a training set with CPU-parallel workers;
 * stream mode writes a never-ending sequence of batch files whose event times follow the clock.
 *
 * `unix_time` is written in UTC; hours and days are those of `trans_date` and `trans_time`.
 *
 * @module
 */

export { generateTrainingSet } from "./train.ts";
export { generateStream, type StreamOptions } from "./stream.ts";
export {
  type CommonOptions,
  DEFAULT_SEED,
  DEFAULT_STREAM_DIR,
  DEFAULT_TRAIN_ROOT,
  defaultDataVersion,
  defaultWorkers,
  type GenerateProgress,
  parseGeneratorDate,
  trainingSetDir,
  type TrainingSetOptions,
} from "./options.ts";
export type { GenerateReport } from "./report.ts";
export { GenerationFailedError, GenerationInterruptedError } from "./errors.ts";
export { FIDELITIES, type Fidelity, GENERATOR_MODES, type GeneratorMode } from "./modes.ts";
export {
  createProgressBar,
  type ProgressBar,
  type ProgressBarOptions,
} from "../../lib/progress_bar.ts";
