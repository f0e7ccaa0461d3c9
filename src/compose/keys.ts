/**
 * The process and runtime keys of a compose service: `command` / `entrypoint` (a multi-line
 * `sh -c` script travels escaped in LYCHD_SCRIPT), the one-to-one keys (`user`, `cap_add`,
 * `ulimits`, `ipc`, …, anything unknown is dropped or refused) and `deploy` (limits, replicas;
 * the rest is swarm-only).
 *
 * Pure.
 *
 * @module
 */
import type { Obj } from "./project.ts";
import { refuse, type ServiceCtx } from "./model.ts";
import { duration, seconds, size } from "./values.ts";

/** `command:` / `entrypoint:`. */
export function commandKey(ctx: ServiceCtx, key: string, v: unknown): void {
  const { s, f, drop, note } = ctx;
  const words = (v as unknown[]).map(String);
  if (key === "entrypoint" && words.length === 0) {
    drop(key, "an empty entrypoint (reset) cannot be expressed", "name the program to run instead");
    return;
  }
  // deno-lint-ignore no-control-regex
  const ctl = /[\u0000-\u001f\u007f]/;
  const c = words.findIndex((w) => ctl.test(w));
  if (c >= 0) {
    // A multi-line `sh -c` script: systemd/Quadlet cannot carry a newline in an argument,
    // so the script travels escaped in LYCHD_SCRIPT and the shell rebuilds it verbatim.
    const ep = (s.entrypoint ?? []) as string[];
    const shell = (w: string | undefined) => !!w && /(^|\/)(sh|bash|ash|dash|zsh)$/.test(w);
    const isScript = words[c - 1] === "-c" && words.filter((w) => ctl.test(w)).length === 1 &&
      (c === 1
        ? (key === "command" ? shell(ep[ep.length - 1]) && ep.length === 1 : false)
        : shell(words[c - 2]) && c === 2);
    if (isScript && !f.env_script) {
      f.env_script = words[c].replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll("\t", "\\t")
        .replaceAll("\r", "\\r");
      words[c] = 'eval "$(printf %b "$LYCHD_SCRIPT")"';
      note(
        `${key}: a multi-line script (newlines cannot pass through systemd) → escaped in env LYCHD_SCRIPT, rebuilt by printf %b`,
      );
    } else {
      drop(
        key,
        `an argument contains a newline or control character, which systemd cannot pass`,
        "put the script in a file and bind-mount it",
      );
      return;
    }
  }
  if (words.some((w) => w === "")) {
    drop(
      key,
      `has an empty argument, which Quadlet cannot pass (${JSON.stringify(words)})`,
      "remove the empty argument",
    );
    return;
  }
  if (words.length) f[key] = words;
}

