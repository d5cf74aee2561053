/**
 * fraudstream roles as separate operating-system processes, for scenarios that kill or restart
 * whole processes (and for tests of several consumers sharing a group).
 *
 * @module
 */

/** A role started as its own process. */
export interface RoleProcess {
  readonly pid: number;
  /** The folder of the report: `SpawnOptions.workDir`, or the one made for it (gone once exited). */
  readonly workDir: string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number>;
  /** Sends a signal (SIGKILL by default). */
  kill(signal?: Deno.Signal): void;
  /** The report the process wrote with `--report`, once it exited. */
  report<T = Record<string, unknown>>(): Promise<T | undefined>;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
}

/** How to start a role. */
export interface SpawnOptions {
  /** The program's entry (main.ts or the bundle). */
  entry: string | URL;
  /** Subcommand and its arguments, without `--report` (added by `spawnRole`). */
  args: string[];
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Folder for the report file (default: a new temporary folder, removed once the role exits). */
  workDir?: string;
  /** Receives each line the process prints. */
  onLine?: (line: string) => void;
  /** Wraps the command line (e.g. to run it inside a network namespace). */
  wrap?: (command: string[]) => string[];
}

/** Starts `fraudstream <args>` as a child process with `--report` pointing into `workDir`. */
export async function spawnRole(options: SpawnOptions): Promise<RoleProcess> {
  const owned = options.workDir === undefined;
  const workDir = options.workDir ?? await Deno.makeTempDir({ prefix: "fraudstream-role-" });
  const reportPath = `${workDir}/report-${crypto.randomUUID()}.json`;
  const entry = options.entry instanceof URL ? options.entry.href : options.entry;
  const plain = [
    Deno.execPath(),
    "run",
    "--allow-all",
    entry,
    ...options.args,
    "--report",
    reportPath,
  ];
  const command = options.wrap ? options.wrap(plain) : plain;
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    env: { NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let printed = "";
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    let carry = "";
    for await (const chunk of stream) {
      const text = carry + decoder.decode(chunk, { stream: true });
      const lines = text.split("\n");
      carry = lines.pop()!;
      for (const line of lines) {
        printed += line + "\n";
        options.onLine?.(line);
      }
    }
    if (carry) {
      printed += carry + "\n";
      options.onLine?.(carry);
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  /** The report, read once the process has exited (undefined: none, or not JSON). */
  let report: unknown;
  const exited = child.status.then(async (status) => {
    await pumps;
    try {
      report = JSON.parse(await Deno.readTextFile(reportPath));
    } catch {
      report = undefined;
    }
    if (owned) await Deno.remove(workDir, { recursive: true }).catch(() => {});
    return status.code;
  });
  return {
    pid: child.pid,
    workDir,
    exited,
    kill: (signal: Deno.Signal = "SIGKILL") => {
      try {
        child.kill(signal);
      } catch {
        // already gone
      }
    },
    report: async <T>() => {
      await exited;
      return report as T | undefined;
    },
    output: () => printed,
  };
}
