/**
 * The route-only gateway, for Kubernetes: `gateway_route.ts --routes FILE [--listen IP:PORT]`.
 * The same HTTP side (./server.ts) and the same pool (./pool.ts) as under systemd, through the
 * pool's `Units` seam: the scheduler runs the soulstones' pods, so "starting" a stone starts
 * nothing and every stone counts as running; a stone is ready once its upstream Service answers
 * HTTP. A request for a stone that does not answer (replicas 0, a pod starting) waits in the
 * stone's queue up to `queue_timeout_seconds`, then gets 503 with `Retry-After`. Nothing is ever
 * stopped: there is no admission (each stone its own queue, no conflicts), no `idle_stop`, no
 * `default`, and `POST /lychd/unload` is not routed.
 *
 * The routing table (./routes.ts) comes from a file, mounted from a ConfigMap by the Deployment
 * `lychd export kubernetes` writes. Unlike the systemd gateway, `api_key_file` is not refused for
 * being readable by others: Kubernetes mounts Secret files 0644 by default, and the pod, not the
 * file mode, is the boundary there.
 *
 * @module
 */
import { LychdError } from "../errors.ts";
import { listenGateway, type RunningGateway as BaseGateway, serveUntilSignal } from "./process.ts";
import { parseArgs } from "node:util";
import type { Host } from "../host/host.ts";
import { Pool } from "./pool.ts";
import { httpProbe, type Probe, type Units } from "./stone.ts";
import type { GatewayStone } from "./config.ts";
import { Metrics } from "./metrics.ts";
import { gatewayHandler } from "./server.ts";
import { parseKeys } from "./http.ts";
import { parseRoutes, routeConfig, RoutesError } from "./routes.ts";

/** A running route-only gateway: always on TCP, so with a port. */
export interface RunningGateway extends BaseGateway {
  port: number;
}

/**
 * The pool's `Units` on a cluster: the scheduler runs every stone, so each counts as running and
 * nothing is stopped. "Starting" a stone waits for its upstream to answer, for as long as a
 * request still waits for it: each waiting request keeps its own queue_timeout, so one that comes
 * while an earlier one is about to time out still gets its full wait. With `network = "pod"` the
 * stones share one workload (one unit): a start waits for any of them someone waits for (the
 * pool's own check of the stone's upstream follows).
 */
export function scheduledUnits(
  stonesOf: (unit: string) => GatewayStone[],
  pool: () => Pool,
  probe: Probe,
  everyMs = 250,
): Units {
  return {
    async start(unit) {
      for (;;) {
        const waiting = stonesOf(unit).filter((s) => pool().queuedFor(s.name) > 0);
        for (const s of waiting) {
          if (await probe(s, AbortSignal.timeout(2000)).catch(() => false)) return;
        }
        if (!waiting.length) throw new Error("the upstream never answered HTTP");
        await new Promise((r) => setTimeout(r, everyMs));
      }
    },
    stop: () => Promise.resolve(),
    states: (units) => Promise.resolve(Object.fromEntries(units.map((u) => [u, "active"]))),
  };
}

/** Start the route-only gateway. Throws a one-line error for a bad table or key file. */
export async function startRouteGateway(
  host: Host,
  args: string[],
  opts: { probe?: Probe; loadingEverySeconds?: number } = {},
): Promise<RunningGateway> {
  let values: { routes?: string; listen?: string };
  try {
    ({ values } = parseArgs({
      args,
      options: { routes: { type: "string" }, listen: { type: "string" } },
      strict: true,
    }));
  } catch (e) {
    throw new LychdError(
      (e as Error).message.split("\n")[0],
      "usage: gateway_route.ts --routes FILE [--listen ADDR:PORT]",
    );
  }
  if (!values.routes) {
    throw new LychdError(
      "give --routes FILE",
      "the routing table `lychd export kubernetes` writes into a ConfigMap",
    );
  }
  const text = await host.fs.readTextFile(values.routes);
  if (text === undefined) {
    throw new LychdError(
      `${values.routes} does not exist`,
      "mount the routing table ConfigMap `lychd export kubernetes` writes (<prefix>-gateway-routes)",
    );
  }
  const table = parseRoutes(text, values.routes);
  const cfg = routeConfig(table);
  let keys: string[] = [];
  if (cfg.apiKeyFile) {
    const k = await host.fs.readTextFile(cfg.apiKeyFile);
    if (k === undefined) {
      throw new RoutesError(values.routes, "api_key_file", `${cfg.apiKeyFile} does not exist`);
    }
    keys = parseKeys(k);
    if (!keys.length) throw new RoutesError(values.routes, "api_key_file", `${cfg.apiKeyFile} holds no key`);
  }
  const metrics = new Metrics();
  const probe = opts.probe ?? httpProbe;
  const stones = [...cfg.stones.values()];
  const stonesOf = (u: string) => stones.filter((s) => s.unit === u);
  const pool: Pool = new Pool(cfg, scheduledUnits(stonesOf, () => pool, probe), probe, metrics);
  await pool.init({ idleEveryMs: 0 });
  const handler = gatewayHandler({
    cfg,
    pool,
    metrics,
    keys,
    loadingEverySeconds: opts.loadingEverySeconds,
    routeOnly: true,
  });
  const gw = await listenGateway(host, { listen: values.listen ?? cfg.listen }, handler, pool, metrics);
  return { ...gw, port: gw.port! };
}

/** The process: start, log one line, serve until SIGTERM/SIGINT. Returns the exit code. */
export function runRouteGateway(host: Host, args: string[]): Promise<number> {
  return serveUntilSignal(host, () => startRouteGateway(host, args), (gw) => {
    const n = gw.pool.cfg.models.size;
    return `routing ${n} model id${n === 1 ? "" : "s"} on ${gw.address} (route-only)`;
  });
}
