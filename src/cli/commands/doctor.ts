import type { Command, Flags } from "../command.ts";
import { warningLine } from "../../warnings.ts";
import { manager, readRegistry, resolvePaths } from "../context.ts";
import { painter, table, termWidth, useColor } from "../output.ts";
import { podman } from "../../host/podman.ts";
import { loginctl } from "../../host/loginctl.ts";
import { compareVersions, parseVersion } from "../../quadlet/versions.ts";
import { PODMAN_MINIMUM, PODMAN_RECOMMENDED, podmanRequirement } from "../../quadlet/requirement.ts";
import type { Host } from "../../host/host.ts";
import { gatewayFindings } from "../gateway_doctor.ts";

/** One finding. */
export interface Finding {
  check: string;
  level: "ok" | "warn" | "fail";
  detail: string;
  fix?: string;
}

async function firstExisting(host: Host, paths: string[]): Promise<string | undefined> {
  for (const p of paths) if (await host.fs.stat(p)) return p;
  return undefined;
}

/** Run every readiness check. */
export async function diagnose(host: Host, flags: Flags): Promise<Finding[]> {
  const paths = resolvePaths(host, flags);
  const out: Finding[] = [];
  const user = paths.system ? "system manager" : "user manager";
  const uid = host.uid();

  if (uid === 0 && !paths.system) {
    out.push({
      check: "user",
      level: "warn",
      detail: "running as root without --system: lychd binds into root's user manager",
      fix: "run as your user (rootless), or pass --system",
    });
  } else {out.push({
      check: "user",
      level: "ok",
      detail: paths.system ? "root, --system" : `uid ${uid}, rootless`,
    });}

  try {
    const ping = await manager(host, paths).ping();
    out.push(
      ping.reachable ? { check: user, level: "ok", detail: `reachable (${ping.command})` } : {
        check: user,
        level: "fail",
        detail: `unreachable: ${ping.detail || ping.command}`,
        fix: paths.system
          ? "run on a systemd host"
          : "log in through a session (or `machinectl shell you@`), check XDG_RUNTIME_DIR",
      },
    );
  } catch (e) {
    out.push({ check: user, level: "fail", detail: (e as Error).message, fix: "install systemd" });
  }

  if (!paths.system) {
    const name = host.env("USER") ?? host.env("LOGNAME");
    const linger = name ? await loginctl(host.runner).lingerEnabled(name).catch(() => undefined) : undefined;
    out.push(
      linger === true ? { check: "linger", level: "ok", detail: `enabled for ${name}` } : {
        check: "linger",
        level: "warn",
        detail: linger === false
          ? `disabled for ${name}: units stop when you log out and do not start at boot`
          : "unknown (loginctl could not say)",
        fix: `loginctl enable-linger ${name ?? "$USER"}`,
      },
    );
  }

  const version = await podman(host.runner).version().catch(() => undefined);
  const v = version ? parseVersion(version) : undefined;
  if (!v) {
    out.push({
      check: "podman",
      level: "fail",
      detail: "podman not found",
      fix: `install ${podmanRequirement()}`,
    });
  } else if (compareVersions(v, PODMAN_MINIMUM) < 0) {
    out.push({
      check: "podman",
      level: "fail",
      detail: `${version}: no Quadlet (lychd needs Podman ≥ ${PODMAN_MINIMUM})`,
      fix: `upgrade podman (≥ ${PODMAN_RECOMMENDED} recommended)`,
    });
  } else if (compareVersions(v, PODMAN_RECOMMENDED) < 0) {
    out.push({
      check: "podman",
      level: "warn",
      detail:
        `${version}: works, but soulstones do not wait for health (no Notify=healthy) and there is no .pod`,
      fix: `upgrade podman (≥ ${PODMAN_RECOMMENDED} recommended)`,
    });
  } else out.push({ check: "podman", level: "ok", detail: version! });

  const gen = await firstExisting(host, ["/usr/libexec/podman/quadlet", "/usr/lib/podman/quadlet"]);
  out.push(
    gen ? { check: "quadlet", level: "ok", detail: gen } : {
      check: "quadlet",
      level: "fail",
      detail: "Quadlet generator not found",
      fix: `install podman ≥ ${PODMAN_MINIMUM} (it ships /usr/libexec/podman/quadlet)`,
    },
  );

  const init = await firstExisting(host, [
    "/usr/libexec/podman/catatonit",
    "/usr/bin/catatonit",
    "/usr/libexec/catatonit/catatonit",
  ]);
  out.push(
    init ? { check: "catatonit", level: "ok", detail: `${init} (RunInit= for soulstones)` } : {
      check: "catatonit",
      level: "warn",
      detail: "not found: soulstones use RunInit=true so a conflict stop is clean",
      fix: "apt-get install catatonit (or your distribution's package)",
    },
  );

  const proxyd = await firstExisting(host, [
    "/usr/lib/systemd/systemd-socket-proxyd",
    "/lib/systemd/systemd-socket-proxyd",
  ]);
  out.push(
    proxyd ? { check: "socket-proxyd", level: "ok", detail: `${proxyd} (on_demand soulstones)` } : {
      check: "socket-proxyd",
      level: "warn",
      detail: "systemd-socket-proxyd not found: on_demand stones cannot work",
      fix: "install systemd ≥ 209",
    },
  );

  // Asked of podman (the compiled binary may not read /sys); the file is the fallback.
  const cgInfo = await host.runner.run("podman", ["info", "--format", "{{.Host.CgroupsVersion}}"]).catch(() =>
    undefined
  );
  const cgVersion = cgInfo?.code === 0 ? cgInfo.stdout.trim() : undefined;
  const cg2 = cgVersion
    ? cgVersion === "v2"
    : await host.fs.stat("/sys/fs/cgroup/cgroup.controllers").catch(() => undefined);
  out.push(
    cg2 ? { check: "cgroup v2", level: "ok", detail: "unified hierarchy" } : {
      check: "cgroup v2",
      level: "warn",
      detail: "cgroup v1 or hybrid: rootless resource limits do not work",
      fix: "boot with systemd.unified_cgroup_hierarchy=1",
    },
  );

  try {
    const reg = await readRegistry(host, paths.cdiDirs);
    const kinds = reg.kinds();
    out.push(
      kinds.length
        ? {
          check: "CDI",
          level: "ok",
          detail: kinds.map((k) => `${k}: ${reg.knownNames(k).length} devices`).join("; "),
        }
        : {
          check: "CDI",
          level: "warn",
          detail: `no specs in ${paths.cdiDirs.join(", ")}`,
          fix: "nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml",
        },
    );
    // Specs podman would skip, devices it would drop, overrides and *.yml files (docs/cdi.md).
    for (const w of reg.warnings()) {
      out.push({
        check: "CDI",
        level: "warn",
        detail: warningLine(w),
        fix: "fix, rename or remove the spec file",
      });
    }
  } catch (e) {
    out.push({
      check: "CDI",
      level: "fail",
      detail: (e as Error).message,
      fix: "fix or regenerate the spec",
    });
  }

  let dir = paths.unitDir;
  let info = await host.fs.stat(dir);
  while (!info && dir.includes("/") && dir !== "/") {
    dir = dir.replace(/\/[^/]*$/, "") || "/";
    info = await host.fs.stat(dir);
  }
  out.push(
    info?.isDirectory
      ? {
        check: "unit dir",
        level: "ok",
        detail: dir === paths.unitDir ? paths.unitDir : `${paths.unitDir} (will be created under ${dir})`,
      }
      : {
        check: "unit dir",
        level: "fail",
        detail: `${paths.unitDir}: no existing parent directory`,
        fix: "create it",
      },
  );
  out.push(...await gatewayFindings(host, paths));
  return out;
}

