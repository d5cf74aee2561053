/**
 * The dashboard of a long-running role (`run`, `produce`, `consume`) where `--ui-host` and
 * `--ui-port` say. Each role has its own default port, so the three can run on one host; a
 * default port that is taken (a second consumer on the host, say) gives way to a free one, named
 * in the status line, while a port the user chose and that is taken stays an error.
 *
 * @module
 */

import {
  PortInUseError,
  startStatusServer,
  type StatusServer,
  type StatusServerOptions,
} from "./server.ts";

/** What `startRoleDashboard` needs. */
export interface RoleDashboardOptions extends StatusServerOptions {
  /** The port is the one the user gave (flag, environment or `.env`), not the role's default. */
  portChosen: boolean;
  /** Names the role in the status line, e.g. `consume`. */
  role: string;
  /** Prints a status line. */
  onStatus: (line: string) => void;
}

/**
 * Starts the role's status server and prints where it listens; undefined for a negative port
 * (`--ui-port off`). Throws `PortInUseError` when the port the user chose is taken.
 */
export function startRoleDashboard(options: RoleDashboardOptions): StatusServer | undefined {
  const { portChosen, role, onStatus, ...serverOptions } = options;
  if (serverOptions.port < 0) return undefined;
  try {
    const server = startStatusServer(serverOptions);
    onStatus(`${role}: dashboard at ${server.url}`);
    return server;
  } catch (error) {
    if (!(error instanceof PortInUseError) || portChosen) throw error;
  }
  const server = startStatusServer({ ...serverOptions, port: 0 });
  onStatus(
    `${role}: dashboard at ${server.url} (port ${serverOptions.port}, the default, is in use; ` +
      `--ui-port chooses one)`,
  );
  return server;
}
