/**
 * Whole-Codex checks of what a service hands to podman as paths or raw flags: volumes, tmpfs,
 * env_files, devices (CDI names or non-GPU /dev paths), podman_args, label and annotation keys,
 * secret targets.
 *
 * @module
 */
import { q } from "./errors.ts";
import type { Service } from "./model.ts";
import { NAME_RE } from "./checks.ts";
import { isEnvName } from "./grammar.ts";
import { isQualifiedName } from "../cdi/name.ts";
import type { At, RawIssue } from "./validate.ts";

const VOLUME_OPTIONS = new Set([
  "ro",
  "rw",
  "z",
  "Z",
  "U",
  "O",
  "copy",
  "nocopy",
  "private",
  "rprivate",
  "shared",
  "rshared",
  "slave",
  "rslave",
  "bind",
  "rbind",
  "norbind",
  "nosuid",
  "suid",
  "nodev",
  "dev",
  "noexec",
  "exec",
  "idmap",
]);

/** GPU device nodes that must be requested through CDI, with the CDI form to suggest. */
export function gpuNodeHint(path: string): string | undefined {
  const nv = /^\/dev\/nvidia(\d+)$/.exec(path);
  if (nv) return `request it by CDI name: "nvidia.com/gpu=${nv[1]}" (list them with \`nvidia-ctk cdi list\`)`;
  if (/^\/dev\/nvidia/.test(path)) {
    return 'request GPUs by CDI name, e.g. "nvidia.com/gpu=all"; the CDI spec adds the control nodes';
  }
  if (path === "/dev/kfd" || path.startsWith("/dev/dri/")) {
    return 'request GPUs by CDI name, e.g. "amd.com/gpu=all" or "nvidia.com/gpu=0" (generate a CDI spec for your vendor)';
  }
  return undefined;
}

/** Flags lychd sets itself; in `podman_args` they would fight the generated unit. */
const MANAGED_FLAGS: Record<string, string> = {
  "--name": "lychd names containers after their unit",
  "--network": "use sepulcher.network",
  "--net": "use sepulcher.network",
  "--pod": 'use sepulcher.network = "pod"',
  "--rm": "Quadlet sets it",
  "--replace": "Quadlet sets it",
  "--detach": "Quadlet sets it",
  "-d": "Quadlet sets it",
  "--cidfile": "Quadlet sets it",
  "--sdnotify": "Quadlet sets it",
  "--device": 'use the "devices" field (GPUs by CDI name)',
  "--gpus": 'use "devices" with a CDI name, e.g. "nvidia.com/gpu=all"',
  "--privileged": "grants every device and capability; use devices / cap_add instead",
};

function isAbsClean(p: string): boolean {
  // A "." or ".." segment of an absolute path follows a "/": without "/." there is none.
  return p.startsWith("/") && (!p.includes("/.") || !p.split("/").some((seg) => seg === ".." || seg === "."));
}

function normPath(p: string): string {
  // Most paths are already normal (no "//", no trailing "/"): one test each instead of two replaces
  // (a host-path volume is compared with every protected directory).
  if (!p.includes("//") && (p.length < 2 || !p.endsWith("/"))) return p;
  const out = p.replace(/\/+/g, "/");
  return out.length > 1 ? out.replace(/\/$/, "") : out;
}

/** Whether `a` is `b` or beneath it, or `b` is beneath `a`. */
export function pathsNest(a: string, b: string): boolean {
  const x = normPath(a);
  const y = normPath(b);
  if (x === y) return true;
  const under = (c: string, p: string) => p === "/" ? true : c.startsWith(p + "/");
  return under(x, y) || under(y, x);
}