/** `lychd doctor`. */
export const doctor: Command = {
  name: "doctor",
  summary: "host readiness: user manager, linger, podman/Quadlet, cgroup v2, CDI, unit dir",
  usage: "lychd doctor [--json]",
  flags: [],
  details: "Checks the user (or --system) manager, linger, podman and its Quadlet generator, catatonit,\n" +
    "systemd-socket-proxyd, cgroup v2, the CDI specs and the unit directory. Each finding that is not\n" +
    "ok comes with a fix.",
  json: '{ findings: [{ check, level: "ok"|"warn"|"fail", detail, fix? }] }',
  exitCodes: "0 ready (warnings allowed), 1 something blocks lychd, 2 usage error",
  examples: [
    "lychd doctor",
    "lychd doctor --json | jq '.findings[] | select(.level != \"ok\")'",
    "sudo lychd doctor --system",
  ],
  async run({ host, flags }) {
    const findings = await diagnose(host, flags);
    if (flags.json === true) host.stdout.write(JSON.stringify({ findings }, null, 2) + "\n");
    else {
      const paint = painter(useColor(host, "stdout"));
      const mark = { ok: "ok", warn: "warn", fail: "FAIL" };
      const color = { ok: "green", warn: "yellow", FAIL: "red" } as const;
      const rows = findings.map((f) => [mark[f.level], f.check, f.detail + (f.fix ? ` → ${f.fix}` : "")]);
      host.stdout.write(table(rows, {
        width: termWidth(host),
        header: false,
        keep: [0, 1],
        paint: (_row, col, text) =>
          col === 0 ? paint(color[text as keyof typeof color] ?? "bold", text) : text,
      }));
    }
    return findings.some((f) => f.level === "fail") ? 1 : 0;
  },
};
