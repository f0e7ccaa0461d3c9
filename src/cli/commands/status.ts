import type { Command } from "../command.ts";
import { build, type Built, manager, resolvePaths, unitOfFile } from "../context.ts";
import { checkOwned, ownedFiles } from "../../bind/manifest.ts";
import { painter, table, useColor } from "../output.ts";

const PROPS = ["ActiveState", "SubState", "Result", "ActiveEnterTimestamp", "NRestarts"];

/** Human label of an on-demand stone's state. */
export function onDemandState(container: string, socket: string): string {
  if (container === "activating") return "loading";
  if (container === "active") return "serving";
  if (socket === "active") return "waiting for a request";
  return "idle";
}

/** `lychd status`. */
export const status: Command = {
  name: "status",
  summary: "every owned unit: state, since, device claims, conflicts, drift",
  usage: "lychd status [--json]",
  flags: [],
  details: "Reads the ownership manifest, asks systemd (`systemctl show`) for each unit's state, and\n" +
    "compares each owned file with its recorded hash (drift: ok, edited, vanished).",
  examples: ["lychd status", "lychd status --json | jq '.units[] | select(.active != \"active\")'"],
  async run({ host, flags }) {
    const paths = resolvePaths(host, flags);
    const manifest = await ownedFiles(host, paths.unitDir);
    if (!manifest) {
      if (flags.json === true) host.stdout.write(JSON.stringify({ bound: false, units: [] }, null, 2) + "\n");
      else host.stderr.write(`lychd: nothing is bound in ${paths.unitDir} (run \`lychd bind\`)\n`);
      return 0;
    }
    let built: Built | undefined;
    try {
      built = await build(host, { ...flags, quiet: true }, { allowDefault: false });
    } catch {
      built = undefined; // status still works from the manifest alone
    }
    const drift = await checkOwned(host.fs, manifest);
    const files = drift.map((d) => ({ ...d, unit: unitOfFile(d.path) })).filter((d) => d.unit);
    const units = [...new Set(files.map((f) => f.unit!))];
    const shown = units.length ? await manager(host, paths).show(units, PROPS) : {};
    const byUnit = new Map(built?.plan.services.map((ps) => [ps.unit, ps]) ?? []);
    const rows = files.map((f) => {
      const s = shown[f.unit!] ?? {};
      const ps = byUnit.get(f.unit!);
      const od = ps?.service.onDemand
        ? onDemandState(s.ActiveState ?? "", shown[`${ps.service.stem}-proxy.socket`]?.ActiveState ?? "")
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
        restarts: Number(s.NRestarts ?? "0") || 0,
        drift: f.state,
        claims: ps?.claims.map((c) => c.device) ?? [],
        conflicts: ps?.conflicts ?? [],
        ...(od ? { onDemand: od } : {}),
      };
    });
    if (flags.json === true) {
      host.stdout.write(JSON.stringify({ bound: true, codex: manifest.codex, units: rows }, null, 2) + "\n");
      return 0;
    }
    const paint = painter(useColor(host, "stdout"));
    const color = (st: string) =>
      st === "active" ? paint("green", st) : st === "failed" ? paint("red", st) : st;
    const out = [["UNIT", "STATE", "SINCE", "CLAIMS", "CONFLICTS"]];
    for (const r of rows) {
      const since = r.since ? r.since.replace(/^\w+ /, "").replace(/ \w+$/, "") : "-";
      const state = `${r.active}${r.sub && r.sub !== r.active ? `/${r.sub}` : ""}${
        r.drift !== "ok" ? ` [${r.drift}]` : ""
      }${r.onDemand ? ` (${r.onDemand})` : ""}`;
      out.push([
        r.unit.replace(/\.service$/, ""),
        state,
        since,
        r.claims.join(",") || "-",
        r.conflicts.map((c) => c.replace(/\.service$/, "").replace(/^.*-soulstone-/, "")).join(",") || "-",
      ]);
    }
    const text = table(out);
    host.stdout.write(
      paint === undefined
        ? text
        : text.split("\n").map((l, i) => (i === 0 ? l : l.replace(/\b(active|failed)\b/, (m) => color(m))))
          .join("\n"),
    );
    return 0;
  },
};
