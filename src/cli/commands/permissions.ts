/**
 * `lychd permissions`: what this process may do, as Deno reports it, against the set the binary
 * is compiled with (src/permissions.ts). Exit 1 when they differ, so `lychd permissions` is an
 * audit: a binary (or a `deno run`) that holds more than the compile set fails it.
 *
 * @module
 */
import type { Command } from "../command.ts";
import type { Host, PermissionKind, PermissionState } from "../../host/host.ts";
import { compileFlags, flagLines, POLICY } from "../../permissions.ts";
import { GATEWAY_POLICY } from "../../gateway/permissions.ts";
import { painter, table, termWidth, useColor } from "../output.ts";

/** Why a target is checked: the kind as a whole, a grant, a name refused or read as unset, a probe. */
export type CheckRole = "kind" | "grant" | "ignored" | "denied" | "probe";

/** One question to Deno and its answer. */
export interface PermissionCheck {
  kind: PermissionKind;
  /** Path, program, variable, API or host; `null` for the kind as a whole. */
  target: string | null;
  role: CheckRole;
  /** What the compile set holds. */
  expected: "granted" | "not granted";
  /** What this process holds. */
  state: PermissionState;
  /**
   * `wider`: granted here but not in the compile set; `narrower`: the reverse; `missing`: a
   * program of the set that was not on PATH when lychd started (Deno resolves `--allow-run`
   * names then, and reports an unresolved one like an ungranted one).
   */
  verdict: "ok" | "wider" | "narrower" | "missing";
  why: string;
}

/** Ask Deno (through the host) about every kind, every grant and one probe per kind. */
export async function auditPermissions(host: Host): Promise<PermissionCheck[]> {
  const out: PermissionCheck[] = [];
  const ask = async (
    kind: PermissionKind,
    target: string | null,
    role: CheckRole,
    expected: PermissionCheck["expected"],
    why: string,
  ) => {
    const state = await host.permission(target === null ? { kind } : { kind, target });
    const granted = state === "granted";
    const verdict = granted === (expected === "granted")
      ? "ok"
      : granted
      ? "wider"
      : kind === "run" && state === "prompt"
      ? "missing"
      : "narrower";
    out.push({ kind, target, role, expected, state, verdict, why });
  };
  for (const p of POLICY) {
    await ask(p.kind, null, "kind", "not granted", p.why);
    for (const g of p.grants) await ask(p.kind, g.value, "grant", "granted", g.why);
    for (const g of p.ignored ?? []) await ask(p.kind, g.value, "ignored", "not granted", g.why);
    for (const g of p.denied ?? []) await ask(p.kind, g.value, "denied", "not granted", g.why);
    await ask(p.kind, p.probe, "probe", "not granted", "outside the compile set");
  }
  return out;
}

/** The gateway's set: its flags and every entry with its reason. */
export function gatewaySet(): { flags: string[]; grants: { kind: string; value: string; why: string }[] } {
  return {
    flags: compileFlags(GATEWAY_POLICY),
    grants: GATEWAY_POLICY.flatMap((p) =>
      p.grants.map((g) => ({ kind: p.kind, value: g.value, why: g.why }))
    ),
  };
}

const label = (c: PermissionCheck) => `${c.kind}${c.target === null ? " (any)" : ` ${c.target}`}`;

/** `lychd permissions`. */
export const permissions: Command = {
  name: "permissions",
  summary: "what this lychd may touch (Deno permissions) vs the compile set; exit 1 when they differ",
  usage: "lychd permissions [--json]",
  flags: [],
  details: "Asks Deno (Deno.permissions.query) about each permission kind, each path, program,\n" +
    "variable and API of the compile set, and one probe outside it per kind (write /etc/passwd,\n" +
    "run curl, net example.com:443…). The compiled binary holds exactly this set:\n\n" +
    flagLines().map((l) => `  ${l.flag}\n      ${l.why}`).join("\n") + "\n\n" +
    "`deno run -A main.ts permissions` exits 1: -A holds more than the set.\n" +
    "The gateway's own set (loopback network only) is shown after the table and in --json as gateway.\n" +
    '--json: { matches, wider: ["net (any)", …], narrower: [same], missing: [same], flags: [flag],\n' +
    '  checks: [{ kind, target, role, expected: "granted"|"not granted",\n' +
    '  state: "granted"|"prompt"|"denied", verdict: "ok"|"wider"|"narrower"|"missing", why }] }\n' +
    "(missing: a program of the set that is not installed; it does not count as a difference)",
  exitCodes: "0 this process holds exactly the compile set, 1 it holds more or less, 2 usage error",
  examples: ["lychd permissions", "lychd permissions --json | jq '.checks[] | select(.verdict != \"ok\")'"],
  async run({ host, flags }) {
    const checks = await auditPermissions(host);
    const wider = checks.filter((c) => c.verdict === "wider").map(label);
    const narrower = checks.filter((c) => c.verdict === "narrower").map(label);
    const missing = checks.filter((c) => c.verdict === "missing").map(label);
    const matches = !wider.length && !narrower.length;
    if (flags.json === true) {
      host.stdout.write(
        JSON.stringify(
          { matches, wider, narrower, missing, flags: compileFlags(), checks, gateway: gatewaySet() },
          null,
          2,
        ) +
          "\n",
      );
    } else {
      const paint = painter(useColor(host, "stdout"));
      const mark = {
        ok: "ok",
        wider: paint("red", "MORE"),
        narrower: paint("yellow", "less"),
        missing: paint("dim", "n/a"),
      };
      const rows = [
        ["", "PERMISSION", "HERE", "COMPILED", "WHY"],
        ...checks.map((c) => [
          mark[c.verdict],
          label(c),
          c.state,
          c.expected,
          c.verdict === "missing" ? "not on PATH when lychd started" : c.why,
        ]),
      ];
      host.stdout.write(
        table(rows, { width: termWidth(host), keep: [1], overflow: ["cut", "wrap", "cut", "cut", "cut"] }),
      );
      host.stdout.write(
        "\nThe gateway (lychd-gateway, <prefix>-gateway.service) runs under its own set:\n" +
          flagLines(GATEWAY_POLICY).map((l) => `  ${l.flag}\n      ${l.why}`).join("\n") + "\n" +
          "Each entry of the gateway's set:\n" +
          GATEWAY_POLICY.flatMap((p) => p.grants.map((g) => `  ${p.kind} ${g.value}: ${g.why}`)).join("\n") +
          "\n",
      );
    }
    if (matches) {
      if (flags.quiet !== true && flags.json !== true) {
        host.stderr.write("lychd: this process holds exactly the compile set\n");
      }
      return 0;
    }
    const some = (l: string[]) => l.slice(0, 4).join(", ") + (l.length > 4 ? `, … ${l.length - 4} more` : "");
    const parts = [
      wider.length ? `MORE than the compile set (${some(wider)})` : "",
      narrower.length ? `less than the compile set (${some(narrower)})` : "",
    ].filter(Boolean);
    host.stderr.write(`lychd: this process holds ${parts.join(" and ")}\n`);
    return 1;
  },
};
