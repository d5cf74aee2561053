/**
 * fraudstream: one program, a subcommand per role. This module is also the entry of the program's
 * Web Workers, so a single bundled file serves both.
 *
 * @module
 */

import { inWorker, serveWorker } from "./actors/runtime/worker_host.ts";
import { setWorkerEntry } from "./actors/pipeline/workers/specs.ts";
import { writeFileAtomic } from "./actors/lib/atomic_write.ts";
import { FraudstreamError, InterruptedError, UsageError } from "./actors/lib/errors.ts";
import { isJsonObject } from "./actors/lib/json_object.ts";
import { dirname, join, resolve } from "node:path";
import { commandHelp, mainHelp, VERSION } from "./config/help.ts";
import { loadConfig } from "./config/load.ts";

/** Where `main` writes; tests capture it. */
export interface MainIO {
  stdout(line: string): void;
  stderr(line: string): void;
  /** Aborted on SIGINT/SIGTERM (default: installs the signal handlers). */
  signal?: AbortSignal;
}

const consoleIO: MainIO = {
  stdout: (line) => console.log(line),
  stderr: (line) => console.error(line),
};

/** Runs the command line `args` and returns the process exit code. */
export async function main(args: string[], io: MainIO = consoleIO): Promise<number> {
  try {
    const invocation = loadConfig(args);
    if (invocation.kind === "version") {
      io.stdout(`fraudstream ${VERSION}`);
      return 0;
    }
    if (invocation.kind === "help") {
      io.stdout(invocation.command ? commandHelp(invocation.command) : mainHelp());
      return 0;
    }
    const { command, config } = invocation;
    if (config.report !== undefined) await checkReportPath(config.report);
    const handler = await command.load();
    const status = (line: string) => {
      if (!config.quiet) io.stderr(line);
    };
    const interrupt = io.signal ? undefined : interruptSignal({ stderr: io.stderr, status });
    try {
      const outcome = await handler(config, {
        signal: io.signal ?? interrupt!.signal,
        status,
        print: io.stdout,
        onForcedExit: interrupt?.onForcedExit ?? (() => () => {}),
      }).catch(async (error) => {
        // An interrupted command's report of what it did before is written all the same.
        if (error instanceof InterruptedError && error.report !== undefined && config.report) {
          await writeReport(config.report, error.report);
        }
        throw error;
      });
      if (config.report !== undefined && outcome.report !== undefined) {
        await writeReport(config.report, outcome.report);
      }
      return outcome.exitCode;
    } finally {
      interrupt?.dispose();
    }
  } catch (error) {
    if (error instanceof FraudstreamError) {
      io.stderr(`fraudstream: ${error.message}`);
      return error.exitCode;
    }
    const debug = Deno.env.get("FRAUDSTREAM_DEBUG");
    io.stderr(`fraudstream: internal error: ${error instanceof Error ? error.message : error}`);
    io.stderr(
      debug && error instanceof Error
        ? String(error.stack)
        : "(set FRAUDSTREAM_DEBUG=1 to see the stack trace, and please report it)",
    );
    return 70;
  }
}

/** How long a clean stop may take after SIGINT/SIGTERM before the process exits anyway, in ms. */
const STOP_GRACE_MS = 20_000;

/**
 * Signals this soon after the first one are that same interrupt: a terminal's Ctrl-C reaches every
 * process of its group, and wrappers such as `deno task` and npm pass it on again, so one key press
 * can arrive two or three times within milliseconds.
 */
const SAME_INTERRUPT_MS = 1000;

/**
 * An abort signal for SIGINT and SIGTERM, a register of cleanups for a forced exit, and a way to
 * remove the handlers. The first signal (with its repeats within `SAME_INTERRUPT_MS`) asks for a
 * clean stop; a later one, or a stop still going after `STOP_GRACE_MS` (a Kafka cluster that
 * cannot be reached to leave the group, say), runs the cleanups and ends the process at once:
 * what was not committed is read again by whoever takes the partitions over, so nothing is lost.
 */
