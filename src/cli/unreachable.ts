/**
 * One clear line when systemd's manager cannot be reached, instead of a `systemctl` command line
 * and systemd's raw "Failed to connect to bus: No medium found". Typical causes: lychd runs in a
 * shell without a login session (su, sudo -u, ssh without lingering), so there is no
 * `XDG_RUNTIME_DIR` and no user bus.
 *
 * @module
 */
import { type Host, HostError } from "../host/host.ts";
import type { Paths } from "./context.ts";
import { manager } from "./context.ts";
import { LychdError } from "../errors.ts";

/** The hint for an unreachable manager (user: a session or lingering plus XDG_RUNTIME_DIR). */
export function unreachableHint(host: Host, paths: Paths): string {
  if (paths.system) return "run on a systemd host, as root";
  const user = host.env("USER") ?? host.env("LOGNAME") ?? "$USER";
  return `run lychd in a login session of ${user}, or \`loginctl enable-linger ${user}\` and ` +
    `XDG_RUNTIME_DIR=/run/user/${host.uid()}`;
}

/**
 * If the manager does not answer (`systemctl [--user] show-environment` fails), the one-line
 * error saying so, naming `doing` (e.g. "so it was not reloaded"); otherwise undefined.
 */
export async function unreachable(host: Host, paths: Paths, doing = ""): Promise<LychdError | undefined> {
  let detail: string;
  try {
    const ping = await manager(host, paths).ping();
    if (ping.reachable) return undefined;
    detail = ping.detail.split("\n")[0] || "no answer";
  } catch (e) {
    if (!(e instanceof HostError)) throw e;
    detail = e.message.split("\n")[0];
  }
  const which = paths.system ? "system manager" : "user manager";
  const scope = paths.system ? "systemctl" : "systemctl --user";
  return new LychdError(
    `the systemd ${which} is not reachable${doing ? `, ${doing}` : ""} (\`${scope}\` failed: ${detail})`,
    unreachableHint(host, paths),
  );
}
