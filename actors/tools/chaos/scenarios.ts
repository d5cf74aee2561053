/**
 * The faults of the in-process scenarios: a partition actor that throws once, one that throws on
 * every batch for a while (escalation), a scoring worker killed or hung, consumers slowed down,
 * and malformed input mixed into good input.
 *
 * @module
 */

import { join } from "node:path";
import { HEADER } from "../../../model/schema.ts";
import { delay } from "../../lib/async.ts";
import { type Fault, firstCommitAfter, type LoadContext, scorersWith } from "./harness.ts";
import { writeFileAtomic } from "../../lib/atomic_write.ts";

/** A partition actor throws once while scoring; its supervisor restarts it per strategy. */
export function killActorFault(): Fault {
  let victim = -1;
  let armed = false;
  return {
    wrapScorers: (scorers) =>
      scorersWith(scorers, (partition) => {
        if (armed && partition === victim) {
          armed = false;
          throw new Error(`injected fault in partition ${partition}`);
        }
      }),
    inject: (context) => {
      victim = Math.floor(context.random() * context.partitions);
      armed = true;
      return 1;
    },
    recoveredAt: (context, injectedAt) => firstCommitAfter(context, [victim], injectedAt),
    notes: () => [`partition ${victim}'s actor threw once`],
    details: () => ({ partition: victim }),
  };
}

/**
 * A partition actor throws on every batch until its supervisor exceeds its restart intensity and
 * gives up, and the consumer subtree is restarted by its parent (at most `maxFaultMs`): however
 * slowly a loaded machine restarts the actor, the loop lasts until the supervisor gives up.
 */
export function crashLoopFault(maxFaultMs = 30_000): Fault {
  let victim = -1;
  let context: LoadContext | undefined;
  let subtreeBefore = 0;
  let startedAt = 0;
  let endedAt: number | undefined;
  let crashes = 0;
  /** Whether the victim still throws; the loop ends at the first subtree restart. */
  const looping = () => {
    if (endedAt !== undefined || context === undefined) return false;
    const now = performance.now();
    if (subtreeRestarts(context) > subtreeBefore || now >= startedAt + maxFaultMs) {
      endedAt = now;
      return false;
    }
    return true;
  };
  return {
    wrapScorers: (scorers) =>
      scorersWith(scorers, (partition) => {
        if (partition === victim && looping()) {
          crashes++;
          throw new Error(`injected crash loop in partition ${partition}`);
        }
      }),
    inject: (injected) => {
      context = injected;
      victim = Math.floor(injected.random() * injected.partitions);
      subtreeBefore = subtreeRestarts(injected);
      startedAt = performance.now();
      return 1;
    },
    recoveredAt: (context, injectedAt) =>
      firstCommitAfter(context, [victim], endedAt ?? injectedAt + maxFaultMs),
    notes: (context) => [
      `partition ${victim} threw on every batch for ${
        Math.round((endedAt ?? performance.now()) - startedAt)
      } ms (${crashes} crashes)`,
      `the consumer subtree was restarted ${
        subtreeRestarts(context)
      } times after its partitions' supervisor gave up`,
    ],
    details: (context) => ({
      partition: victim,
      crashes,
      subtree_restarts: subtreeRestarts(context),
    }),
  };
}

/** How often the consumer's partitions supervisor was restarted by its parent. */
function subtreeRestarts(context: LoadContext): number {
  const consume = context.pipeline.system.snapshot().children?.find((c) => c.id === "consume");
  return consume?.children?.find((c) => c.id === "partitions")?.restarts ?? 0;
}

/** What a worker killed by the scenario crashes with. */
const WORKER_TERMINATED = "worker terminated by the chaos scenario";

/**
 * A scoring worker and the producer's encoder worker are terminated (or hang, with `hang`); they
 * are found, restarted and their work retried.
 */
export function killWorkerFault(options: { workers: number; hang: boolean }): Fault {
  let victim = 0;
  return {
    inject: (context) => {
      victim = Math.floor(context.random() * options.workers);
      const paths = [`consume/scorers/score-${victim}`, "produce/producer/encoders/encode-0"];
      for (const path of paths) {
        if (options.hang) context.pipeline.system.hang(path, 60_000);
        else context.pipeline.system.kill(path, new Error(WORKER_TERMINATED));
      }
      return paths.length;
    },
    recoveredAt: (context, injectedAt) => {
      const served = Array.from({ length: context.partitions }, (_, p) => p)
        .filter((p) => p % options.workers === victim);
      return firstCommitAfter(context, served, injectedAt);
    },
    notes: () => [
      `scoring worker ${victim} and the producer's encoder were ${
        options.hang ? "hung" : "terminated"
      }`,
    ],
    details: () => ({ worker: victim }),
  };
}