function interruptSignal(out: { stderr(line: string): void; status(line: string): void }): {
  signal: AbortSignal;
  onForcedExit(cleanup: () => void): () => void;
  dispose(): void;
} {
  const controller = new AbortController();
  const signals: Deno.Signal[] = Deno.build.os === "windows" ? ["SIGINT"] : ["SIGINT", "SIGTERM"];
  const cleanups = new Set<() => void>();
  let deadline: ReturnType<typeof setTimeout> | undefined;
  let firstAt: number | undefined;
  const exitNow = (why: string) => {
    out.stderr(
      `fraudstream: ${why}; exiting without a clean stop (uncommitted work is read again)`,
    );
    for (const cleanup of cleanups) {
      try {
        cleanup();
      } catch (error) {
        out.stderr(`fraudstream: a cleanup failed: ${(error as Error).message ?? error}`);
      }
    }
    Deno.exit(130);
  };
  const onSignal = () => {
    if (firstAt !== undefined) {
      if (performance.now() - firstAt < SAME_INTERRUPT_MS) return;
      exitNow("interrupted again");
    }
    firstAt = performance.now();
    out.status(
      `fraudstream: stopping cleanly; interrupt again after ${SAME_INTERRUPT_MS / 1000} s ` +
        `to exit at once`,
    );
    controller.abort(new Error("interrupted"));
    const timer = setTimeout(
      () => exitNow(`the clean stop took longer than ${STOP_GRACE_MS / 1000} s`),
      STOP_GRACE_MS,
    );
    Deno.unrefTimer(timer);
    deadline = timer;
  };
  for (const name of signals) Deno.addSignalListener(name, onSignal);
  return {
    signal: controller.signal,
    onForcedExit: (cleanup) => {
      cleanups.add(cleanup);
      return () => cleanups.delete(cleanup);
    },
    dispose: () => {
      clearTimeout(deadline);
      const ignore = () => {};
      for (const name of signals) {
        // Once stopping, the process exits right after this: a late repeat of the same interrupt
        // must not kill it first (with no listener left, a signal ends the process as 130).
        if (firstAt !== undefined) Deno.addSignalListener(name, ignore);
        Deno.removeSignalListener(name, onSignal);
      }
    },
  };
}

/**
 * Refuses a `--report` path that cannot be written, or holds a file that is no report, before the
 * command runs, not after it.
 */
async function checkReportPath(path: string): Promise<void> {
  const folder = dirname(resolve(path));
  if (!(await Deno.stat(folder).catch(() => undefined))?.isDirectory) {
    throw new UsageError(`--report ${path}: folder '${folder}' does not exist`);
  }
  const info = await Deno.stat(path).catch(() => undefined);
  if (info?.isDirectory) {
    throw new UsageError(
      `--report ${path} is a folder; give a file name, such as ${join(path, "report.json")}`,
    );
  }
  // What is there already is replaced only if it is empty or a report (a JSON object): a data
  // file or any other named by mistake is not the program's to overwrite.
  if (
    info !== undefined && info.size > 0 &&
    !(info.size <= MAX_REPORT_BYTES && await isJsonObjectFile(path))
  ) {
    throw new UsageError(
      `--report ${path} is not a fraudstream report (a JSON object), so it is left as it is; ` +
        "name a new file",
    );
  }
}

/** Larger than any report: a file this size is not read to see whether it is one. */
const MAX_REPORT_BYTES = 64 * 1024 * 1024;

/** Whether `path` holds one JSON object (what every report is). */
async function isJsonObjectFile(path: string): Promise<boolean> {
  try {
    return isJsonObject(JSON.parse(await Deno.readTextFile(path)));
  } catch {
    return false;
  }
}

/** Writes `report` as JSON, atomically (a reader never sees half a file). */
async function writeReport(path: string, report: unknown): Promise<void> {
  try {
    await writeFileAtomic(path, JSON.stringify(report, null, 2) + "\n");
  } catch (error) {
    throw new FraudstreamError(
      `cannot write the report to '${path}': ${
        (error as Error).message
      }; check that its folder exists and is writable`,
    );
  }
}

if (inWorker()) {
  // No `await` before serveWorker: the main thread's first message would be lost.
  serveWorker(
    import("./actors/pipeline/workers/registry.ts").then((module) => module.WORKER_BEHAVIORS),
  );
} else if (import.meta.main) {
  setWorkerEntry(import.meta.url);
  Deno.exit(await main(Deno.args));
}
