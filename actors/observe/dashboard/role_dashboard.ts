/**
 * The dashboard of a long-running role (`run`, `produce`, `consume`) where `--ui-host` and
 * `--ui-port` say. Each role has its own default port, so the three can run on one host; a
 * default port that is taken (a second consumer on the host, say) gives way to a free one, named
 * in the status line, while a port the user chose and that is taken stays an error.
 *
 * @module
 */

import type { Config } from "../../../config/load.ts";
import {
  PortInUseError,
  startStatusServer,
  type StatusServer,
  type StatusServerOptions,
} from "./server.ts";

/** What `startRoleDashboard` needs. */
export interface RoleDashboardOptions extends Omit<StatusServerOptions, "host" | "port"> {
  /** The role's settings: where to listen, and whether the port was chosen or defaulted. */
  settings: Pick<Config, "uiHost" | "uiPort" | "given">;
  /** Names the role in the status line, e.g. `consume`. */
  role: string;
  /** Prints a status line. */
  onStatus: (line: string) => void;
}

/**
 * Starts the role's status server and prints where it listens; undefined with `--ui-port off`.
 * Throws `PortInUseError` when the port the user gave (flag, environment or `.env`) is taken.
 */
export function startRoleDashboard(options: RoleDashboardOptions): StatusServer | undefined {
  const { settings, role, onStatus, ...serverOptions } = options;
  if (settings.uiPort < 0) return undefined;
  try {
    const server = startStatusServer({
      ...serverOptions,
      host: settings.uiHost,
      port: settings.uiPort,
    });
    onStatus(`${role}: dashboard at ${server.url}`);
    return server;
  } catch (error) {
    if (!(error instanceof PortInUseError) || settings.given.includes("uiPort")) throw error;
  }
  const server = startStatusServer({ ...serverOptions, host: settings.uiHost, port: 0 });
  onStatus(
    `${role}: dashboard at ${server.url} (port ${settings.uiPort}, the default, is in use; ` +
      `--ui-port chooses one)`,
  );
  return server;
}