/**
 * Every partition actor is slowed down (`msPerRow` per transaction) for `faultMs`: the lag (transactions
 * published and not yet scored) grows while back-pressure keeps memory bounded, then shrinks.
 */
export function slowConsumerFault(options: { faultMs?: number; msPerRow?: number } = {}): Fault {
  const faultMs = options.faultMs ?? 5000;
  const msPerRow = options.msPerRow ?? 5;
  let until = 0;
  const lag: { at: number; records: number }[] = [];
  let peakRss = 0;
  let rssBefore = 0;
  let sampling = false;
  // Transactions published and not yet scored (whatever the messages hold: one or a batch).
  const sample = (context: LoadContext) => {
    lag.push({ at: performance.now(), records: context.pipeline.unscored() });
    peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
  };
  return {
    wrapScorers: (scorers) =>
      scorersWith(scorers, async (_partition, rows) => {
        if (performance.now() < until) await delay(msPerRow * rows);
      }),
    inject: (context) => {
      rssBefore = Deno.memoryUsage().rss;
      sample(context);
      until = performance.now() + faultMs;
      sampling = true;
      (async () => {
        while (sampling && performance.now() < until + 30_000) {
          sample(context);
          await delay(200);
        }
      })();
      return 1;
    },
    recoveredAt: (context, injectedAt) => {
      sampling = false;
      // The lag after the drain: on a loaded machine the sampling (at most 30 s past the fault)
      // can end before the lag came down.
      sample(context);
      // Recovered: the lag is back to where it was (or under 1000) after its peak.
      const during = lag.filter((s) => s.at >= injectedAt - 1);
      const baseline = during[0]?.records ?? 0;
      let peak = 0;
      during.forEach((s, i) => (peak = s.records > during[peak].records ? i : peak));
      return during.slice(peak).find((s) => s.records <= Math.max(baseline, 1000))?.at;
    },
    notes: () => {
      const maxLag = lag.reduce((max, s) => Math.max(max, s.records), 0);
      return [
        `consumers slowed by ${msPerRow} ms per transaction for ${faultMs} ms`,
        `lag (published, not yet scored) peaked at ${maxLag} transactions, then came back`,
        `resident memory ${Math.round(rssBefore / 1e6)} MB before, ${
          Math.round(peakRss / 1e6)
        } MB at most after`,
      ];
    },
    details: () => ({
      lag_peak: lag.reduce((max, s) => Math.max(max, s.records), 0),
      rss_before_mb: Math.round(rssBefore / 1e6),
      rss_peak_mb: Math.round(peakRss / 1e6),
    }),
  };
}

/** Malformed rows in a CSV file and garbage messages on the topic, among good ones. */
export function badInputFault(options: { badRows?: number; garbage?: number } = {}): Fault {
  const badRows = options.badRows ?? 25;
  const garbage = options.garbage ?? 25;
  return {
    inject: async (context) => {
      // Half the bad rows are junk, half are real rows with an amount that is not a number.
      const sample = await firstCsvLine(context);
      const broken = sample?.replace(/\|[0-9.]+\|([01])\|fraud_/, "|lots|$1|fraud_");
      const lines = [HEADER];
      for (let i = 0; i < badRows; i++) {
        lines.push(i % 2 === 0 && broken && broken !== sample ? broken : "not|a|transaction");
      }
      const file = join(context.input, `bad-input-${Date.now()}.csv`);
      await writeFileAtomic(file, lines.join("\n") + "\n");
      const producer = await context.transport.producer();
      const encoder = new TextEncoder();
      const topic = context.pipeline.topic;
      await producer.send(
        topic,
        Array.from({ length: garbage }, (_, i) => ({
          key: `garbage-${i}`,
          value: encoder.encode(i % 2 ? "{ not json" : JSON.stringify({ hello: "world" })),
          headers: i % 3 === 0 ? { encoding: "arrow" } : undefined,
        })),
      );
      await producer.close();
      return badRows + garbage;
    },
    recoveredAt: (context, injectedAt) =>
      firstCommitAfter(
        context,
        Array.from({ length: context.partitions }, (_, p) => p),
        injectedAt,
      ),
    notes: () => [`${badRows} malformed CSV rows and ${garbage} garbage messages injected`],
    details: () => ({ bad_rows: badRows, garbage_messages: garbage }),
  };
}

async function firstCsvLine(context: LoadContext): Promise<string | undefined> {
  for await (const entry of Deno.readDir(context.input)) {
    if (!entry.isFile || !entry.name.endsWith(".csv")) continue;
    const text = await Deno.readTextFile(join(context.input, entry.name)).catch(() => "");
    const line = text.split("\n")[1];
    if (line) return line;
  }
  return undefined;
}