/** `volumes`, `tmpfs` and `env_files` of one service; sources must not overlap `protectedDirs`. */
export function mountIssues(s: Service, at: At, protectedDirs: string[]): RawIssue[] {
  const issues: RawIssue[] = [];
  const r = s.raw;
  (r.volumes ?? []).forEach((spec, i) => {
    const m = s.mounts[i];
    const path = () => at(s, "volumes", i); // built only for an issue
    const parts = spec.split(":");
    if (parts.length < 2 || !m.source || !m.target) {
      issues.push({
        path: path(),
        message: `${q(spec)} is not "source:destination[:options]"`,
        hint: 'e.g. "models:/models:ro" or "/srv/data:/data"',
      });
      return;
    }
    if (m.named) {
      if (!NAME_RE.test(m.source)) {
        issues.push({
          path: path(),
          message: `volume source ${q(m.source)} is neither an absolute path nor a volume name`,
          hint: m.source.startsWith("~")
            ? "write the full path, e.g. /home/you/models"
            : 'a host path starts with "/"; a volume name uses a-z, 0-9, "-", "_"',
        });
      }
    } else if (!isAbsClean(m.source)) {
      issues.push({
        path: path(),
        message: `volume source ${q(m.source)} is not a clean absolute path`,
        hint: 'no "." or ".." segments',
      });
    } else if (/[%\\]/.test(m.source)) {
      issues.push({
        path: path(),
        message: `volume source ${q(m.source)} contains "%" or "\\"`,
        hint: "rename the directory; these characters are refused in paths",
      });
    } else {
      const hit = protectedDirs.find((d) => pathsNest(m.source, d));
      if (hit) {
        issues.push({
          path: path(),
          message: `volume source ${q(m.source)} overlaps ${q(hit)}, which lychd manages`,
          hint: "mount a directory outside the Codex and unit directories",
        });
      }
    }
    if (!isAbsClean(m.target)) {
      issues.push({
        path: path(),
        message: `volume destination ${q(m.target)} is not a clean absolute path`,
        hint: 'e.g. "/data"',
      });
    } else if (/[%\\]/.test(m.target)) {
      issues.push({ path: path(), message: `volume destination ${q(m.target)} contains "%" or "\\"` });
    }
    for (const o of m.options) {
      if (!VOLUME_OPTIONS.has(o)) {
        issues.push({
          path: path(),
          message: `unknown volume option ${q(o)}`,
          hint: `known options: ${[...VOLUME_OPTIONS].join(", ")}`,
        });
      }
    }
  });
  (r.tmpfs ?? []).forEach((t, i) => {
    if (!isAbsClean(t.split(":")[0])) {
      issues.push({ path: at(s, "tmpfs", i), message: `${q(t)} is not a clean absolute path` });
    }
  });
  (r.env_files ?? []).forEach((f, i) => {
    if (!isAbsClean(f) || /[%\\]/.test(f)) {
      issues.push({
        path: at(s, "env_files", i),
        message: `${q(f)} is not a clean absolute path without "%" or "\\"`,
      });
    }
  });
  return issues;
}

/** `devices`: CDI names, or non-GPU /dev paths. */
export function deviceIssues(s: Service, at: At): RawIssue[] {
  const issues: RawIssue[] = [];
  (s.raw.devices ?? []).forEach((d, i) => {
    const path = () => at(s, "devices", i); // built only for an issue
    if (d.startsWith("/")) {
      const dev = d.split(":")[0];
      const hint = gpuNodeHint(dev);
      if (hint) issues.push({ path: path(), message: `GPU device node ${q(dev)} is not allowed`, hint });
      else if (!dev.startsWith("/dev/") || !isAbsClean(dev)) {
        issues.push({
          path: path(),
          message: `${q(d)} is neither a CDI name nor a /dev path`,
          hint: 'e.g. "nvidia.com/gpu=0" or "/dev/ttyUSB0"',
        });
      }
    } else if (!isQualifiedName(d)) {
      issues.push({
        path: path(),
        message: `${q(d)} is not a CDI device name`,
        hint:
          '"vendor/class=name": vendor and class start with a letter, e.g. "nvidia.com/gpu=0" or "nvidia.com/gpu=0:1"',
      });
    }
  });
  return issues;
}

/** `podman_args`: flags lychd manages, GPU nodes. */
export function podmanArgIssues(s: Service, at: At): RawIssue[] {
  const issues: RawIssue[] = [];
  (s.raw.podman_args ?? []).forEach((arg, i) => {
    const flag = arg.split("=")[0];
    const why = MANAGED_FLAGS[flag];
    const path = () => at(s, "podman_args", i); // built only for an issue
    if (why) issues.push({ path: path(), message: `${q(arg)} is managed by lychd`, hint: why });
    const dev = /(\/dev\/[^\s:,]+)/.exec(arg);
    if (dev && gpuNodeHint(dev[1])) {
      issues.push({
        path: path(),
        message: `GPU device node ${q(dev[1])} is not allowed`,
        hint: gpuNodeHint(dev[1]),
      });
    }
  });
  return issues;
}

/**
 * `labels`, `annotations`: Quadlet and podman split "key=value" at the first "=", so a key with
 * one would be cut short (and two such keys could collapse into one).
 */
export function labelIssues(s: Service, at: At): RawIssue[] {
  const issues: RawIssue[] = [];
  for (let f = 0; f < 2; f++) {
    const field = f === 0 ? "labels" : "annotations";
    const table = s.raw[field];
    for (const k in table) {
      if (k.includes("=")) {
        issues.push({
          path: at(s, field, k),
          message: `key ${q(k)} contains "="`,
          hint: `podman splits at the first "=", so the key would be ${q(k.slice(0, k.indexOf("=")))}`,
        });
      }
    }
  }
  return issues;
}

/** `secrets`: an env target is a variable name; a file target has no ",". */
export function secretIssues(s: Service, at: At): RawIssue[] {
  const issues: RawIssue[] = [];
  if (!s.raw.secrets) return issues;
  s.secrets.forEach((sec, i) => {
    if (sec.type === "env" && sec.target && !isEnvName(sec.target)) {
      issues.push({
        path: at(s, "secrets", i, "target"),
        message: `${q(sec.target)} is not an environment variable name`,
      });
    }
    if (sec.type !== "env" && sec.target && sec.target.includes(",")) {
      issues.push({ path: at(s, "secrets", i, "target"), message: `${q(sec.target)} contains ","` });
    }
  });
  return issues;
}
