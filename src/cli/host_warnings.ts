/**
 * Warnings about how the Runes will meet the host, beside the Codex's own (plan, render): the
 * gateway's program and what its permission set may read, a Podman newer than lychd knows, and
 * the first bind's (root into its own user manager; a rootless gateway containers cannot reach).
 * Split from context.ts, which calls the first three on every build.
 *
 * @module
 */
import type { Host } from "../host/host.ts";
import type { Codex } from "../codex/model.ts";
import type { Plan } from "../plan/plan.ts";
import type { LychdInvocation } from "../quadlet/gateway.ts";
import { compareVersions, NEWEST } from "../quadlet/versions.ts";
import type { Warning } from "../warnings.ts";
import { GATEWAY_HOST } from "../codex/subnet.ts";
import { gatewayMayRead, gatewayReadable } from "../gateway/permissions.ts";
import * as posix from "../host/posix_path.ts";
import type { Paths } from "./context.ts";

/**
 * A compiled lychd names `lychd-gateway` beside itself in the gateway's units, and `deno task
 * compile` does not build one yet (docs/gateway.md): said when the Codex has a gateway and that file
 * is not there, rather than left for a unit that cannot start.
 */
export async function gatewayProgramWarnings(
  host: Host,
  plan: Plan,
  lychd: LychdInvocation,
): Promise<Warning[]> {
  if (!plan.codex.gateway || !host.program || lychd.gateway.length !== 1) return [];
  const program = lychd.gateway[0];
  // Missing for sure only when lstat says so; a path this lychd may not read stays unjudged.
  const info = await host.fs.stat(program).catch(() => "unknown" as const);
  if (info !== undefined) return [];
  return [{
    code: "gateway-program-missing",
    path: "gateway",
    message:
      `the gateway's units run ${program}, which is not there: \`deno task compile\` builds lychd alone, ` +
      "so the gateway would not start",
    hint:
      "run lychd from a checkout or from `deno task install` for a Codex with a gateway (docs/gateway.md)",
  }];
}

/**
 * The gateway reads the Codex (and its `api_key_file`) when it starts, with its own permission set
 * (src/gateway/permissions.ts): a file outside it (a Codex under /tmp or /srv) is refused there, so
 * the gateway would fail in the journal after a bind that succeeded. Said at check, render and bind.
 */
export function gatewayReadWarnings(plan: Plan): Warning[] {
  const g = plan.codex.gateway;
  if (!g) return [];
  const files: [string, string][] = [["the Codex", plan.codex.file]];
  if (g.apiKeyFile) files.push(["gateway.api_key_file", g.apiKeyFile]);
  return files.filter(([, f]) => f.startsWith("/") && !gatewayMayRead(posix.normalize(f))).map((
    [what, f],
  ) => ({
    code: "gateway-read-refused",
    path: what === "the Codex" ? "gateway" : "gateway.api_key_file",
    message: `the gateway reads ${what} at ${f} when it starts, and its permission set may read only ` +
      `${gatewayReadable()}: it would not start`,
    hint: "keep the Codex (and the key file) under your home, e.g. ~/.config/lychd/, or under /etc/lychd",
  }));
}

/**
 * A target newer than the newest Podman lychd knows renders as for that one (every key lychd writes
 * is dated in keys.ts, none after it): said, so a user of a newer Podman knows what was checked.
 */
export function newerPodmanWarnings(version: string, source: string): Warning[] {
  if (compareVersions(version, NEWEST) <= 0) return [];
  return [{
    code: "podman-newer-than-known",
    path: "",
    message: `Podman ${version} (${source}) is newer than any lychd knows (${NEWEST}): ` +
      `the Runes use what Podman ${NEWEST} accepts`,
    hint: `a newer lychd may use what Podman ${version} added`,
  }];
}

/**
 * The warnings of a first bind: root binding into its own user manager; a rootless bind with a
 * gateway on the bridge, which lives in the user's network namespace, so containers cannot reach
 * the gateway as `lychd-gateway` (docs/gateway.md, "Reaching the gateway from containers").
 */
export function firstBindWarnings(host: Host, paths: Paths, codex: Codex): Warning[] {
  const out: Warning[] = [];
  if (paths.system) return out;
  if (host.uid() === 0) {
    out.push({
      code: "bind-root-user-manager",
      path: "",
      message:
        "running as root without --system: binding into root's own user manager (use --system for /etc/containers/systemd)",
    });
  } else if (codex.gateway && codex.network === "bridge" && codex.subnet !== undefined) {
    out.push({
      code: "bind-rootless-gateway-unreachable",
      path: "",
      message:
        `rootless Podman: containers cannot reach the gateway as ${GATEWAY_HOST} (the bridge is in your own network namespace); see docs/gateway.md "Reaching the gateway from containers"`,
    });
  }
  return out;
}
