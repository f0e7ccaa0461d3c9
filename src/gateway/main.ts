/**
 * The gateway process: `lychd-gateway --socket PATH | --listen IP:PORT [--codex FILE] [--system]
 * [--cdi-dir DIR…]`. Loads the Codex and the CDI specs like the binder, then serves until
 * SIGTERM. Under systemd it serves on the Unix socket of its runtime directory (systemd owns the
 * TCP listener); `--listen` is for tests and benches.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Host } from "../host/host.ts";
import { systemctl } from "../host/systemctl.ts";
import { readCodex, readRegistry, resolvePaths } from "../cli/context.ts";
import { makePlan } from "../plan/plan.ts";
import { LychdError } from "../errors.ts";
import { listenGateway, type RunningGateway, serveUntilSignal } from "./process.ts";
import { gatewayConfig } from "./config.ts";
import { Pool } from "./pool.ts";
import { httpProbe, type Probe, type Units } from "./stone.ts";
import { Metrics } from "./metrics.ts";
import { gatewayHandler } from "./server.ts";
import { parseKeys } from "./http.ts";

export type { RunningGateway } from "./process.ts";

/** Units through the systemctl wrapper of the host seam. */
export function systemdUnits(host: Host, user: boolean): Units {
  const sd = systemctl(host.runner, { user });
  return {
    start: (unit, timeoutMs) => sd.start([unit], { timeoutMs }),
    stop: (unit, timeoutMs) => sd.stop([unit], { timeoutMs }),
    async states(units) {
      const shown = await sd.show(units, ["ActiveState"]);
      return Object.fromEntries(units.map((u) => [u, shown[u]?.ActiveState ?? ""]));
    },
  };
}

/** Start the gateway. Throws a one-line error for a bad Codex or key file. */
export async function startGateway(
  host: Host,
  args: string[],
  opts: { units?: Units; probe?: Probe; idleEveryMs?: number; loadingEverySeconds?: number } = {},
): Promise<RunningGateway> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        socket: { type: "string" },
        listen: { type: "string" },
        codex: { type: "string" },
        system: { type: "boolean" },
        "cdi-dir": { type: "string", multiple: true },
      },
      strict: true,
    });
  } catch (e) {
    throw new LychdError((e as Error).message.split("\n")[0]);
  }
  const { values } = parsed;
  if (!values.socket === !values.listen) {
    throw new LychdError("give exactly one of --socket PATH and --listen IP:PORT");
  }
  const paths = resolvePaths(host, {
    codex: values.codex,
    system: values.system,
    "cdi-dir": values["cdi-dir"],
  });
  const { codex } = await readCodex(host, paths, { allowDefault: false, quiet: true });
  const plan = makePlan(codex, await readRegistry(host, paths.cdiDirs));
  const cfg = gatewayConfig(codex, plan);
  if (!cfg.models.size) throw new LychdError(`${codex.file}: no soulstone has models: nothing to serve`);
  let keys: string[] = [];
  if (cfg.apiKeyFile) {
    const text = await host.fs.readTextFile(cfg.apiKeyFile);
    if (text === undefined) throw new LychdError(`gateway.api_key_file ${cfg.apiKeyFile} does not exist`);
    const mode = (await host.fs.stat(cfg.apiKeyFile))?.mode ?? 0;
    if (mode & 0o077) {
      throw new LychdError(
        `gateway.api_key_file ${cfg.apiKeyFile} is readable by others (mode ${
          (mode & 0o777).toString(8)
        }); chmod 600 it`,
      );
    }
    keys = parseKeys(text);
    if (!keys.length) throw new LychdError(`gateway.api_key_file ${cfg.apiKeyFile} holds no key`);
  }
  const metrics = new Metrics();
  const pool = new Pool(
    cfg,
    opts.units ?? systemdUnits(host, !paths.system),
    opts.probe ?? httpProbe,
    metrics,
  );
  await pool.init({ idleEveryMs: opts.idleEveryMs });
  const handler = gatewayHandler({ cfg, pool, metrics, keys, loadingEverySeconds: opts.loadingEverySeconds });
  return listenGateway(host, { socket: values.socket, listen: values.listen }, handler, pool, metrics);
}

/** The process: start, log one line, serve until SIGTERM/SIGINT. Returns the exit code. */
export function runGateway(host: Host, args: string[]): Promise<number> {
  return serveUntilSignal(host, () => startGateway(host, args), (gw) => {
    const n = gw.pool.cfg.models.size;
    return `serving ${n} model id${n === 1 ? "" : "s"} on ${gw.address}`;
  });
}
