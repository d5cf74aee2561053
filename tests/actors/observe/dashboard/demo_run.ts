/**
 * `fraudstream run` (the embedded demo) started in the test's own process through `main`, with its
 * dashboard on a free port, for the dashboard tests.
 *
 * @module
 */

import { main } from "../../../../main.ts";

const MODELS_DIR = new URL("../../../../resources/models", import.meta.url).pathname;

/** A `run` in progress. */
export interface DemoRun {
  /** The dashboard, e.g. `http://127.0.0.1:41305/`. */
  readonly url: string;
  /** Resolves with the exit code of `main`. */
  readonly exited: Promise<number>;
  /** Everything the run printed so far: status lines and the summary. */
  readonly output: string[];
  /** The first line matching `pattern`, printed before or after the call; rejects on exit. */
  line(pattern: RegExp): Promise<string>;
  /** Interrupts the run as Ctrl-C would: generation stops, the pipeline drains and reports. */
  stop(): void;
  /** The `--report` JSON; once exited. */
  report(): Promise<Record<string, unknown>>;
  /** Stops the run if it still goes, waits for its end and removes its files. */
  close(): Promise<void>;
}

/**
 * Starts `fraudstream run` with a small load (300 cards, one scoring worker) and `flags`, and
 * resolves once its dashboard listens.
 */
export async function startDemoRun(flags: string[] = []): Promise<DemoRun> {
  const dir = await Deno.makeTempDir({ prefix: "fraudstream-dashboard-test-" });
  const reportPath = `${dir}/run.json`;
  // No settings from a developer's .env.
  await Deno.writeTextFile(`${dir}/empty.env`, "");
  const interrupt = new AbortController();
  const output: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  const onLine = (line: string) => {
    output.push(line);
    for (const waiter of waiters) {
      if (waiter.pattern.test(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  };
  const exited = main(
    [
      "run",
      "--customers",
      "300",
      "--workers",
      "1",
      "--ui-host",
      "127.0.0.1",
      "--ui-port",
      "0",
      "--models-dir",
      MODELS_DIR,
      "--model",
      "pretrained",
      "--env-file",
      `${dir}/empty.env`,
      "--report",
      reportPath,
      ...flags,
    ],
    { stdout: onLine, stderr: onLine, signal: interrupt.signal },
  );
  const line = (pattern: RegExp): Promise<string> => {
    const seen = output.find((l) => pattern.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    const { promise, resolve } = Promise.withResolvers<string>();
    waiters.add({ pattern, resolve });
    return Promise.race([
      promise,
      exited.then((code) => {
        throw new Error(
          `run exited (${code}) before printing ${pattern}:\n${output.join("\n")}`,
        );
      }),
    ]);
  };
  const close = async () => {
    interrupt.abort();
    await exited.catch(() => {});
    await Deno.remove(dir, { recursive: true });
  };
  let url: string;
  try {
    url = (await line(/^run: dashboard at /)).replace(/^run: dashboard at /, "");
  } catch (error) {
    await close();
    throw error;
  }
  return {
    url,
    exited,
    output,
    line,
    stop: () => interrupt.abort(),
    report: async () => JSON.parse(await Deno.readTextFile(reportPath)),
    close,
  };
}
