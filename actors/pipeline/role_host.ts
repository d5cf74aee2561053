/**
 * The skeleton every long-running role (`produce`, `consume`, `run`) runs in: it opens the role's
 * log, serves its dashboard (from the start: while the role prepares and waits for its log, the
 * dashboard shows it not ready and why), creates the topics (waiting out a log that cannot be
 * reached yet), starts the role's actors, prints its status line every few seconds, stops on an
 * interrupt, at the end of `--duration` or when the actors give up, and turns the role's report
 * into the command's outcome. A role says only what is its own: what it prepares, the actors it
 * starts, its figures, its status line and its report.
 *
 * @module
 */

import type { Config } from "../../config/config.ts";
import {
  type CommandContext,
  type CommandOutcome,
  dashboardAddress,
  stopAfter,
} from "./command.ts";
import { ensureTopicsPatiently, kafkaTransport } from "./connect.ts";
import { type PipelineEmitter, pipelineEvents } from "./events.ts";
import { sayEvents } from "./status_lines.ts";
import { topicSpecs } from "./topics.ts";
import { startRoleDashboard } from "../observe/dashboard/role_dashboard.ts";
import type { RoleFigures, RoleStatus } from "../observe/dashboard/status.ts";
import type { ActorSystem } from "../runtime/mod.ts";
import type { Transport } from "../log/mod.ts";
import { delay } from "../lib/async.ts";

/** What a role's steps get from the host. */
export interface RoleHost {
  config: Config;
  /** The command's interrupt signal, status and result lines, and forced-exit hook. */
  command: CommandContext;
  /** The role's log, open. */
  transport: Transport;
  /** Where the role's actors tell what happens; those worth a status line are said. */
  events: PipelineEmitter;
  /** Aborts on an interrupt or at the end of `--duration`. */
  stop: AbortSignal;
  /** Prints a status line, after the role's name. */
  say(line: string): void;
  /** Seconds since the role started (its log opened). */
  seconds(): number;
  /** Runs `cleanup` when the role ends, however it ends; the last one registered runs first. */
  defer(cleanup: () => unknown): void;
}

/** A role's actors, started. */
export interface StartedRole {
  system: ActorSystem;
  /** What the dashboard and `/metrics` show of the role beyond its actors. */
  figures(): RoleFigures;
  /** The count whose rate the status line gives (rows published, transactions scored). */
  progress(): number;
  /** The status line, given the rate of `progress` per second. */
  statusLine(rate: number): string;
  /**
   * The role's work, while the status line is printed. By default it lasts until `stop` aborts or
   * the actors give up.
   */
  work?(): Promise<void>;
  /** What to do once the status line stopped and before the actors stop (a drain, say). */
  wrapUp?(): Promise<void>;
  /**
   * Once the actors stopped: prints the role's summary; its report and exit code. When the actors
   * gave up, the host then says why, and the exit code is 1 whatever this one says.
   */
  finish(): CommandOutcome;
}

/** A long-running role, as the host runs it. */
export interface Role<Prepared> {
  /** Prefixes the status lines, and names the role on its dashboard. */
  name: string;
  /** How often the status line is printed, in ms. */
  statusEveryMs: number;
  /**
   * The report when the role stopped before its topics were ready (its log could not be reached,
   * or the stop came first).
   */
  unreachableReport?: Record<string, unknown>;
  /** Opens the role's log (default: Kafka, as the configuration says). */
  openTransport?(config: Config, onLog: (line: string) => void): Transport | Promise<Transport>;
  /** What the role needs before the topics (the model, say: a bad one fails before any wait). */
  prepare?(host: RoleHost): Promise<Prepared>;
  /** Starts the role's actors, once the topics exist. */
  start(host: RoleHost, prepared: Prepared): Promise<StartedRole>;
}

