/**
 * Property test: random supervision trees under random crash and exit schedules, checked after
 * every event against a small reference model of the Erlang/OTP rules (strategies, restart types,
 * intensity within a period, escalation to the parent, temporary children never restarted).
 */

import assert from "node:assert/strict";
import {
  ActorSystem,
  type ChildSpec,
  type RestartType,
  type Strategy,
  type SupervisorSpec,
} from "../../../actors/runtime/mod.ts";
import { probe, type ProbeMessage, waitFor } from "./helpers.ts";
import { seededRandom } from "../../../actors/lib/random.ts";

const STRATEGIES: Strategy[] = ["one_for_one", "one_for_all", "rest_for_one"];
const RESTART_TYPES: RestartType[] = ["permanent", "transient", "temporary"];

interface ModelChild {
  id: string;
  restart: RestartType;
  restarts: number;
  /** Removed from its supervisor (temporary, or transient after a normal exit). */
  removed: boolean;
  children?: ModelChild[];
  strategy?: Strategy;
  intensity?: number;
  periodMs?: number;
  history?: number[];
}

/** Reference model of one supervisor's reaction to its child's exit at time `now`. */
class Model {
  failed = false;
  constructor(readonly root: ModelChild) {}

  exit(path: string[], kind: "crash" | "normal", now: number): void {
    const chain = [this.root];
    for (const id of path) chain.push(chain.at(-1)!.children!.find((c) => c.id === id)!);
    let child = chain.pop()!;
    let exitKind = kind;
    while (chain.length > 0) {
      const sup = chain.pop()!;
      const restart = child.restart === "permanent" ||
        (child.restart === "transient" && exitKind === "crash");
      if (!restart) {
        child.removed = true;
        return;
      }
      sup.history = [...sup.history!, now].filter((t) => now - t <= sup.periodMs!);
      if (sup.history.length > sup.intensity!) {
        // The supervisor gives up: its parent sees it crash.
        child = sup;
        exitKind = "crash";
        continue;
      }
      const live = sup.children!.filter((c) => !c.removed);
      const group = sup.strategy === "one_for_one"
        ? [child]
        : sup.strategy === "one_for_all"
        ? live
        : live.slice(live.indexOf(child));
      for (const member of group) {
        if (member !== child && member.restart === "temporary") member.removed = true;
        else restartFresh(member);
      }
      return;
    }
    this.failed = true;
  }
}

/** A child (re)started: its count grows; a supervisor restarts all its children afresh. */
function restartFresh(child: ModelChild): void {
  child.restarts++;
  if (child.children) {
    child.history = [];
    for (const grandchild of child.children) {
      grandchild.removed = false;
      restartFresh(grandchild);
    }
  }
}

function randomTree(random: () => number): { spec: SupervisorSpec; model: ModelChild } {
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)];
  const log: string[] = [];
  const leaf = (id: string) => {
    const restart = pick(RESTART_TYPES);
    return {
      spec: probe(id, log, { restart }) as ChildSpec,
      model: { id, restart, restarts: 0, removed: false } as ModelChild,
    };
  };
  const supervisor = (
    id: string,
    children: { spec: ChildSpec; model: ModelChild }[],
    restart: RestartType,
  ) => {
    const strategy = pick(STRATEGIES);
    const intensity = 1 + Math.floor(random() * 3);
    const periodMs = pick([100, 1000, 10_000]);
    return {
      spec: {
        kind: "supervisor",
        id,
        strategy,
        intensity,
        periodMs,
        restart,
        children: children.map((c) => c.spec),
      } as SupervisorSpec,
      model: {
        id,
        restart,
        restarts: 0,
        removed: false,
        strategy,
        intensity,
        periodMs,
        history: [],
        children: children.map((c) => c.model),
      } as ModelChild,
    };
  };
  const inner = supervisor("sub", [leaf("x"), leaf("y")], pick(["permanent", "transient"]));
  const root = supervisor("root", [leaf("a"), inner, leaf("b"), leaf("c")], "permanent");
  return root as { spec: SupervisorSpec; model: ModelChild };
}

function leaves(node: ModelChild, prefix: string[] = []): { path: string[]; node: ModelChild }[] {
  return (node.children ?? []).flatMap((child) =>
    child.children
      ? (child.removed ? [] : leaves(child, [...prefix, child.id]))
      : child.removed
      ? []
      : [{ path: [...prefix, child.id], node: child }]
  );
}

interface Observed {
  id: string;
  restarts: number;
  children?: Observed[];
}

function expected(node: ModelChild): Observed {
  return {
    id: node.id,
    restarts: node.restarts,
    ...(node.children ? { children: node.children.map(expected) } : {}),
  };
}

function observed(snapshot: import("../../../actors/runtime/mod.ts").ActorSnapshot): Observed {
  return {
    id: snapshot.id,
    restarts: snapshot.restarts,
    ...(snapshot.children ? { children: snapshot.children.map(observed) } : {}),
  };
}

const SCHEDULES = 40;
const EVENTS = 12;

Deno.test(`${SCHEDULES} random crash schedules follow the OTP rules`, async () => {
  for (let schedule = 0; schedule < SCHEDULES; schedule++) {
    const random = seededRandom(1000 + schedule);
    const { spec, model: rootModel } = randomTree(random);
    const model = new Model(rootModel);
    let now = 0;
    const system = await ActorSystem.start(spec, { now: () => now });
    const context = () =>
      `schedule ${schedule}, tree ${
        JSON.stringify(spec, ["id", "strategy", "intensity", "periodMs", "restart", "children"])
      }`;
    try {
      for (let event = 0; event < EVENTS && !model.failed; event++) {
        const targets = leaves(rootModel);
        if (targets.length === 0) break;
        const target = targets[Math.floor(random() * targets.length)];
        const kind = random() < 0.75 ? "crash" : "normal";
        now += Math.floor(random() * 700);
        model.exit(target.path, kind, now);
        await system.ref<ProbeMessage>(target.path.join("/")).send(
          kind === "crash" ? "crash" : "exit",
        );
        if (model.failed) {
          const outcome = await system.done;
          assert.equal(outcome.kind, "failed", context());
          break;
        }
        const want = expected(rootModel);
        try {
          await waitFor(
            () => JSON.stringify(observed(system.snapshot())) === JSON.stringify(want),
            {
              timeoutMs: 2000,
            },
          );
          await system.settled();
        } finally {
          assert.deepEqual(observed(system.snapshot()), want, `${context()}, event ${event}`);
        }
      }
    } finally {
      await system.shutdown();
    }
  }
});
