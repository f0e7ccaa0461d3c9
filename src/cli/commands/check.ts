import type { Command, Flags } from "../command.ts";
import { warningLine } from "../../warnings.ts";
import { gatewayUnits } from "../../quadlet/naming.ts";
import { GATEWAY_HOST } from "../../codex/subnet.ts";
import { build, type Progress, resolvePaths } from "../context.ts";
import { CdiError } from "../../cdi/errors.ts";
import { FsError, type Host } from "../../host/host.ts";
import { painter, table, termWidth, useColor, warnAll } from "../output.ts";
import { DEFAULT_CODEX_NAME } from "../../codex/default.ts";
import { CodexError } from "../../codex/errors.ts";
import { RenderError } from "../../quadlet/render.ts";
import type { Plan } from "../../plan/plan.ts";

/** The `--json` shape of a service in `check` (and `status`). */
export function serviceSummary(plan: Plan) {
  return plan.services.map((ps) => ({
    name: ps.service.name,
    role: ps.service.role,
    unit: ps.unit,
    autostart: ps.service.autostart,
    claims: ps.claims.map((c) => ({ device: c.device, physical: c.physical, byName: c.byName })),
    conflicts: ps.conflicts,
    ...(ps.service.served ? { models: ps.service.served.ids } : {}),
  }));
}

/** The `--json` shape of the gateway in `check` (null without one). */
export function gatewaySummary(plan: Plan) {
  const g = plan.codex.gateway;
  if (!g) return null;
  return {
    unit: gatewayUnits(plan.codex.prefix).service,
    listen: g.ip.includes(":") ? `[${g.ip}]:${g.port}` : `${g.ip}:${g.port}`,
    from_containers: fromContainers(plan),
    default: g.default ?? null,
    models: plan.services.filter((ps) => ps.service.served).flatMap((ps) =>
      ps.service.served!.ids.map((id) => ({
        id,
        stone: ps.service.name,
        unit: ps.unit,
        served_name: ps.service.served!.servedName,
        pinned: ps.service.served!.pinned,
        vram_gib: ps.service.raw.vram_gib ?? null,
      }))
    ),
  };
}

/** How containers of the bridge reach the gateway (docs/gateway.md), or null. */
function fromContainers(plan: Plan): string | null {
  const c = plan.codex;
  if (!c.gateway || c.network !== "bridge" || c.subnet === undefined) return null;
  return `${GATEWAY_HOST}:${c.gateway.port}`;
}

/** One line per stone the gateway serves, for `check` and `status`. */
export function gatewayLines(plan: Plan): string[] {
  const g = gatewaySummary(plan);
  if (!g) return [];
  const byStone = new Map<string, string[]>();
  for (const m of g.models) byStone.set(m.stone, [...(byStone.get(m.stone) ?? []), m.id]);
  return [
    `gateway ${g.listen} (${g.unit}) serves ${g.models.length} model id${g.models.length === 1 ? "" : "s"}:`,
    ...[...byStone].map(([stone, ids]) => {
      const m = g.models.find((x) => x.stone === stone)!;
      return `  ${ids.join(", ")} → ${stone}${m.pinned ? " (pinned)" : ""}${
        ids[0] === g.default || ids.includes(g.default ?? "\0") ? " (default)" : ""
      }`;
    }),
    ...(g.from_containers ? [`  containers: http://${g.from_containers}/v1`] : []),
  ];
}

