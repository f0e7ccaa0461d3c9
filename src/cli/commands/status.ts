import type { Command } from "../command.ts";
import { build, type Built, manager, resolvePaths, unitOfFile } from "../context.ts";
import { proxyUnits } from "../../quadlet/naming.ts";
import { checkOwned, ownedFiles } from "../../bind/manifest.ts";
import { LychdError } from "../../errors.ts";
import { HostError } from "../../host/host.ts";
import { unreachable } from "../unreachable.ts";
import { ago, note, painter, table, termWidth, useColor } from "../output.ts";

const PROPS = [
  "ActiveState",
  "SubState",
  "Result",
  "ActiveEnterTimestamp",
  "StateChangeTimestamp",
  "NRestarts",
];

/** Sub-states not worth a column's width (`systemctl list-units` shows them apart). */
const USUAL = new Set([
  "active/active",
  "active/running",
  "active/exited",
  "active/listening",
  "active/waiting",
  "inactive/inactive",
  "inactive/dead",
  "failed/failed",
]);

/** Human label of an on-demand stone's state. */
export function onDemandState(container: string, proxy: string, socket: string): string {
  if (container === "activating") return "loading";
  if (container === "active") return proxy === "active" ? "serving" : "idle";
  if (socket === "active" || socket === "listening") return "waiting for a request";
  return "off";
}

/** `lychd status`. */
export const status: Command = {
  name: "status",
  summary: "every owned unit: state, since, device claims, conflicts, drift",
  usage: "lychd status [--json]",
  flags: [],
  details: "Reads the ownership manifest, asks systemd (`systemctl show`) for each unit's state, and\n" +
    "compares each owned file with its recorded hash (drift: ok, edited, vanished). The table fits\n" +
    "$COLUMNS (default 80): long cells wrap. States are coloured on a terminal (never with NO_COLOR).",
  json:
    "{ bound, codex, units: [{ unit, file, name?, role?, active, sub, result, since, changed, restarts, " +
    'drift: "ok"|"edited"|"vanished", claims: [device], physical: [node], conflicts: [unit], onDemand? }] }',
  exitCodes: "0 success (also when nothing is bound), 1 systemctl failed, 2 usage error",
  examples: [
    "lychd status",
    "lychd status --json | jq '.units[] | select(.active != \"active\")'",
    "sudo lychd status --system",
  ],
  async run({ host, flags }) {
    const paths = resolvePaths(host, flags);
    const manifest = await ownedFiles(host, paths.unitDir);
    if (!manifest) {
      if (flags.json === true) {
        host.stdout.write(JSON.stringify({ bound: false, codex: null, units: [] }, null, 2) + "\n");
      } else note(host, flags, `nothing is bound in ${paths.unitDir} (run \`lychd bind\`)`);
      return 0;
    }
    let built: Built | undefined;
    try {
      built = await build(host, { ...flags, quiet: true }, { allowDefault: false });
    } catch (e) {
      // A Codex that no longer loads, plans or renders (edited, unreadable, its specs gone):
      // status still works from the manifest alone. A bug in lychd is not such a failure.
      if (!(e instanceof LychdError)) throw e;
      built = undefined;
    }
    const drift = await checkOwned(host.fs, manifest);
    const files = drift.map((d) => ({ ...d, unit: unitOfFile(d.path) })).filter((d) => d.unit);
    const units = [...new Set(files.map((f) => f.unit!))];
    let shown: Record<string, Record<string, string>> = {};
    let down: LychdError | undefined;
    try {
      shown = units.length ? await manager(host, paths).show(units, PROPS) : {};
    } catch (e) {
      // Without the manager the states are unknown: one line (and, with --json, the document).
      if (!(e instanceof HostError)) throw e;
      down = await unreachable(host, paths);
      if (!down) throw e;
    }
    const byUnit = new Map(built?.plan.services.map((ps) => [ps.unit, ps]) ?? []);
    const rows = files.map((f) => {
      const s = shown[f.unit!] ?? {};
      const ps = byUnit.get(f.unit!);
      const od = ps?.service.onDemand
        ? onDemandState(
          s.ActiveState ?? "",
          shown[proxyUnits(ps.service.stem).service]?.ActiveState ?? "",
          shown[proxyUnits(ps.service.stem).socket]?.ActiveState ?? "",
        )
        : undefined;
      return {
        unit: f.unit!,
        file: f.path,
        name: ps?.service.name,
        role: ps?.service.role,
        active: s.ActiveState ?? "unknown",
        sub: s.SubState ?? "",
        result: s.Result ?? "",
        since: s.ActiveEnterTimestamp ?? "",
        changed: s.StateChangeTimestamp ?? "",
        restarts: Number(s.NRestarts ?? "0") || 0,
        drift: f.state,
        claims: ps?.claims.map((c) => c.device) ?? [],
        physical: ps?.claims.flatMap((c) => c.byName ? [] : c.physical) ?? [],
        conflicts: ps?.conflicts ?? [],
        ...(od ? { onDemand: od } : {}),
        models: ps?.service.served?.ids ?? [],
      };
    });
    if (flags.json === true) {
      host.stdout.write(JSON.stringify({ bound: true, codex: manifest.codex, units: rows }, null, 2) + "\n");
    }
    if (down) throw down;
    if (flags.json === true) return 0;
    const paint = painter(useColor(host, "stdout"));
    const out = [["UNIT", "STATE", "SINCE", "CLAIMS", "CONFLICTS"]];
    for (const r of rows) {
      const since = ago(r.changed || r.since, host.now());
      const state = `${r.active}${r.sub && !USUAL.has(`${r.active}/${r.sub}`) ? `/${r.sub}` : ""}${
        r.drift !== "ok" ? ` [${r.drift}]` : ""
      }${r.onDemand ? ` (${r.onDemand})` : ""}`;
      out.push([
        r.unit.replace(/\.service$/, "") + (r.models.length ? ` (${r.models.join(", ")})` : ""),
        state,
        since,
        r.claims.join(", ") || "-",
        r.conflicts.map((c) => c.replace(/\.service$/, "").replace(/^.*-soulstone-/, "")).join(", ") || "-",
      ]);
    }
    host.stdout.write(table(out, {
      width: termWidth(host),
      keep: [0, 1],
      paint: (row, col, text) =>
        row === 0 ? paint("bold", text) : col === 1
          ? text.replace(
            /^(active|failed|activating|deactivating)\b/,
            (m) => paint(m === "active" ? "green" : m === "failed" ? "red" : "yellow", m),
          ).replace(/\[(edited|vanished)\]/, (m) => paint("yellow", m))
          : text,
    }));
    return 0;
  },
};
