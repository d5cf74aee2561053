/**
 * The HTTP server of a long-running role: the dashboard at `/`, live updates at `/events`
 * (Server-Sent Events), `/metrics` (Prometheus), `/healthz` and `/api/status` (JSON).
 *
 * @module
 */

import { FraudstreamError } from "../../lib/errors.ts";
import { DASHBOARD_HTML } from "./page.ts";
import { prometheusText } from "./prometheus.ts";
import { RECENT_WINDOW_MS, RecentHistogram } from "../metrics/recent_histogram.ts";
import { type RoleStatus, statusJson } from "./status.ts";
import { withHealth } from "./health.ts";

/** Settings of the status server. */
export interface StatusServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** The role's current status. */
  status: () => RoleStatus;
  /** How often `/events` pushes a snapshot, in ms (default 1000). */
  intervalMs?: number;
  /** Window of the recent latency percentiles the page charts, in ms (default 10 s). */
  latencyWindowMs?: number;
}

/**
 * Snapshots an `/events` client may have waiting to be sent. One that does not read (a stalled
 * proxy, `curl .../events | less`) is sent no more until it took these: each snapshot is whole, so
 * one skipped loses nothing, and the role's memory does not grow with every second it stalls.
 */
const MAX_QUEUED_EVENTS = 4;

/** The port asked for is taken by another program. */
export class PortInUseError extends FraudstreamError {
  override name = "PortInUseError";
}

/** A running status server. */
export interface StatusServer {
  /** Where it listens, e.g. `http://127.0.0.1:8080/`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the server; throws `PortInUseError` if the port is taken, `FraudstreamError` if it
 * cannot listen there for another reason.
 */
export function startStatusServer(options: StatusServerOptions): StatusServer {
  const encoder = new TextEncoder();
  const streams = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const recent = new RecentHistogram(options.latencyWindowMs ?? RECENT_WINDOW_MS);
  // Every view of the role (page, JSON, metrics, health) sees whether its actors are healthy.
  const roleStatus = () => withHealth(options.status());
  const json = (status = roleStatus()) =>
    statusJson(
      status,
      status.latency && { histogram: recent.recent(status.latency), windowMs: recent.windowMs },
    );
  const event = (status?: RoleStatus) =>
    encoder.encode(`data: ${JSON.stringify(json(status))}\n\n`);
  const interval = setInterval(() => {
    // The latency is sampled on every tick, watched or not, so the window is ready for a viewer.
    let status: RoleStatus;
    try {
      status = roleStatus();
    } catch {
      return; // the role cannot report right now; the next tick tries again
    }
    if (status.latency) recent.sample(status.latency, status.now);
    if (streams.size === 0) return;
    const chunk = event(status);
    for (const stream of streams) {
      if (stream.desiredSize !== null && stream.desiredSize <= 0) continue; // not reading
      try {
        stream.enqueue(chunk);
      } catch {
        streams.delete(stream);
      }
    }
  }, options.intervalMs ?? 1000);

  const handler = (request: Request): Response => {
    // Every view only reads: a request to change something is refused, not answered as a read.
    if (request.method !== "GET" && request.method !== "HEAD") {
      return new Response("method not allowed: the status server only reads (GET)\n", {
        status: 405,
        headers: { allow: "GET, HEAD" },
      });
    }
    const { pathname } = new URL(request.url);
    switch (pathname) {
      case "/":
        return new Response(DASHBOARD_HTML, {
          headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
        });
      case "/events": {
        let controller!: ReadableStreamDefaultController<Uint8Array>;
        const body = new ReadableStream<Uint8Array>({
          start(c) {
            controller = c;
            streams.add(c);
            c.enqueue(event());
          },
          cancel() {
            streams.delete(controller);
          },
        }, new CountQueuingStrategy({ highWaterMark: MAX_QUEUED_EVENTS }));
        return new Response(body, {
          headers: {
            "content-type": "text/event-stream",
            "cache-control": "no-store",
            "connection": "keep-alive",
          },
        });
      }
      case "/metrics":
        return new Response(prometheusText(roleStatus()), {
          headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" },
        });
      case "/healthz": {
        const { ready, problems = [] } = roleStatus();
        const text = ready ? "ok\n" : ["not ready", ...problems].join("\n") + "\n";
        return new Response(text, { status: ready ? 200 : 503 });
      }
      case "/api/status":
        return Response.json(json());
      default:
        return new Response("not found\n", { status: 404 });
    }
  };

  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: options.host,
      port: options.port,
      onListen: () => {},
    }, handler);
  } catch (error) {
    clearInterval(interval);
    if (error instanceof Deno.errors.AddrInUse) {
      throw new PortInUseError(
        `port ${options.port} on ${options.host} is in use; choose another with --ui-port (0 picks a free one)`,
      );
    }
    // A name that does not resolve, an address not of this machine, a port the user may not take.
    if (error instanceof Error) {
      throw new FraudstreamError(
        `cannot listen on ${options.host} (--ui-host) port ${options.port} (--ui-port): ` +
          `${error.message}; use an address of this machine, or --ui-port off`,
      );
    }
    throw error;
  }
  const address = server.addr;
  const host = address.hostname.includes(":") ? `[${address.hostname}]` : address.hostname;
  return {
    url: `http://${host}:${address.port}/`,
    close: async () => {
      clearInterval(interval);
      // A last snapshot, so that a page left open shows the final figures of a role that ends
      // (e.g. `run --duration`) rather than those of up to one interval before its drain.
      let last: Uint8Array | undefined;
      try {
        if (streams.size > 0) last = event();
      } catch {
        // the role cannot report any more; the page keeps its last figures
      }
      for (const stream of streams) {
        try {
          if (last) stream.enqueue(last);
          stream.close();
        } catch {
          // already closed by the client
        }
      }
      streams.clear();
      await server.shutdown();
    },
  };
}
