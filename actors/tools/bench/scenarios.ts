/**
 * The benchmarks `fraudstream bench` runs: the names its command line takes, and what each one
 * measures.
 *
 * @module
 */

/** The benchmarks `fraudstream bench` runs, and what each one measures. */
export const BENCH_SCENARIOS = {
  scaling: "consumer, producer, data growth and end-to-end cells (throughput and latency)",
  e2e: "only the end-to-end cells: throughput and detection latency p50/p99",
  consumer: "only the consumer cells: scoring throughput (e.g. with and without --reason-codes " +
    "and --shadow-model)",
} as const;

/** A benchmark scenario. */
export type BenchScenario = keyof typeof BENCH_SCENARIOS;
