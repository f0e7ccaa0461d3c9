/**
 * What both gateway processes (the systemd one, ./main.ts, and the route-only one for Kubernetes,
 * ./route.ts) do around serving: listen (a Unix socket or `IP:PORT`), start, print one line (the
 * address, or why it could not start), serve until SIGTERM/SIGINT, and return the exit code for
 * the entry's `Deno.exit`.
 *
 * Kept free of npm packages: the route gateway's module graph runs `--cached-only`.
 *
 * @module
 */
import type { Host } from "../host/host.ts";
import { asLychdError } from "../errors.ts";
import type { Pool } from "./pool.ts";
import type { Metrics } from "./metrics.ts";

/** A running gateway. */
export interface RunningGateway {
  /** Where it listens: `unix:/path` or `IP:port`. */
  address: string;
  port?: number;
  pool: Pool;
  metrics: Metrics;
  finished: Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Serve `handler` on a Unix socket (`socket`, replacing a stale one) or on `listen` (`IP:PORT`,
 * `[IPv6]:PORT`; port 0 picks one). An error in the handler is logged and answered 500.
 */
export async function listenGateway(
  host: Host,
  where: { socket?: string; listen?: string },
  handler: Deno.ServeHandler,
  pool: Pool,
  metrics: Metrics,
): Promise<RunningGateway> {
  const onError = (e: unknown) => {
    host.stderr.write(`lychd-gateway: ${(e as Error).message}\n`);
    return new Response("internal error", { status: 500 });
  };
  let server: Deno.HttpServer;
  let address: string;
  let port: number | undefined;
  if (where.socket) {
    await Deno.remove(where.socket).catch(() => {});
    server = Deno.serve({ path: where.socket, onListen: () => {}, onError }, handler);
    address = `unix:${where.socket}`;
  } else {
    const listen = where.listen!;
    const i = listen.lastIndexOf(":");
    const hostname = listen.slice(0, i).replace(/^\[|\]$/g, "");
    server = Deno.serve(
      { hostname, port: Number(listen.slice(i + 1)), onListen: () => {}, onError },
      handler,
    );
    port = (server.addr as Deno.NetAddr).port;
    address = `${hostname}:${port}`;
  }
  return {
    address,
    port,
    pool,
    metrics,
    finished: server.finished,
    async shutdown() {
      pool.close();
      await server.shutdown();
    },
  };
}

/** The line a failed start prints: lychd's own refusal with its hint, or "internal error" for a bug. */
export function startFailureLine(e: unknown): string {
  const known = asLychdError(e);
  const line = known ? known.oneLine() : `internal error: ${e instanceof Error ? e.message : String(e)}`;
  return line.split("\n")[0];
}

/** Start, say so in one line, serve until SIGTERM/SIGINT. Returns the exit code. */
export async function serveUntilSignal<G extends RunningGateway>(
  host: Host,
  start: () => Promise<G>,
  started: (gw: G) => string,
): Promise<number> {
  let gw: G;
  try {
    gw = await start();
  } catch (e) {
    host.stderr.write(`lychd-gateway: ${startFailureLine(e)}\n`);
    return 1;
  }
  host.stderr.write(`lychd-gateway: ${started(gw)}\n`);
  const stop = () => void gw.shutdown();
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  await gw.finished;
  return 0;
}
