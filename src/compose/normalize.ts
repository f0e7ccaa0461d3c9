/**
 * One compose service's syntax variants → one shape: environment/labels/sysctls as maps,
 * `command` strings split, healthcheck test strings as CMD-SHELL, env_file/depends_on/secrets/
 * configs in long form, ports expanded (ranges too), volumes in long form with absolute bind
 * sources. Errors carry the path inside the service (`NormalizeError`).
 *
 * Pure.
 *
 * @module
 */
import { GrammarError, type Lookup, splitCommand } from "./text.ts";
import { type Ctx, type Obj, OVERRIDE, RESET, resolvePath } from "./common.ts";
import { LychdError } from "../errors.ts";

/** A failure inside one service; `path` is the field path within it. */
export class NormalizeError extends LychdError {
  override readonly name: string = "NormalizeError";
  constructor(readonly path: (string | number)[], message: string, hint?: string) {
    super(message, hint);
  }
}

export function toMap(v: unknown, lookup: Lookup | undefined, path: string): Obj {
  if (v === undefined || v === null || v === RESET) return v as unknown as Obj;
  if (!Array.isArray(v)) {
    if (typeof v === "object" && OVERRIDE in (v as Obj)) {
      return { [OVERRIDE]: toMap((v as Obj)[OVERRIDE], lookup, path) };
    }
    const o: Obj = {};
    for (const [k, x] of Object.entries(v as Obj)) {
      if (x === null && lookup) {
        const got = lookup(k);
        if (got !== undefined) o[k] = got;
      } else o[k] = x === null ? "" : x;
    }
    return o;
  }
  const o: Obj = {};
  for (const e of v) {
    const s = String(e);
    const i = s.indexOf("=");
    if (i < 0) {
      if (lookup) {
        const got = lookup(s);
        if (got !== undefined) o[s] = got;
      } else o[s] = "";
    } else o[s.slice(0, i)] = s.slice(i + 1);
  }
  void path;
  return o;
}

/** Normalize one service's syntax variants into one shape (paths resolved against `base`). */
export function normalizeService(s: Obj, base: string, ctx: Ctx): Obj {
  const o: Obj = { ...s };
  const wrap = <T>(v: unknown, f: (x: unknown) => T): unknown => {
    if (v && typeof v === "object" && OVERRIDE in (v as Obj)) return { [OVERRIDE]: f((v as Obj)[OVERRIDE]) };
    return v === RESET ? RESET : f(v);
  };
  if (o.environment !== undefined) o.environment = toMap(o.environment, ctx.lookup, "environment");
  if (o.labels !== undefined) o.labels = toMap(o.labels, undefined, "labels");
  if (o.sysctls !== undefined) o.sysctls = toMap(o.sysctls, undefined, "sysctls");
  if (o.extra_hosts !== undefined) {
    o.extra_hosts = wrap(
      o.extra_hosts,
      (v) =>
        Array.isArray(v)
          ? v.map(String)
          : Object.entries(v as Obj).flatMap(([h, ip]) =>
            (Array.isArray(ip) ? ip : [ip]).map((x) => `${h}:${x}`)
          ),
    );
  }
  for (const k of ["command", "entrypoint"]) {
    if (typeof o[k] === "string") {
      try {
        o[k] = splitCommand(o[k]);
      } catch (e) {
        if (e instanceof GrammarError) throw new NormalizeError([k], e.message, e.hint);
        throw e;
      }
    }
  }
  if (o.healthcheck && typeof o.healthcheck.test === "string") {
    o.healthcheck = { ...o.healthcheck, test: ["CMD-SHELL", o.healthcheck.test] };
  }
  if (typeof o.tmpfs === "string") o.tmpfs = [o.tmpfs];
  if (o.env_file !== undefined) {
    o.env_file = wrap(o.env_file, (v) =>
      (Array.isArray(v) ? v : [v]).map((e: unknown) => {
        const x: Obj = typeof e === "string" ? { path: e } : { ...(e as Obj) };
        return { path: resolvePath(base, x.path, ctx.home), required: x.required ?? true, format: x.format };
      }));
  }
  if (o.depends_on !== undefined) {
    o.depends_on = wrap(o.depends_on, (v) => {
      if (!Array.isArray(v)) {
        const m: Obj = {};
        for (const [k, d] of Object.entries(v as Obj)) {
          m[k] = { condition: "service_started", required: true, ...(d ?? {}) };
        }
        return m;
      }
      return Object.fromEntries(v.map((n) => [n, { condition: "service_started", required: true }]));
    });
  }
  if (o.networks !== undefined && Array.isArray(o.networks)) {
    o.networks = Object.fromEntries(o.networks.map((n: string) => [n, null]));
  }
  if (o.ports !== undefined) {
    o.ports = wrap(o.ports, (v) => (v as unknown[]).flatMap((p, i) => normPort(p, i)));
  }
  if (o.volumes !== undefined) {
    o.volumes = wrap(o.volumes, (v) => (v as unknown[]).map((x, i) => normVolume(x, i, base, ctx.home)));
  }
  if (o.secrets !== undefined) {
    o.secrets = wrap(o.secrets, (v) =>
      (v as unknown[]).map((x) => {
        const e: Obj = typeof x === "string" ? { source: x } : { ...(x as Obj) };
        return { ...e, target: e.target ?? `/run/secrets/${e.source}` };
      }));
  }
  if (o.configs !== undefined) {
    o.configs = wrap(o.configs, (v) =>
      (v as unknown[]).map((x) => {
        const e: Obj = typeof x === "string" ? { source: x } : { ...(x as Obj) };
        return { ...e, target: e.target ?? `/${e.source}` };
      }));
  }
  if (o.build !== undefined && typeof o.build === "string") o.build = { context: o.build };
  return o;
}

