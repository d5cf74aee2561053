/**
 * The ports of a local cluster's nodes: whether a node's are free, and a port base whose nodes'
 * ports all are.
 *
 * @module
 */

import { FraudstreamError } from "../../lib/errors.ts";
import { type NodeLayout, nodeLayouts } from "./nodes.ts";

/**
 * Refuses a node whose client or controller port is in use.
 *
 * @throws {FraudstreamError} naming the port and the node.
 */
export function checkPortFree(node: NodeLayout): void {
  const [port] = portsInUse(node);
  if (port === undefined) return;
  throw new FraudstreamError(
    `port ${port} on ${node.host} is in use, so node ${node.id} cannot start; stop what uses it or choose another --port-base`,
  );
}

/** The client and controller ports of `node` that cannot be listened on now. */
function portsInUse(node: NodeLayout): number[] {
  return [node.clientPort, node.controllerPort].filter((port) => {
    try {
      Deno.listen({ hostname: node.host, port }).close();
      return false;
    } catch {
      return true;
    }
  });
}

/**
 * The first port base from `from` on, in steps of 2 and at most `tries` of them (default 16),
 * whose nodes' ports are all free on `host` (default 127.0.0.1): for a cluster a program starts
 * for itself, where any ports will do. A port above 32767 is in Linux's default range for the
 * local ends of outgoing connections, so a long-lived connection can hold it by chance.
 *
 * @example
 * ```ts
 * const portBase = freePortBase({ nodes: 3, from: 9792 });
 * await clusterUp({ dir, nodes: 3, portBase });
 * ```
 * @throws {FraudstreamError} when every base tried has a port in use.
 */
export function freePortBase(
  options: { nodes: number; from: number; host?: string; tries?: number },
): number {
  const tries = options.tries ?? 16;
  for (let i = 0; i < tries; i++) {
    const portBase = options.from + 2 * i;
    const nodes = nodeLayouts({ dir: "", count: options.nodes, portBase, host: options.host });
    if (nodes.every((node) => portsInUse(node).length === 0)) return portBase;
  }
  throw new FraudstreamError(
    `no free ports for ${options.nodes} Kafka nodes on ${
      options.host ?? "127.0.0.1"
    } with port bases ${options.from} to ${options.from + 2 * (tries - 1)}`,
  );
}
