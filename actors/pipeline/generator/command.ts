/**
 * `fraudstream generate`: a training set (train mode) or a never-ending stream of batch files
 * (stream mode).
 *
 * @module
 */

import { UsageError } from "../../lib/errors.ts";
import type { CommandHandler } from "../command.ts";
import {
  createProgressBar,
  DEFAULT_STREAM_DIR,
  DEFAULT_TRAIN_ROOT,
  defaultDataVersion,
  generateStream,
  generateTrainingSet,
  trainingSetDir,
} from "./mod.ts";

/** Runs the generator in the configured mode and reports what it wrote. */
export const generateCommand: CommandHandler = async (config, ctx) => {
  const bar = config.quiet ? undefined : createProgressBar();
  const common = {
    customers: config.customers,
    seed: config.seed,
    fidelity: config.fidelity,
    signal: ctx.signal,
    onProgress: bar?.update,
  };
  try {
    if (config.mode === "train") {
      if (config.out !== undefined && config.dataVersion !== undefined) {
        throw new UsageError(
          `generate: --out ${config.out} is the output folder itself and --version ` +
            `${config.dataVersion} names one under ${DEFAULT_TRAIN_ROOT}; give one of them`,
        );
      }
      const version = config.dataVersion ?? defaultDataVersion();
      const outDir = config.out ?? trainingSetDir(version);
      const report = await generateTrainingSet({
        ...common,
        start: config.start,
        end: config.end,
        outDir,
        workers: config.workers,
      });
      bar?.finish();
      ctx.print(
        `generated ${report.rows} transactions (${report.frauds} fraud) for ${report.customers} ` +
          `customers in ${report.seconds.toFixed(2)} s (${
            Math.round(report.rows_per_second)
          } rows/s)`,
      );
      if (config.out === undefined) ctx.print(`data version: ${version} (${outDir})`);
      return {
        exitCode: 0,
        report: { ...report, version: config.out === undefined ? version : null },
      };
    }
    const outDir = config.out ?? DEFAULT_STREAM_DIR;
    const report = await generateStream({
      ...common,
      outDir,
      speed: config.speed,
      rate: config.rate,
      durationMs: config.duration * 1000,
    });
    bar?.finish();
    ctx.print(
      `wrote ${report.rows} transactions in ${report.files} files to ${outDir} ` +
        `in ${report.seconds.toFixed(1)} s`,
    );
    return { exitCode: 0, report };
  } finally {
    bar?.finish();
  }
};
