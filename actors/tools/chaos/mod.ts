/**
 * Chaos scenarios: faults injected under steady load, and what was lost (nothing, we hope).
 *
 * @module
 */

export {
  CHAOS_SCENARIOS,
  IN_PROCESS_SCENARIOS,
  KAFKA_SCENARIOS,
  WORKER_FAULTS,
} from "./catalog.ts";
export { chaosCommand, runNamedScenario, scenarioOptions } from "./command.ts";
export type { Fault, ScenarioOptions, ScenarioReport } from "./harness.ts";
export { networkNamespacesUnavailable } from "./network_partition.ts";
