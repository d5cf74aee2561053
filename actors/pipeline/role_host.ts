/**
 * The skeleton every long-running role (`produce`, `consume`, `run`) runs in: it opens the role's
 * log, creates the topics (waiting out a log that cannot be reached yet), starts the role's
 * actors, serves its dashboard, prints its status line every few seconds, stops on an interrupt,
 * at the end of `--duration` or when the actors give up, and turns the role's report into the
 * command's outcome. A role says only what is its own: what it prepares, the actors it starts,
 * its figures, its status line and its report.
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
  /** The report when the role stopped before its log could be reached. */
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
  let system: ActorSystem | undefined;
  try {
    const prepared = await role.prepare?.(host) as Prepared;
    const ready = await ensureTopicsPatiently(transport, topicSpecs(config), {
      signal: host.stop,
      onWait: say,
    });
    if (!ready) {
      say(`stopped before Kafka at ${config.brokers} could be reached`);
      return { exitCode: 1, report: role.unreachableReport };
    }
    const running = await role.start(host, prepared);
    const actors = system = running.system;
    const server = startRoleDashboard({
      ...dashboardAddress(config),
      role: role.name,
      status: (): RoleStatus => ({
        role: role.name,
        startedAt,
        now: Date.now(),
        transport: transport.kind,
        ready: actors.root.state === "running",
        tree: actors.snapshot(),
        ...running.figures(),
      }),
      onStatus: command.status,
    });
    if (server) host.defer(() => server.close());
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
