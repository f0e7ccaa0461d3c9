/**
 * The CDI library's checks of a spec, rule by rule, each with the library's own reason
 * (cncf-tags/container-device-interface at 05ae4b5): the known versions and the oldest one a
 * spec's fields need (`specs-go/version.go`), vendor, class and device names (`pkg/parser`), and
 * container edits (`pkg/cdi/container-edits.go`). `spec.ts` applies them in the library's order.
 *
 * @module
 */

import type { RawEdits, RawSpec } from "./decode.ts";

// --- specs-go/version.go -------------------------------------------------------------------------

/** Every version the library knows, newest first (`validSpecVersions`). */
export const CDI_VERSIONS = [
  "1.1.0",
  "1.0.0",
  "0.8.0",
  "0.7.0",
  "0.6.0",
  "0.5.0",
  "0.4.0",
  "0.3.0",
  "0.2.0",
  "0.1.0",
];

const allEdits = (s: RawSpec): RawEdits[] => [
  ...(s.devices ?? []).map((d) => d.containerEdits ?? {}),
  s.containerEdits ?? {},
];

/** The oldest `cdiVersion` that can express `spec` (`MinimumRequiredVersion`). */
export function minimumVersion(s: RawSpec): string {
  const edits = allEdits(s);
  if (
    edits.some((e) =>
      (e.intelRdt && (e.intelRdt.schemata !== undefined || e.intelRdt.enableMonitoring)) ||
      (e.netDevices?.length ?? 0) > 0
    )
  ) return "1.1.0";
  if (edits.some((e) => e.intelRdt !== undefined || (e.additionalGids?.length ?? 0) > 0)) return "0.7.0";
  const cut = (s.kind ?? "").indexOf("/");
  if (
    Object.keys(s.annotations ?? {}).length > 0 ||
    (s.devices ?? []).some((d) => Object.keys(d.annotations ?? {}).length > 0) ||
    (cut >= 0 && (s.kind ?? "").slice(cut + 1).includes("."))
  ) return "0.6.0";
  if (
    (s.devices ?? []).some((d) => /^[0-9]/.test(d.name ?? "")) ||
    edits.some((e) => (e.deviceNodes ?? []).some((n) => (n.hostPath ?? "") !== ""))
  ) return "0.5.0";
  if (edits.some((e) => (e.mounts ?? []).some((m) => (m.type ?? "") !== ""))) return "0.4.0";
  return "0.3.0";
}

// --- pkg/parser ----------------------------------------------------------------------------------

const isLetter = (c: string) => /^[A-Za-z]$/.test(c);
const isAlnum = (c: string) => /^[A-Za-z0-9]$/.test(c);

/** `validateVendorOrClassName`: the library's reason, or undefined when valid. */
export function vendorOrClassProblem(name: string): string | undefined {
  if (name === "") return "empty name";
  if (!isLetter(name[0])) return `${JSON.stringify(name)}, should start with letter`;
  if (name.length === 1) return undefined;
  for (const c of name.slice(1, -1)) {
    if (!isAlnum(c) && c !== "_" && c !== "-" && c !== ".") {
      return `invalid character '${c}' in name ${JSON.stringify(name)}`;
    }
  }
  if (!isAlnum(name[name.length - 1])) return `${JSON.stringify(name)}, should end with a letter or digit`;
  return undefined;
}

/** `ValidateDeviceName`: the library's reason, or undefined when valid. */
export function deviceNameProblem(name: string): string | undefined {
  if (name === "") return "invalid (empty) device name";
  if (!isAlnum(name[0])) return `invalid class ${JSON.stringify(name)}, should start with a letter or digit`;
  if (name.length === 1) return undefined;
  for (const c of name.slice(1, -1)) {
    if (!isAlnum(c) && !"_-.:".includes(c)) {
      return `invalid character '${c}' in device name ${JSON.stringify(name)}`;
    }
  }
  if (!isAlnum(name[name.length - 1])) {
    return `invalid name ${JSON.stringify(name)}, should end with a letter or digit`;
  }
  return undefined;
}

// --- pkg/cdi/container-edits.go ------------------------------------------------------------------

const HOOK_NAMES = new Set([
  "prestart",
  "createRuntime",
  "createContainer",
  "startContainer",
  "poststart",
  "poststop",
]);

function envProblem(env: string[] | undefined): string | undefined {
  for (const v of env ?? []) {
    if (v.indexOf("=") <= 0) return `invalid environment variable ${JSON.stringify(v)}`;
  }
  return undefined;
}

/** `ContainerEdits.Validate`: the library's reason, or undefined when valid. */
export function editsProblem(e: RawEdits | undefined): string | undefined {
  if (!e) return undefined;
  const env = envProblem(e.env);
  if (env) return `invalid container edits: ${env}`;
  for (const d of e.deviceNodes ?? []) {
    const path = d.path ?? "";
    if (path === "") return "invalid (empty) device path";
    if (!["", "b", "c", "u", "p"].includes(d.type ?? "")) {
      return `device ${JSON.stringify(path)}: invalid type ${JSON.stringify(d.type)}`;
    }
    const perms = d.permissions ?? "";
    if (perms !== "" && perms !== "none" && perms.replace(/^[rwm]+|[rwm]+$/g, "") !== "") {
      return `device ${JSON.stringify(path)}: invalid permissions ${JSON.stringify(perms)}`;
    }
  }
  for (const h of e.hooks ?? []) {
    const name = h.hookName ?? "";
    if (!HOOK_NAMES.has(name)) return `invalid hook name ${JSON.stringify(name)}`;
    if ((h.path ?? "") === "") return `invalid hook ${JSON.stringify(name)} with empty path`;
    const env = envProblem(h.env);
    if (env) return `invalid hook ${JSON.stringify(name)}: ${env}`;
  }
  for (const m of e.mounts ?? []) {
    if ((m.hostPath ?? "") === "") return "invalid mount, empty host path";
    if ((m.containerPath ?? "") === "") return "invalid mount, empty container path";
  }
  if (e.intelRdt) {
    const c = e.intelRdt.closID ?? "";
    if (c !== "/" && (c.length >= 4096 || c === "." || c === ".." || /[/\n]/.test(c))) {
      return "invalid ClosID";
    }
  }
  const hosts = new Map<string, string>();
  const names = new Map<string, string>();
  for (const n of e.netDevices ?? []) {
    const host = n.hostInterfaceName ?? "";
    const name = n.name ?? "";
    if (host === "") return "invalid linux net device, empty HostInterfaceName";
    if (name === "") return "invalid linux net device, empty Name";
    if (hosts.has(host)) {
      return `invalid linux net device, duplicate HostInterfaceName ${JSON.stringify(host)} with names ${
        JSON.stringify(name)
      } and ${JSON.stringify(hosts.get(host))}`;
    }
    hosts.set(host, name);
    if (names.has(name)) {
      return `invalid linux net device, duplicate Name ${JSON.stringify(name)} with HostInterfaceName ${
        JSON.stringify(host)
      } and ${JSON.stringify(names.get(name))}`;
    }
    names.set(name, host);
  }
  return undefined;
}

/** `ContainerEdits.isEmpty`. */
export function editsEmpty(e: RawEdits | undefined): boolean {
  if (!e) return true;
  return !(e.env?.length || e.deviceNodes?.length || e.hooks?.length || e.mounts?.length ||
    e.additionalGids?.length || e.intelRdt !== undefined || e.netDevices?.length);
}
