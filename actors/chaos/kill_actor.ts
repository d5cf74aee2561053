/**
 * Chaos scenario `kill-actor` on the embedded runtime: a three-stage actor pipeline under steady
 * load, where the middle stage throws at a seeded random moment. The report shows which stages the
 * supervisor restarted (per its strategy) and accounts for every message sent.
 *
 * @module
 */

import {
  type ActorRef,
  type ActorSpec,
  ActorSystem,
  seededRandom,
  type Strategy,
} from "../runtime/mod.ts";

/** Settings of one `kill-actor` run. */
export interface KillActorOptions {
  strategy: Strategy;
  /** `crash`: the stage throws once; `poison`: one message makes it throw every time. */
  fault: "crash" | "poison";
  seed: number;
  /** Messages per second offered by the load (0: as fast as back-pressure allows). */
  rate: number;
  /** How long the load runs, in ms; the fault falls between 25% and 60% of it. */
  durationMs: number;
  /** Stops the load early. */
  signal?: AbortSignal;
  /** Receives a status line about once a second. */
  onStatus?: (line: string) => void;
  /** Longest wait for in-flight messages after the load stops, in ms (default 30000). */
  drainTimeoutMs?: number;
}

/** What `kill-actor` measured. */
export interface KillActorReport {
  scenario: "kill-actor";
  transport: "embedded";
  strategy: Strategy;
  fault: "crash" | "poison";
  seed: number;
  faults: number;
  fault_at_ms: number | null;
  restarts: number;
  restarts_by_actor: Record<string, number>;
  recovery_ms: number | null;
  messages_sent: number;
  messages_processed: number;
  dead_letters: number;
  lost: number;
  duplicates: number;
  throughput: number;
  seconds: number;
}

interface Item {
  id: number;
}

/** The stages of the pipeline, in start order; the middle one is the victim. */
export const STAGES = ["ingest", "score", "publish"] as const;

const VICTIM = "score";

/** Runs the scenario and returns its report. */
export async function killActor(options: KillActorOptions): Promise<KillActorReport> {
  const random = seededRandom(options.seed);
  const faultAtMs = Math.round(options.durationMs * (0.25 + 0.35 * random()));
  const delivered = new Map<number, number>();
  const refs: Partial<Record<typeof STAGES[number], ActorRef<Item>>> = {};
  const fault = {
    armed: false,
    poisonId: -1,
    crashes: 0,
    firstCrashAt: 0,
    lastCrashAt: 0,
    recoveredAt: 0,
  };

  const stage = (
    id: typeof STAGES[number],
    work: (item: Item, signal: AbortSignal) => void | Promise<void>,
  ): ActorSpec<Item> => ({
    kind: "actor",
    id,
    mailbox: 256,
    shutdownMs: 2000,
    behavior: () => ({ handle: (item, ctx) => work(item, ctx.signal) }),
  });

  const system = await ActorSystem.start({
    kind: "supervisor",
    id: "pipeline",
    strategy: options.strategy,
    intensity: 5,
    periodMs: 5000,
    children: [
      stage("ingest", (item, signal) => refs.score!.send(item, { signal })),
      stage(VICTIM, async (item, signal) => {
        if (fault.armed && options.fault === "crash" && fault.crashes === 0) injectCrash(item);
        if (fault.armed && options.fault === "poison" && fault.poisonId < 0) {
          fault.poisonId = item.id;
        }
        if (item.id === fault.poisonId) injectCrash(item);
        await refs.publish!.send(item, { signal });
        if (fault.crashes > 0 && fault.recoveredAt === 0 && item.id !== fault.poisonId) {
          fault.recoveredAt = performance.now();
        }
      }),
      stage("publish", (item) => {
        delivered.set(item.id, (delivered.get(item.id) ?? 0) + 1);
      }),
    ],
  });
  for (const id of STAGES) refs[id] = system.ref<Item>(id);

  function injectCrash(item: Item): never {
    const now = performance.now();
    fault.crashes++;
    if (fault.firstCrashAt === 0) fault.firstCrashAt = now;
    fault.lastCrashAt = now;
    fault.recoveredAt = 0;
    throw new Error(`injected fault while handling message ${item.id}`);
  }

  const started = performance.now();
  let sent = 0;
  const status = setInterval(() => {
    const snapshot = system.snapshot();
    options.onStatus?.(
      `kill-actor: sent ${sent}, delivered ${delivered.size}, restarts ${
        snapshot.children!.reduce((n, c) => n + c.restarts, 0)
      }, dead letters ${system.deadLetterCount}`,
    );
  }, 1000);
  const faultTimer = setTimeout(() => (fault.armed = true), faultAtMs);
  try {
    const loadEnds = started + options.durationMs;
    const ingest = refs.ingest!;
    while (performance.now() < loadEnds && !options.signal?.aborted) {
      const due = options.rate > 0
        ? Math.floor(((performance.now() - started) / 1000) * options.rate)
        : sent + 256;
      while (sent < due) {
        await ingest.send({ id: sent });
        sent++;
      }
      await new Promise((resolve) => setTimeout(resolve, options.rate > 0 ? 5 : 0));
    }
    const drainUntil = performance.now() + (options.drainTimeoutMs ?? 30_000);
    while (
      delivered.size + system.deadLetterCount < sent && performance.now() < drainUntil
    ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    clearTimeout(faultTimer);
    clearInterval(status);
  }
  const seconds = (performance.now() - started) / 1000;
  const snapshot = system.snapshot();
  await system.shutdown();

  const restartsByActor = Object.fromEntries(
    snapshot.children!.map((child) => [child.id, child.restarts]),
  );
  let deliveries = 0;
  for (const count of delivered.values()) deliveries += count;
  return {
    scenario: "kill-actor",
    transport: "embedded",
    strategy: options.strategy,
    fault: options.fault,
    seed: options.seed,
    faults: fault.crashes,
    fault_at_ms: fault.firstCrashAt ? Math.round(fault.firstCrashAt - started) : null,
    restarts: Object.values(restartsByActor).reduce((sum, n) => sum + n, 0),
    restarts_by_actor: restartsByActor,
    recovery_ms: fault.recoveredAt && fault.firstCrashAt
      ? Math.round((fault.recoveredAt - fault.firstCrashAt) * 10) / 10
      : null,
    messages_sent: sent,
    messages_processed: delivered.size,
    dead_letters: system.deadLetterCount,
    lost: sent - delivered.size - system.deadLetterCount,
    duplicates: deliveries - delivered.size,
    throughput: Math.round(delivered.size / seconds),
    seconds: Math.round(seconds * 100) / 100,
  };
}