/** A port entry as `{ host_ip, published, target, protocol }`, ranges expanded. */
export function normPort(p: unknown, i: number): Obj[] {
  if (typeof p === "number") return [{ target: p, protocol: "tcp" }];
  if (p && typeof p === "object") {
    const e = p as Obj;
    const proto = e.protocol ?? "tcp";
    const published = e.published === undefined ? undefined : String(e.published);
    return expand(published, String(e.target), e.host_ip, proto, i);
  }
  let s = String(p);
  let proto = "tcp";
  const slash = s.lastIndexOf("/");
  if (slash >= 0) [s, proto] = [s.slice(0, slash), s.slice(slash + 1)];
  let ip: string | undefined;
  const v6 = /^\[([^\]]+)\]:(.*)$/.exec(s);
  if (v6) [ip, s] = [v6[1], v6[2]];
  const parts = s.split(":");
  if (!v6 && parts.length === 3) ip = parts.shift();
  if (parts.length > 2) throw new NormalizeError(["ports", i], `${JSON.stringify(p)} is not a port mapping`);
  const [published, target] = parts.length === 2 ? parts : [undefined, parts[0]];
  return expand(published === "" ? undefined : published, target, ip === "" ? undefined : ip, proto, i);
}

export function expand(
  published: string | undefined,
  target: string,
  ip: string | undefined,
  proto: string,
  i: number,
): Obj[] {
  const range = (s: string) => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(s.trim());
    if (!m) throw new NormalizeError(["ports", i], `${JSON.stringify(s)} is not a port or port range`);
    const a = Number(m[1]);
    const b = m[2] ? Number(m[2]) : a;
    return Array.from({ length: b - a + 1 }, (_, k) => a + k);
  };
  const t = range(target);
  const p = published === undefined ? undefined : range(published);
  if (p && p.length !== t.length) {
    if (p.length > 1 && t.length === 1) {
      throw new NormalizeError(
        ["ports", i],
        `a host port range for one container port picks a free port at run time`,
        "name one host port",
      );
    }
    throw new NormalizeError(["ports", i], `host and container port ranges differ in length`);
  }
  return t.map((port, k) => ({ host_ip: ip, published: p?.[k], target: port, protocol: proto }));
}

/** A volume entry in long form; bind sources absolute. */
export function normVolume(v: unknown, i: number, base: string, home?: string): Obj {
  if (v && typeof v === "object") {
    const e = { ...(v as Obj) };
    if (e.type === "bind" && typeof e.source === "string") e.source = resolvePath(base, e.source, home);
    return e;
  }
  const s = String(v);
  const parts = s.split(":");
  if (parts.length === 1) return { type: "volume", target: parts[0] };
  const [src, target, mode] = parts;
  if (parts.length > 3) {
    throw new NormalizeError(["volumes", i], `${JSON.stringify(s)} is not "source:target[:mode]"`);
  }
  const isPath = src.startsWith(".") || src.startsWith("/") || src.startsWith("~");
  const e: Obj = isPath
    ? { type: "bind", source: resolvePath(base, src, home), target }
    : { type: "volume", source: src, target };
  if (mode) {
    const opts = mode.split(",");
    if (opts.includes("ro")) e.read_only = true;
    const rest = opts.filter((x) => x !== "ro" && x !== "rw");
    if (rest.length) e.mode = rest;
  }
  return e;
}
