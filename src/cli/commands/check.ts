import type { Command } from "../command.ts";
import { build, resolvePaths } from "../context.ts";
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
  }));
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
    "byName }], conflicts: [unit] }] } (also on exit 1, with valid: false)",
  exitCodes: "0 valid, 1 invalid, 2 usage error",
  examples: [
    "lychd check",
    "lychd check --json | jq '.services[] | {name, conflicts}'",
    "lychd check --codex ./codex.toml --cdi-dir ./cdi",
  ],
  async run({ host, flags }) {
    const json = flags.json === true;
    try {
      const b = await build(host, flags, { allowDefault: true });
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
              warnings: b.warnings,
              services,
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
      return 0;
    } catch (e) {
      if (json && (e instanceof CodexError || e instanceof RenderError)) {
        const file = e instanceof CodexError ? e.file : resolvePaths(host, flags).codex;
        const errors = e instanceof CodexError
          ? e.issues
          : [{ path: e.path, message: e.message, hint: e.hint }];
        host.stdout.write(
          JSON.stringify(
            {
              valid: false,
              file,
              embedded: file === DEFAULT_CODEX_NAME,
              podmanVersion: null,
              errors,
              warnings: [],
              services: [],
            },
            null,
            2,
          ) + "\n",
        );
      }
      throw e;
    }
  },
};
