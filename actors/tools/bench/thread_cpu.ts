/**
 * CPU time by thread of this process, from Linux's `/proc/self/task`: where a cell's CPU went
 * (the main thread, each Web Worker, V8's helper threads), without a profiler.
 *
 * @module
 */

/** The CPU each thread had used at one moment, in clock ticks, by thread id. */
export type ThreadSample = Map<number, { name: string; ticks: number }>;

/** A phase's CPU a transaction, split by thread (µs; the parts add up to about the whole). */
export interface ThreadSplit {
  /** The main thread (the actors, the log, the bench's own work). */
  main: number;
  /** Each Web Worker's thread (encoders, scoring workers), largest first. */
  workers: number[];
  /** V8's helper threads: concurrent marking, parallel scavenges, optimising compiles. */
  v8_helpers: number;
  /** Everything else (the runtime's I/O threads). */
  other: number;
}

/**
 * Every thread's CPU so far, or undefined where `/proc` is not readable (not Linux).
 *
 * @example
 * ```ts
 * const before = threadSample();
 * // ... the phase ...
 * const split = before && threadSplit(before, threadSample()!, 2.5);
 * ```
 */
export function threadSample(): ThreadSample | undefined {
  try {
    const sample: ThreadSample = new Map();
    for (const entry of Deno.readDirSync("/proc/self/task")) {
      const tid = Number(entry.name);
      let stat: string;
      try {
        stat = Deno.readTextFileSync(`/proc/self/task/${tid}/stat`);
      } catch {
        continue; // the thread ended while we read
      }
      // `tid (name) state ...`: the name may hold spaces and parentheses, so split at the last `)`.
      const close = stat.lastIndexOf(")");
      const name = stat.slice(stat.indexOf("(") + 1, close);
      const fields = stat.slice(close + 2).split(" ");
      // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
      sample.set(tid, { name, ticks: Number(fields[11]) + Number(fields[12]) });
    }
    return sample;
  } catch {
    return undefined;
  }
}

/**
 * The CPU between two samples split by thread, as shares of `cpuUsPerRow` (the phase's CPU a
 * transaction by the process's own count, which ticks of 10 ms only divide). A thread that ended
 * in between is not in `after`: its part goes to the others.
 */
export function threadSplit(
  before: ThreadSample,
  after: ThreadSample,
  cpuUsPerRow: number,
): ThreadSplit {
  const mainId = Deno.pid;
  let main = 0, helpers = 0, other = 0;
  const workers: number[] = [];
  for (const [tid, { name, ticks }] of after) {
    const used = ticks - (before.get(tid)?.ticks ?? 0);
    if (tid === mainId) main += used;
    else if (name.startsWith("worker-")) workers.push(used);
    else if (name.startsWith("V8 ")) helpers += used;
    else other += used;
  }
  const total = main + helpers + other + workers.reduce((sum, used) => sum + used, 0);
  const share = (used: number) =>
    total > 0 ? Math.round((used / total) * cpuUsPerRow * 100) / 100 : 0;
  return {
    main: share(main),
    workers: workers.filter((used) => used > 0).sort((a, b) => b - a).map(share),
    v8_helpers: share(helpers),
    other: share(other),
  };
}
