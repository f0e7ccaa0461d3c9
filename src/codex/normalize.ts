/**
 * The validated raw Codex (the TOML document the schema accepted) → the model lychd plans and
 * renders from: services in role order, quantities parsed, defaults filled in. Pure; called by
 * `loadCodex` (load.ts) once the document passed the validator and before the whole-Codex checks.
 *
 * @module
 */
import type { RawCodex, RawSoulstone } from "./schema.ts";
import type { Codex, Mount, Role, SecretRef, Service } from "./model.ts";
import { parseDuration, parsePort, parseSize } from "./quantities.ts";
import { DEFAULT_SUBNET } from "./subnet.ts";
import { serviceStem } from "../quadlet/naming.ts";
import { healthMeaning } from "./health.ts";

const ROLE_PATHS: [Role, "vessel" | "phylactery" | "oculus"][] = [
  ["vessel", "vessel"],
  ["phylactery", "phylactery"],
  ["oculus", "oculus"],
];

/** The model of a Codex the schema accepted. */
export function normalize(raw: RawCodex, file: string): Codex {
  const prefix = raw.sepulcher?.name ?? "lychd";
  const bindAddress = raw.sepulcher?.bind_address ?? "127.0.0.1";
  const services: Service[] = [];
  const make = (role: Role, name: string, path: string, stem: string, r: RawSoulstone): Service => {
    const mounts: Mount[] = (r.volumes ?? []).map(parseMount);
    const secrets: SecretRef[] = (r.secrets ?? []).map((
      s,
    ) => (typeof s === "string" ? { name: s } : { ...s }));
    let onDemand: Service["onDemand"];
    if (r.on_demand) {
      const l = parseListen(r.on_demand.listen, bindAddress);
      const idle = r.on_demand.idle_stop !== undefined ? parseDuration(r.on_demand.idle_stop) : undefined;
      onDemand = {
        ip: l?.ip ?? "",
        port: l?.port ?? 0,
        idleStop: idle?.ok ? idle.value.text : undefined,
        idleSeconds: idle?.ok ? idle.value.seconds : undefined,
      };
    }
    let served: Service["served"];
    if (r.models) {
      const idle = r.idle_stop !== undefined ? parseDuration(r.idle_stop) : undefined;
      const first = (r.ports ?? []).map((p) => parsePort(p, bindAddress)).find((p) =>
        p.ok && p.value.proto === "tcp"
      );
      const up = first?.ok ? first.value : undefined;
      served = {
        ids: [...r.models],
        servedName: r.served_name ?? r.models[0],
        pinned: r.pinned ?? false,
        idleSeconds: idle?.ok ? idle.value.seconds : undefined,
        upstream: up
          ? { ip: up.ip === "0.0.0.0" ? "127.0.0.1" : up.ip === "::" ? "::1" : up.ip, port: up.host }
          : undefined,
      };
    }
    const mem = r.memory !== undefined ? parseSize(r.memory) : undefined;
    const shm = r.shm_size !== undefined ? parseSize(r.shm_size) : undefined;
    return {
      role,
      name,
      path,
      stem,
      raw: withHealthMeaning(r),
      ports: (r.ports ?? []).map((p) => {
        const x = parsePort(p, bindAddress);
        if (!x.ok) throw new Error(`unreachable: port ${p} passed the schema`);
        return x.value;
      }),
      mounts,
      secrets,
      memory: mem?.ok ? mem.value.text : undefined,
      shmSize: shm?.ok ? shm.value.text : undefined,
      autostart: r.autostart ?? (role !== "soulstone" && !r.on_demand),
      restart: r.restart ?? "always",
      restartSec: r.restart_sec ?? 10,
      noNewPrivileges: r.no_new_privileges ?? true,
      exclusive: role === "soulstone" ? (r.exclusive ?? true) : false,
      onDemand,
      served,
    };
  };
  for (const [role, key] of ROLE_PATHS) {
    const r = raw[key];
    if (r) services.push(make(role, key, key, serviceStem(prefix, role, key), r));
  }
  // By index over the names: a cold for-of over entries allocates per step (1,000 services).
  const stones = raw.soulstones ?? {};
  const stoneNames = Object.keys(stones);
  for (let i = 0; i < stoneNames.length; i++) {
    const name = stoneNames[i];
    services.push(
      make("soulstone", name, `soulstones.${name}`, serviceStem(prefix, "soulstone", name), stones[name]),
    );
  }
  const plain = raw.services ?? {};
  const plainNames = Object.keys(plain);
  for (let i = 0; i < plainNames.length; i++) {
    const name = plainNames[i];
    services.push(
      make("service", name, `services.${name}`, serviceStem(prefix, "service", name), plain[name]),
    );
  }
  const volumes = [...new Set(services.flatMap((s) => s.mounts.filter((m) => m.named).map((m) => m.source)))]
    .sort();
  let gateway: Codex["gateway"];
  if (raw.gateway || services.some((s) => s.served)) {
    const g = raw.gateway ?? {};
    const l = parseListen(g.listen ?? "4000", bindAddress);
    const secs = (v: string | number | undefined, dflt: number) => {
      const d = v === undefined ? undefined : parseDuration(v);
      return d?.ok ? d.value.seconds : dflt;
    };
    gateway = {
      listen: g.listen ?? "4000",
      ip: l?.ip ?? "",
      port: l?.port ?? 0,
      apiKeyFile: g.api_key_file,
      queueSeconds: secs(g.queue_timeout, 600),
      drainSeconds: secs(g.drain_timeout, 120),
      default: g.default,
    };
  }
  return {
    file,
    prefix,
    gateway,
    network: raw.sepulcher?.network ?? "bridge",
    bindAddress,
    subnet: raw.sepulcher?.subnet ??
      ((raw.sepulcher?.network ?? "bridge") === "bridge" && gateway ? DEFAULT_SUBNET : undefined),
    podmanVersion: raw.sepulcher?.podman_version,
    vramGib: { ...(raw.gpu?.vram_gib ?? {}) },
    services,
    volumes,
    volumeSettings: { ...(raw.volumes ?? {}) },
    migProfiles: { ...(raw.gpu?.mig_profiles ?? {}) },
  };
}

