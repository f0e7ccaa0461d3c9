/**
 * What both gateway processes (the systemd one, ./main.ts, and the route-only one for Kubernetes,
 * ./route.ts) do around serving: start, print one line (the address, or why it could not start),
 * serve until SIGTERM/SIGINT, and return the exit code for the entry's `Deno.exit`.
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
