/**
 * The Codex text writer of `lychd import compose`: the header comments, the `[sepulcher]` table
 * and one table per service in role order, each preceded by its comments, fields in a fixed order
 * and the map-valued fields as sub-tables. A minimal TOML writer (strings, numbers, booleans,
 * arrays, inline tables) written by hand: the output's layout (comments beside tables, field
 * order) is part of what the import promises, which a generic TOML stringifier does not keep.
 *
 * Pure.
 *
 * @module
 */
import type { Obj, Project } from "./project.ts";
import type { ConvertOptions, Entry, ImportRole } from "./model.ts";

function tomlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}

function tomlKey(k: string): string {
  return /^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k);
}

function tomlValue(v: unknown): string {
  if (typeof v === "string") return tomlString(v);
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : String(v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return `[${v.map(tomlValue).join(", ")}]`;
  if (v && typeof v === "object") {
    return `{ ${Object.entries(v).map(([k, x]) => `${tomlKey(k)} = ${tomlValue(x)}`).join(", ")} }`;
  }
  throw new Error(`cannot write ${String(v)} as TOML`);
}

const FIELD_ORDER = [
  "description",
  "image",
  "entrypoint",
  "command",
  "ports",
  "volumes",
  "tmpfs",
  "devices",
  "secrets",
  "health",
  "notify_healthy",
  "oneshot",
  "requires",
  "wants",
  "after",
  "restart",
  "autostart",
  "coexists_with",
  "aliases",
  "hostname",
  "user",
  "working_dir",
  "read_only",
  "cap_add",
  "cap_drop",
  "group_add",
  "memory",
  "cpus",
  "shm_size",
  "ipc",
  "ulimits",
  "sysctls",
  "init",
  "stop_timeout",
  "stop_signal",
  "add_hosts",
  "pull",
  "userns",
  "podman_args",
  "labels",
  "annotations",
  "env",
];

export interface EmitOpts {
  prefix: string;
  network: string;
  anyUnboundPort: boolean;
  networkNotes: string[];
  opts: ConvertOptions;
}

export function emit(p: Project, entries: Entry[], names: Map<string, string>, o: EmitOpts): string {
  const L: string[] = [];
  L.push(`# Imported by \`${o.opts.command ?? "lychd import compose"}\` from ${p.files.join(", ")}`);
  L.push(`# Project directory ${p.projectDir}; relative paths are resolved against it.`);
  if (p.envFilesRead.length) {
    L.push(`# Interpolation environment: the process environment over ${p.envFilesRead.join(", ")}.`);
  }
  if (p.disabled.length) L.push(`# Left out by profiles: ${p.disabled.join(", ")}.`);
  L.push(
    "# Named volumes are new lychd volumes (<prefix>-<name>): to keep compose's data, podman volume export/import it.",
  );
  L.push(
    "# lychd adds no_new_privileges = true to every service (compose does not); set it to false where an image needs setuid.",
  );
  L.push("version = 1");
  L.push("");
  L.push("[sepulcher]");
  L.push(`name = ${tomlString(o.prefix)}`);
  if (o.network !== "bridge") L.push(`network = ${tomlString(o.network)}`);
  for (const n of o.networkNotes) L.push(n);
  if (o.anyUnboundPort) {
    L.push("# compose publishes ports without an address on every interface; lychd's default is 127.0.0.1.");
    L.push('bind_address = "0.0.0.0"');
  }
  const order: ImportRole[] = ["vessel", "phylactery", "oculus", "soulstone", "service"];
  for (const role of order) {
    for (const e of entries.filter((x) => x.role === role)) {
      const cn = names.get(e.compose)!;
      L.push("");
      for (const c of e.comments) L.push(c.replace(/\n/g, " "));
      L.push(
        role === "soulstone"
          ? `[soulstones.${tomlKey(cn)}]`
          : role === "service"
          ? `[services.${tomlKey(cn)}]`
          : `[${role}]`,
      );
      const keys = Object.keys(e.fields).sort((a, b) => idx(a) - idx(b));
      for (const k of keys) {
        const v = e.fields[k];
        if (k === "env" || k === "labels" || k === "annotations" || k === "ulimits" || k === "sysctls") {
          continue;
        }
        L.push(`${k} = ${tomlValue(v)}`);
      }
      for (const k of ["ulimits", "sysctls", "labels", "annotations", "env"]) {
        if (!e.fields[k]) continue;
        L.push("");
        L.push(
          `[${
            role === "soulstone"
              ? `soulstones.${tomlKey(cn)}`
              : role === "service"
              ? `services.${tomlKey(cn)}`
              : role
          }.${k}]`,
        );
        for (const [kk, vv] of Object.entries(e.fields[k] as Obj)) {
          L.push(`${tomlKey(kk)} = ${tomlValue(vv)}`);
        }
      }
    }
  }
  return L.join("\n") + "\n";
}

function idx(k: string): number {
  const i = FIELD_ORDER.indexOf(k);
  return i < 0 ? 999 : i;
}
