/**
 * A consumer host cut off from the brokers: a network namespace joined to this host by a veth
 * pair, for `network-partition`. Needs root and `ip netns`; where the host does not allow it, the
 * scenario is skipped with the reason.
 *
 * @module
 */

import { FraudstreamError } from "../../lib/errors.ts";

/** The host does not allow network namespaces (root and `ip netns` are needed). */
export class NetworkNamespaceError extends FraudstreamError {
  override name = "NetworkNamespaceError";
}

/** Why network-partition cannot run on this host, or undefined when it can. */
export async function networkNamespacesUnavailable(): Promise<string | undefined> {
  try {
    await (await Partition.create()).remove();
    return undefined;
  } catch (error) {
    if (error instanceof NetworkNamespaceError) return error.message;
    throw error;
  }
}

/**
 * A network namespace joined to this host by a veth pair: roles started inside it reach the
 * brokers through the pair, and taking the pair down partitions them away.
 */
export class Partition {
  readonly #name: string;
  readonly #link: string;
  readonly hostAddress: string;
  readonly exec: (command: string[]) => string[];

  private constructor(subnet: number) {
    this.#name = `fsnet${subnet}`;
    this.#link = `fsv${subnet}`;
    this.hostAddress = `10.213.${subnet}.1`;
    this.exec = (command) => ["ip", "netns", "exec", this.#name, ...command];
  }

  /** Creates the namespace and the link; fails clearly when the host does not allow it. */
  static async create(): Promise<Partition> {
    const partition = new Partition(1 + Math.floor(Math.random() * 250));
    const name = partition.#name;
    const link = partition.#link;
    const steps = [
      ["ip", "netns", "add", name],
      ["ip", "link", "add", `${link}a`, "type", "veth", "peer", "name", `${link}b`],
      ["ip", "link", "set", `${link}b`, "netns", name],
      ["ip", "addr", "add", `${partition.hostAddress}/24`, "dev", `${link}a`],
      ["ip", "link", "set", `${link}a`, "up"],
      [
        "ip",
        "netns",
        "exec",
        name,
        "ip",
        "addr",
        "add",
        partition.hostAddress.replace(/\.1$/, ".2") + "/24",
        "dev",
        `${link}b`,
      ],
      ["ip", "netns", "exec", name, "ip", "link", "set", `${link}b`, "up"],
      ["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"],
    ];
    for (const step of steps) {
      const output = await run(step);
      if (!output.success) {
        await partition.remove();
        throw new NetworkNamespaceError(
          `network-partition needs network namespaces (root and 'ip netns'); '${
            step.join(" ")
          }' failed: ${output.message}`,
        );
      }
    }
    return partition;
  }

  /** Cuts the namespace off. */
  async cut(): Promise<void> {
    await run(["ip", "link", "set", `${this.#link}a`, "down"]);
  }

  /** Reconnects it. */
  async heal(): Promise<void> {
    await run(["ip", "link", "set", `${this.#link}a`, "up"]);
    await run(["ip", "netns", "exec", this.#name, "ip", "link", "set", `${this.#link}b`, "up"]);
  }

  /** Deletes the namespace and the link. */
  async remove(): Promise<void> {
    await run(["ip", "link", "del", `${this.#link}a`]);
    await run(["ip", "netns", "del", this.#name]);
  }
}

async function run(command: string[]): Promise<{ success: boolean; message: string }> {
  try {
    const output = await new Deno.Command(command[0], {
      args: command.slice(1),
      stdout: "null",
      stderr: "piped",
    })
      .output();
    return { success: output.success, message: new TextDecoder().decode(output.stderr).trim() };
  } catch (error) {
    return { success: false, message: (error as Error).message };
  }
}