/** `r` with a Docker-form `health.cmd` read by meaning (`["NONE"]`: no health table at all). */
function withHealthMeaning(r: RawSoulstone): RawSoulstone {
  if (!r.health) return r;
  const cmd = r.health.cmd;
  // lychd's own spellings (a shell string, an argv array) mean what they say: no copy.
  if (typeof cmd === "string" || (cmd[0] !== "CMD" && cmd[0] !== "CMD-SHELL" && cmd[0] !== "NONE")) return r;
  const m = healthMeaning(cmd);
  if (m.kind === "none") {
    const { health: _none, ...rest } = r;
    return rest;
  }
  if (m.kind === "error") return r; // refused by the schema already
  return { ...r, health: { ...r.health, cmd: m.kind === "exec" ? m.argv : m.cmd } };
}

/** `src:dst[:opts]` — validation happens in validate.ts; this only splits. */
export function parseMount(spec: string): Mount {
  const parts = spec.split(":");
  const source = parts[0] ?? "";
  const target = parts[1] ?? "";
  const options = parts.length > 2 ? parts.slice(2).join(":").split(",").filter(Boolean) : [];
  return { source, named: !source.startsWith("/") && source !== "", target, options };
}

/** `ip:port`, `[v6]:port` or a bare port (then `bind`). */
export function parseListen(s: string, bind: string): { ip: string; port: number } | undefined {
  let ip = bind;
  let port = s;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6) [ip, port] = [v6[1], v6[2]];
  else if (s.includes(":")) {
    const i = s.lastIndexOf(":");
    [ip, port] = [s.slice(0, i), s.slice(i + 1)];
  }
  if (!/^\d{1,5}$/.test(port)) return undefined;
  const n = Number(port);
  return n >= 1 && n <= 65535 ? { ip, port: n } : undefined;
}
