/**
 * Whether a role is healthy, read from its actor tree: not while an actor has crashed and waits to
 * be restarted, nor once a supervisor has given up, nor while a supervisor keeps restarting its
 * children (`FAILING_RESTARTS` or more within its period). A role that runs but cannot do its work
 * (a producer whose every transaction fails, say) is then reported as such by `/healthz`,
 * `/api/status` and `/metrics`, instead of as ready.
 *
 * @module
 */

import type { ActorSnapshot } from "../../runtime/mod.ts";
import type { RoleStatus } from "./status.ts";

/** Restarts within a supervisor's period from which its children count as failing. */
export const FAILING_RESTARTS = 2;

/** Why the actors of `tree` are not healthy, one line each; empty when they are. */
export function treeProblems(tree: ActorSnapshot): string[] {
  const problems: string[] = [];
  const visit = (node: ActorSnapshot): void => {
    if (node.state === "failed") {
      const what = node.kind === "supervisor" ? "gave up" : "crashed";
      problems.push(`${node.path} ${what}: ${node.lastError ?? "no error recorded"}`);
      return;
    }
    const restarts = node.recentRestarts ?? 0;
    if (node.kind === "supervisor" && restarts >= FAILING_RESTARTS) {
      const latest = lastCrash(node);
      const seconds = Math.round((node.periodMs ?? 0) / 1000);
      problems.push(
        `${node.path} restarted its children ${restarts} times in ${seconds} s` +
          (latest ? `; last crash: ${latest.path}: ${latest.lastError}` : ""),
      );
    }
    for (const child of node.children ?? []) visit(child);
  };
  visit(tree);
  return problems;
}

/**
 * `status`, not ready and with the problems of its actors listed after its own when they are not
 * healthy. A role whose actors have not started yet has none.
 */
export function withHealth(status: RoleStatus): RoleStatus {
  const problems = status.tree ? treeProblems(status.tree) : [];
  if (problems.length === 0) return status;
  return { ...status, ready: false, problems: [...(status.problems ?? []), ...problems] };
}

/** The actor below `node` that crashed last, if any did. */
function lastCrash(node: ActorSnapshot): ActorSnapshot | undefined {
  let latest: ActorSnapshot | undefined;
  const visit = (child: ActorSnapshot): void => {
    if (child.lastErrorAt !== undefined && child.lastErrorAt > (latest?.lastErrorAt ?? -Infinity)) {
      latest = child;
    }
    for (const grandchild of child.children ?? []) visit(grandchild);
  };
  for (const child of node.children ?? []) visit(child);
  return latest;
}
