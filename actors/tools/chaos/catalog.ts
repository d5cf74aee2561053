/**
 * The chaos scenarios by name, and what each one does (as `fraudstream chaos --help` lists
 * them): those that run in one process, those that start a Kafka cluster of their own, and `all`.
 *
 * @module
 */

/** Scenarios that run in one process, on the embedded log or on Kafka with `--brokers`. */
export const IN_PROCESS_SCENARIOS = {
  "kill-actor": "a partition actor throws; its supervisor restarts it per --strategy",
  "crash-loop":
    "a partition actor throws on every batch until its supervisor gives up and escalates",
  "kill-worker": "a scoring Web Worker is terminated (--fault crash) or hangs (--fault hang)",
  "slow-consumer":
    "consumers are throttled for a while; lag grows and shrinks, memory stays bounded",
  "bad-input": "malformed rows and garbage messages mixed into good ones",
} as const;

/** Scenarios that start (and stop) a Kafka cluster of their own. */
export const KAFKA_SCENARIOS = {
  "kill-consumer": "one of two consume processes is killed with SIGKILL (own Kafka cluster)",
  "kill-broker": "one of three Kafka nodes is killed, later restarted (own Kafka cluster)",
  "kill-all": "every fraudstream process is killed, then restarted (own Kafka cluster)",
  "network-partition": "a consumer host is cut off from the brokers (network namespaces; root)",
} as const;

/** Every chaos scenario, and `all` (every one in turn), with what each does. */
export const CHAOS_SCENARIOS = {
  ...IN_PROCESS_SCENARIOS,
  ...KAFKA_SCENARIOS,
  all: "every scenario in turn; prints the reliability table (Markdown)",
} as const;

/** A scenario that runs in one process. */
export type InProcessScenario = keyof typeof IN_PROCESS_SCENARIOS;

/** A scenario on a Kafka cluster of its own. */
export type KafkaScenario = keyof typeof KAFKA_SCENARIOS;

/** How `kill-worker` strikes a scoring worker: terminates it, or makes it stop answering. */
export const WORKER_FAULTS = ["crash", "hang"] as const;

/** A way `kill-worker` strikes. */
export type WorkerFault = typeof WORKER_FAULTS[number];

/** Whether `name` is a scenario that runs in one process. */
export function isInProcessScenario(name: string): name is InProcessScenario {
  return Object.hasOwn(IN_PROCESS_SCENARIOS, name);
}

/** Whether `name` is a scenario on a Kafka cluster of its own. */
export function isKafkaScenario(name: string): name is KafkaScenario {
  return Object.hasOwn(KAFKA_SCENARIOS, name);
}