/** Runs `role` until it is interrupted, its `--duration` ends, its work is done or it fails. */
export async function hostRole<Prepared>(
  config: Config,
  command: CommandContext,
  role: Role<Prepared>,
): Promise<CommandOutcome> {
  const startedAt = Date.now();
  const startedMs = performance.now();
  const say = (line: string) => command.status(`${role.name}: ${line}`);
  const transport =
    await (role.openTransport
      ? role.openTransport(config, command.status)
      : kafkaTransport(config, command.status));
  const cleanups: (() => unknown)[] = [];
  const host: RoleHost = {
    config,
    command,
    transport,
    events: pipelineEvents(),
    stop: stopAfter(command.signal, config.duration),
    say,
    seconds: () => (performance.now() - startedMs) / 1000,
    defer: (cleanup) => cleanups.push(cleanup),
  };
  sayEvents(host.events, say);
  const log = transport.kind === "kafka" ? `Kafka at ${config.brokers}` : "the embedded log";
  const status = new RoleStatusBoard({ role: role.name, startedAt, transport: transport.kind });
  let system: ActorSystem | undefined;
  try {
    // Before anything that may wait: the dashboard tells why the role is not running yet.
    const server = startRoleDashboard({
      ...dashboardAddress(config),
      role: role.name,
      status: () => status.current(),
      onStatus: command.status,
    });
    if (server) host.defer(() => server.close());
    const prepared = await role.prepare?.(host) as Prepared;
    status.waitFor(`creating the topics on ${log}`);
    // What came before the stop, if the role stops before its topics are ready: a failed attempt
    // to reach the log, an attempt the log did not answer, or none at all (a --duration that ends
    // while the role prepares, say), when it is not the log's fault.
    const stoppedBeforeAsking = host.stop.aborted;
    let attemptFailed = false;
    const ready = await ensureTopicsPatiently(transport, topicSpecs(config), {
      signal: host.stop,
      onWait: (line) => {
        attemptFailed = true;
        status.waitFor(line);
        say(line);
      },
    });
    if (!ready) {
      const why = stopReason(config, command);
      say(
        attemptFailed
          ? `stopped before ${log} could be reached`
          : stoppedBeforeAsking
          ? `stopped: ${why} before the topics on ${log} were ready`
          : `stopped: ${why} before ${log} answered`,
      );
      return { exitCode: 1, report: role.unreachableReport };
    }
    status.waitFor("starting the actors");
    const running = await role.start(host, prepared);
    const actors = system = running.system;
    status.run(running);
    const work = running.work?.() ?? untilStopped(actors, host.stop);
    await withStatusLines(work, running, { everyMs: role.statusEveryMs, say });
    await running.wrapUp?.();
    await actors.shutdown();
    const outcome = await actors.done;
    const result = running.finish();
    if (outcome.kind !== "failed") return result;
    say(`stopped: ${outcome.error.message}`);
    return { ...result, exitCode: 1 };
  } finally {
    await system?.shutdown().catch(() => {});
    for (const cleanup of cleanups.reverse()) await cleanup();
    await transport.close();
  }
}

/** What stopped a role: the user's interrupt, or the end of its `--duration`. */
function stopReason(config: Config, command: CommandContext): string {
  return command.signal.aborted ? "interrupted" : `--duration ${config.duration} s ended`;
}

/** Who a role is, for its status: what stays the same from its start to its end. */
interface RoleIdentity {
  role: string;
  /** ms since the epoch. */
  startedAt: number;
  transport: RoleStatus["transport"];
}

/**
 * The status a role's dashboard shows: not ready, with what the role waits for, until its actors
 * run; then theirs and the role's figures.
 */
class RoleStatusBoard {
  readonly #identity: RoleIdentity;
  #waitingFor = "preparing to start";
  #running: StartedRole | undefined;

  /** A role that has not started yet: it prepares (loads its model, say). */
  constructor(identity: RoleIdentity) {
    this.#identity = identity;
  }

  /** The role waits for `what` (the last wait message, say) before its actors can start. */
  waitFor(what: string): void {
    this.#waitingFor = what;
  }

  /** The role's actors were started as `running`: the status is theirs from now on. */
  run(running: StartedRole): void {
    this.#running = running;
  }

  /** The status now. */
  current(): RoleStatus {
    const now = Date.now();
    const running = this.#running;
    if (!running) {
      return {
        ...this.#identity,
        now,
        ready: false,
        problems: [this.#waitingFor],
        counters: {},
        lag: [],
        recentAlerts: [],
      };
    }
    return {
      ...this.#identity,
      now,
      ready: running.system.root.state === "running",
      tree: running.system.snapshot(),
      ...running.figures(),
    };
  }
}

/** The `seconds` and `throughput` (`count` per second) of a role's report. */
export function reportTiming(
  count: number,
  seconds: number,
): { seconds: number; throughput: number } {
  return { seconds: Math.round(seconds * 100) / 100, throughput: Math.round(count / seconds) };
}

/** Resolves when `stop` aborts or `system` ends (its actors gave up). */
async function untilStopped(system: ActorSystem, stop: AbortSignal): Promise<void> {
  const stopped = new Promise<void>((resolve) => {
    if (stop.aborted) resolve();
    else stop.addEventListener("abort", () => resolve(), { once: true });
  });
  await Promise.race([system.done, stopped]);
}

/** Waits for `work`, saying the role's status line every `everyMs` until it is done. */
async function withStatusLines(
  work: Promise<void>,
  role: Pick<StartedRole, "progress" | "statusLine">,
  options: { everyMs: number; say: (line: string) => void },
): Promise<void> {
  const done = new AbortController();
  const finished = work.finally(() => done.abort());
  let last = { count: role.progress(), at: performance.now() };
  while (await delay(options.everyMs, done.signal)) {
    const now = performance.now();
    const count = role.progress();
    const rate = ((count - last.count) * 1000) / (now - last.at);
    last = { count, at: now };
    options.say(role.statusLine(Math.round(rate)));
  }
  await finished;
}