/** Every other key: carried over one-to-one, noted, or dropped. */
export function plainKey(ctx: ServiceCtx, key: string, v: unknown): void {
  const { n, file, f, drop, note } = ctx;
  switch (key) {
    case "tmpfs":
      f.tmpfs = [...(f.tmpfs ?? []), ...(v as string[])];
      break;
    case "cap_add":
    case "cap_drop":
      f[key] = (v as string[]).map(String);
      break;
    case "user":
      f.user = String(v);
      break;
    case "read_only":
      if (v) f.read_only = true;
      break;
    case "labels":
      f.labels = Object.fromEntries(Object.entries(v as Obj).map(([k, x]) => [k, String(x)]));
      break;
    case "annotations":
      f.annotations = Object.fromEntries(Object.entries(v as Obj).map(([k, x]) => [k, String(x)]));
      break;
    case "ulimits":
      f.ulimits = Object.fromEntries(
        Object.entries(v as Obj).map(([k, x]) => [k, typeof x === "object" ? `${x.soft}:${x.hard}` : x]),
      );
      break;
    case "working_dir":
      f.working_dir = String(v);
      break;
    case "hostname":
      f.hostname = String(v);
      break;
    case "init":
      if (v) f.init = true;
      break;
    case "stop_grace_period": {
      const d = duration(String(v));
      const secs = d === undefined ? undefined : Math.max(1, Math.ceil(seconds(d)));
      if (secs === undefined) {
        refuse(file, n, key, `${JSON.stringify(v)} is not a duration`, 'e.g. "30s"');
      }
      f.stop_timeout = secs;
      break;
    }
    case "stop_signal":
      f.stop_signal = String(v);
      break;
    case "shm_size":
      f.shm_size = size(v);
      break;
    case "mem_limit":
      f.memory = size(v);
      break;
    case "cpus":
      f.cpus = Number(v);
      break;
    case "ipc":
      if (v === "host" || v === "private") f.ipc = v;
      else if (v === "shareable") note("ipc: shareable → podman's default private namespace");
      else drop(key, `ipc: ${v} joins another container's namespace`, 'use "host" or "private"');
      break;
    case "extra_hosts":
      f.add_hosts = (v as string[]).map((h) =>
        h.includes("=") && !h.includes(":") ? h.replace("=", ":") : h.replace(/=(?=[^=]*$)/, ":")
      );
      break;
    case "pull_policy": {
      const m: Record<string, string> = {
        always: "always",
        missing: "missing",
        if_not_present: "missing",
        never: "never",
      };
      if (m[v as string]) f.pull = m[v as string];
      else drop(key, `pull_policy: ${v} has no Quadlet equivalent`, 'use "always", "missing" or "never"');
      break;
    }
    case "group_add":
      f.group_add = (v as unknown[]).map(String);
      break;
    case "sysctls":
      f.sysctls = Object.fromEntries(Object.entries(v as Obj).map(([k, x]) => [k, String(x)]));
      break;
    case "tty":
      if (v) f.podman_args = [...(f.podman_args ?? []), "--tty"];
      break;
    case "security_opt":
      for (const o of v as string[]) {
        if (
          o === "no-new-privileges" || o === "no-new-privileges:true" || o === "no-new-privileges=true"
        ) continue;
        f.podman_args = [...(f.podman_args ?? []), `--security-opt=${o}`];
      }
      break;
    case "dns":
      for (const d of (Array.isArray(v) ? v : [v]) as string[]) {
        f.podman_args = [...(f.podman_args ?? []), `--dns=${d}`];
      }
      break;
    case "pid":
      if (v === "host") f.podman_args = [...(f.podman_args ?? []), "--pid=host"];
      else drop(key, `pid: ${v} joins another container's namespace`, 'use "host" or drop it');
      break;
    case "userns_mode":
      f.userns = String(v);
      break;
    case "scale":
      if (Number(v) === 0) {
        f.autostart = false;
        note("scale: 0 → autostart = false (compose creates no container)");
      } else if (Number(v) !== 1) {
        drop(key, `${v} replicas: lychd runs one container per service`, "import one replica");
      }
      break;
    case "logging":
      note("logging: not carried over; podman under systemd logs to the journal (lychd logs NAME)");
      break;
    case "privileged":
      if (v) {
        drop(
          key,
          "privileged: true grants every device and capability",
          "list the devices and cap_add it needs",
        );
      }
      break;
    case "links":
      drop(
        key,
        "links are legacy; on lychd's bridge every service reaches the others by name",
        "remove links",
      );
      break;
    default:
      drop(key, `${key} has no lychd equivalent`, "remove it, or carry it over by hand in podman_args");
  }
}

/** `deploy:` limits, replicas; the rest is swarm-only. */
export function deployKey(ctx: ServiceCtx): void {
  const { s, f, drop, note } = ctx;
  const d = s.deploy as Obj | undefined;
  if (d) {
    const lim = d.resources?.limits;
    if (lim?.memory !== undefined) f.memory = size(lim.memory);
    if (lim?.cpus !== undefined) f.cpus = Number(lim.cpus);
    if (lim?.pids !== undefined) {
      drop("deploy.resources.limits.pids", "a pids limit", "use podman_args --pids-limit");
    }
    if (d.replicas !== undefined && Number(d.replicas) !== 1) {
      if (Number(d.replicas) === 0) {
        f.autostart = false;
        note("deploy.replicas: 0 → autostart = false (compose creates no container)");
      } else {drop(
          "deploy.replicas",
          `${d.replicas} replicas: lychd runs one container per service`,
          "import one replica",
        );}
    }
    for (const k of Object.keys(d)) {
      if (!["resources", "replicas", "restart_policy"].includes(k)) {
        note(`deploy.${k}: swarm-only, ignored by compose up too`);
      }
    }
    if (d.resources?.reservations && Object.keys(d.resources.reservations).some((k) => k !== "devices")) {
      note(
        "deploy.resources.reservations other than devices: scheduling hints, nothing to enforce on one host",
      );
    }
  }
}