/** `lychd check`: validate the Codex and CDI claims. */
export const check: Command = {
  name: "check",
  summary: "validate the Codex and the CDI claims; exit 0 valid, 1 invalid",
  usage: "lychd check [--json] [--codex FILE] [--cdi-dir DIR]…",
  flags: [],
  details: "Parses and validates the Codex, resolves each soulstone's devices through the CDI specs, and\n" +
    "lists claims and conflicts (a table fitted to $COLUMNS, default 80). With --quiet, only the exit\n" +
    "status and errors. Without a Codex file at the default place the embedded default is checked (a note says so).",
  json: "{ valid, file, embedded, podmanVersion, errors: [{ path, message, hint?, line?, column? }], " +
    "warnings: [string], services: [{ name, role, unit, autostart, claims: [{ device, physical: [node], " +
    "byName }], conflicts: [unit], models?: [id] }], gateway: { unit, listen, from_containers, default, models: [{ id, stone, " +
    "unit, served_name, pinned, vram_gib }] } | null } (also on exit 1, with valid: false)",
  exitCodes: "0 valid, 1 invalid, 2 usage error",
  examples: [
    "lychd check",
    "lychd check --json | jq '.services[] | {name, conflicts}'",
    "lychd check --codex ./codex.toml --cdi-dir ./cdi",
  ],
  async run({ host, flags }) {
    const json = flags.json === true;
    const progress: Progress = { warnings: [] };
    try {
      const b = await build(host, flags, { allowDefault: true, progress });
      const services = serviceSummary(b.plan);
      if (json) {
        host.stdout.write(
          JSON.stringify(
            {
              valid: true,
              file: b.codex.file,
              embedded: b.embedded,
              podmanVersion: b.version,
              errors: [],
              warnings: b.warnings.map(warningLine),
              services,
              gateway: gatewaySummary(b.plan),
            },
            null,
            2,
          ) + "\n",
        );
        return 0;
      }
      warnAll(host, flags, b.warnings);
      if (flags.quiet === true) return 0;
      const stones = services.filter((s) => s.role === "soulstone").length;
      const valid = `${b.codex.file}: valid — ${services.length} services (${stones} soulstones),`;
      const target = `rendering for Podman ${b.version} (${b.versionSource})`;
      const width = termWidth(host);
      host.stdout.write(
        [...valid].length + 1 + [...target].length <= width
          ? `${valid} ${target}\n`
          : `${valid}\n  ${target}\n`,
      );
      const rows = [["SERVICE", "ROLE", "START", "CLAIMS", "CONFLICTS"]];
      const paint = painter(useColor(host, "stdout"));
      for (const s of services) {
        rows.push([
          s.name,
          s.role,
          s.autostart ? "auto" : "manual",
          s.claims.map((c) => c.device).join(", ") || "-",
          s.conflicts.map((u) => b.plan.services.find((p) => p.unit === u)?.service.name ?? u).join(", ") ||
          "-",
        ]);
      }
      host.stdout.write(table(rows, {
        width,
        keep: [0, 1, 2],
        paint: (row, _col, text) => row === 0 ? paint("bold", text) : text,
      }));
      for (const l of gatewayLines(b.plan)) host.stdout.write(`${l}\n`);
      return 0;
    } catch (e) {
      if (json) {
        const doc = failureDocument(host, flags, progress, e);
        if (doc) host.stdout.write(JSON.stringify(doc, null, 2) + "\n");
      }
      throw e;
    }
  },
};

/**
 * The `--json` document of a failed check: every exit path that has a Codex to describe (its path
 * is known) gets one, whatever the failure (`undefined` only when not even the Codex path resolves,
 * e.g. neither XDG_CONFIG_HOME nor HOME is set).
 */
export function failureDocument(host: Host, flags: Flags, progress: Progress, e: unknown) {
  let file = e instanceof CodexError ? e.file : progress.file;
  if (file === undefined) {
    try {
      file = resolvePaths(host, flags).codex;
    } catch {
      return undefined;
    }
  }
  const one = (path: string, message: string, hint?: string) =>
    hint === undefined ? { path, message } : { path, message, hint };
  const errors = e instanceof CodexError
    ? e.issues
    : e instanceof RenderError
    ? [one(e.path, e.message, e.hint)]
    : e instanceof CdiError
    ? [one(e.path ?? "", e.message, e.hint)]
    : e instanceof FsError
    ? [one(e.path, e.message, e.hint)]
    : e instanceof Error
    ? [one("", e.message.split("\n")[0], (e as { hint?: string }).hint)]
    : [one("", String(e))];
  return {
    valid: false,
    file,
    embedded: progress.embedded ?? file === DEFAULT_CODEX_NAME,
    podmanVersion: null,
    errors,
    warnings: progress.warnings.map(warningLine),
    services: [],
    gateway: null,
  };
}
