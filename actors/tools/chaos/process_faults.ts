/**
 * The faults of the process scenarios, which strike the role processes (`produce` and two
 * `consume`) from outside: a consumer killed with SIGKILL, every process killed and restarted, or
 * the second consumer's host cut off from the brokers for a while.
 *
 * @module
 */

import { delay } from "../../lib/async.ts";
import type { KafkaScenario } from "./catalog.ts";
import type { Partition } from "./network_partition.ts";
import type { RoleProcess } from "./processes.ts";

/** The role processes of a process scenario, and how to start them again. */
export interface RoleGroup {
  /** The running processes: `produce`, then the two `consume`; a fault may replace them. */
  processes: RoleProcess[];
  /** Starts a role process as at the start of the scenario (outside any network namespace). */
  start(role: "produce" | "consume"): Promise<RoleProcess>;
  /** The network namespace the second consumer runs in (`network-partition` only). */
  network?: Partition;
}

/** What a fault did, for the scenario's report. */
export interface ProcessFaultOutcome {
  /** Faults injected (processes killed, hosts cut off). */
  faults: number;
  /** Processes started again. */
  restarts: number;
  notes: string[];
  details: Record<string, number>;
}

/** A fault on the role processes, struck once at the fault moment. */
export type ProcessFault = (roles: RoleGroup) => Promise<ProcessFaultOutcome>;

/** A scenario whose fault strikes role processes. */
export type ProcessScenarioName = Exclude<KafkaScenario, "kill-broker">;

/** How long `kill-all` leaves every process down, in ms. */
const DOWN_MS = 2000;

/** How long `network-partition` keeps the consumer's host cut off, in ms. */
const CUT_MS = 15_000;

/** The fault of each process scenario. */
export const PROCESS_FAULTS: Record<ProcessScenarioName, ProcessFault> = {
  "kill-consumer": (roles) => {
    roles.processes[2].kill("SIGKILL");
    return Promise.resolve({
      faults: 1,
      restarts: 0,
      notes: ["the second consume process was killed with SIGKILL"],
      details: { killed_processes: 1 },
    });
  },
  "kill-all": async (roles) => {
    const { processes } = roles;
    for (const process of processes) process.kill("SIGKILL");
    const faults = processes.length;
    await Promise.all(processes.map((p) => p.exited));
    await delay(DOWN_MS);
    processes.splice(
      0,
      processes.length,
      await roles.start("produce"),
      await roles.start("consume"),
      await roles.start("consume"),
    );
    return {
      faults,
      restarts: 3,
      notes: [
        "produce and both consume processes were killed with SIGKILL and started again 2 s later",
      ],
      details: { killed_processes: 3, down_ms: DOWN_MS },
    };
  },
  "network-partition": async (roles) => {
    await roles.network!.cut();
    const outcome = {
      faults: 1,
      restarts: 0,
      notes: ["the second consumer's host was cut off from the brokers for 15 s"],
      details: { cut_ms: CUT_MS },
    };
    await delay(CUT_MS);
    await roles.network!.heal();
    return outcome;
  },
};
