/**
 * A Compose project as the Compose Specification defines it: the files found or given, `.env` /
 * `--env-file`, interpolation, the official JSON Schema, `include`, `extends`, the merge rules of
 * 13-merge.md (mappings merge, sequences append, `command`/`entrypoint`/`healthcheck.test`
 * replace, `ports`/`volumes`/`secrets`/`configs` unique by key, `!reset`, `!override`), profiles,
 * relative paths resolved against the project directory (or the extended/included file's).
 *
 * Pure: files are read through the injected `read`, the schema validator is injected.
 *
 * @module
 */
import { LineCounter, parseDocument, visit } from "yaml";
import { GrammarError, interpolate, type Lookup, parseDotenv, splitCommand } from "./text.ts";

/** One clear line: file, field path, line:column where known, a hint. */
export class ComposeError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    message: string,
    readonly hint?: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = "ComposeError";
  }
  /** `file:line:col: path: message (hint: …)`. */
  line1(): string {
    const at = this.line ? `${this.file}:${this.line}:${this.column ?? 1}` : this.file;
    return `${at}: ${this.path ? `${this.path}: ` : ""}${this.message}${
      this.hint ? ` (hint: ${this.hint})` : ""
    }`;
  }
}

/** Reads a text file; `undefined` when missing. */
export type ReadFile = (path: string) => Promise<string | undefined>;

/** Validates one interpolated file; returns errors as `[instancePath, message]`. */
export type SchemaCheck = (doc: unknown) => { path: string[]; message: string }[];

/** What to load. */
export interface ComposeInput {
  /** Absolute paths, in order; empty → the default names in `projectDir`. */
  files: string[];
  /** Absolute; default: the first file's directory. */
  projectDir?: string;
  /** Absolute; empty → `<projectDir>/.env` when it exists. */
  envFiles: string[];
  profiles: string[];
  /** The process environment (wins over `.env`). */
  env: Lookup;
  /** `~` in paths. */
  home?: string;
}

// deno-lint-ignore no-explicit-any
export type Obj = Record<string, any>;

/** A loaded project. */
export interface Project {
  name?: string;
  projectDir: string;
  files: string[];
  /** Enabled services, normalized (see `normalizeService`), in definition order. */
  services: Record<string, Obj>;
  /** Services left out by profiles. */
  disabled: string[];
  volumes: Obj;
  networks: Obj;
  secrets: Obj;
  configs: Obj;
  /** The interpolation environment. */
  lookup: Lookup;
  /** Variables used with no value and no default (compose substitutes ""). */
  unset: string[];
  /** The file each service was last defined in. */
  origin: Record<string, string>;
  /** The env files read for interpolation. */
  envFilesRead: string[];
}

/** The file names compose looks for, in order; the override is added when present. */
export const DEFAULT_FILES = ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"];
const OVERRIDES = [
  "compose.override.yaml",
  "compose.override.yml",
  "docker-compose.override.yaml",
  "docker-compose.override.yml",
];

const RESET = "\u0000lychd:reset";
const OVERRIDE = "\u0000lychd:override";

export function dirname(p: string): string {
  const i = p.lastIndexOf("/");
  return i <= 0 ? "/" : p.slice(0, i);
}

/** Join and normalize (`.`/`..`) an absolute base and a path. */
export function resolvePath(base: string, p: string, home?: string): string {
  if (p === "~" || p.startsWith("~/")) p = (home ?? "~") + p.slice(1);
  const abs = p.startsWith("/") ? p : `${base.replace(/\/$/, "")}/${p}`;
  const out: string[] = [];
  for (const seg of abs.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  return "/" + out.join("/");
}

interface Ctx {
  read: ReadFile;
  schema?: SchemaCheck;
  lookup: Lookup;
  unset: Set<string>;
  home?: string;
  depth: number;
}

/** Load, interpolate, validate, include, extend, merge and filter by profile. */
export async function loadProject(
  input: ComposeInput,
  read: ReadFile,
  schema?: SchemaCheck,
): Promise<Project> {
  let files = input.files;
  const projectDir = input.projectDir ?? (files.length ? dirname(files[0]) : undefined);
  if (!projectDir) throw new ComposeError("", "", "no project directory", "pass --project-dir or a file");
  if (!files.length) {
    files = [];
    for (const n of DEFAULT_FILES) {
      if ((await read(`${projectDir}/${n}`)) !== undefined) {
        files.push(`${projectDir}/${n}`);
        break;
      }
    }
    if (!files.length) {
      throw new ComposeError(
        projectDir,
        "",
        `no compose file: none of ${DEFAULT_FILES.join(", ")} exists`,
        "name the files, or pass --project-dir",
      );
    }
    for (const n of OVERRIDES) {
      if ((await read(`${projectDir}/${n}`)) !== undefined) {
        files.push(`${projectDir}/${n}`);
        break;
      }
    }
  }

  // The interpolation environment: .env (or --env-file), then the process environment on top.
  const dotenv = new Map<string, string>();
  const unset = new Set<string>();
  const envFilesRead: string[] = [];
  const procLookup: Lookup = input.env;
  const envFiles = input.envFiles.length ? input.envFiles : [`${projectDir}/.env`];
  for (const f of envFiles) {
    const text = await read(f);
    if (text === undefined) {
      if (input.envFiles.length) throw new ComposeError(f, "", "env file not found", "check --env-file");
      continue;
    }
    envFilesRead.push(f);
    try {
      for (const [k, v] of parseDotenv(text, (n) => procLookup(n) ?? dotenv.get(n))) dotenv.set(k, v);
    } catch (e) {
      if (e instanceof GrammarError) throw new ComposeError(f, "", e.message, e.hint);
      throw e;
    }
  }
  const lookup: Lookup = (n) => procLookup(n) ?? dotenv.get(n);
  const ctx: Ctx = { read, schema, lookup, unset, home: input.home, depth: 0 };

  const merged = await loadMerged(ctx, files, projectDir);

  // Profiles: --profile, else COMPOSE_PROFILES.
  const active = new Set(
    input.profiles.length
      ? input.profiles
      : (lookup("COMPOSE_PROFILES") ?? "").split(",").map((s) => s.trim()).filter(Boolean),
  );
  const services: Record<string, Obj> = {};
  const disabled: string[] = [];
  for (const [name, svc] of Object.entries(merged.services as Obj)) {
    const profiles: string[] = svc.profiles ?? [];
    if (!profiles.length || active.has("*") || profiles.some((p) => active.has(p))) services[name] = svc;
    else disabled.push(name);
  }
  for (const [name, svc] of Object.entries(services)) {
    for (const [dep, d] of Object.entries((svc.depends_on ?? {}) as Obj)) {
      if (services[dep]) continue;
      if (disabled.includes(dep)) {
        if (d.required === false) continue;
        throw new ComposeError(
          merged.origin[name],
          `services.${name}.depends_on`,
          `depends on ${JSON.stringify(dep)}, which no active profile enables`,
          `add --profile ${(merged.services[dep].profiles ?? [])[0]}`,
        );
      }
      throw new ComposeError(
        merged.origin[name],
        `services.${name}.depends_on`,
        `depends on undefined service ${JSON.stringify(dep)}`,
      );
    }
  }
  return {
    name: typeof merged.name === "string" ? merged.name : undefined,
    projectDir,
    files,
    services,
    disabled,
    volumes: merged.volumes ?? {},
    networks: merged.networks ?? {},
    secrets: merged.secrets ?? {},
    configs: merged.configs ?? {},
    lookup,
    unset: [...unset].sort(),
    origin: merged.origin,
    envFilesRead,
  };
}

interface Loaded extends Obj {
  services: Obj;
  origin: Record<string, string>;
}

/** Load files in order and merge them (a project or an include). */
async function loadMerged(ctx: Ctx, files: string[], baseDir: string): Promise<Loaded> {
  let acc: Loaded = { services: {}, origin: {} };
  for (const f of files) {
    const one = await loadFile(ctx, f, baseDir);
    const origin = { ...acc.origin };
    for (const n of Object.keys(one.services ?? {})) origin[n] = f;
    acc = { ...mergeTop(acc, one), origin };
  }
  return acc;
}

/** One file: parse, interpolate, validate, normalize, include, extends. */
async function loadFile(ctx: Ctx, file: string, baseDir: string): Promise<Loaded> {
  if (ctx.depth > 20) {
    throw new ComposeError(file, "", "include/extends nest deeper than 20 levels (a cycle?)");
  }
  const text = await ctx.read(file);
  if (text === undefined) throw new ComposeError(file, "", "compose file not found");
  const lc = new LineCounter();
  const doc = parseDocument(text, { merge: true, lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const pos = (offset: number | undefined) => {
    if (offset === undefined) return { line: undefined, col: undefined };
    const p = lc.linePos(offset);
    return { line: p.line, col: p.col };
  };
  if (doc.errors.length) {
    const e = doc.errors[0];
    const p = pos(e.pos[0]);
    throw new ComposeError(file, "", e.message.split("\n")[0], "fix the YAML", p.line, p.col);
  }
  // !reset and !override (13-merge.md) become markers the merge understands.
  visit(doc, {
    Node(_key, node) {
      if (node.tag === "!reset") return doc.createNode(RESET);
      if (node.tag === "!override") {
        node.tag = undefined;
        return doc.createNode({ [OVERRIDE]: node });
      }
    },
  });
  const where = (path: (string | number)[]) => {
    const node = doc.getIn(path, true) as { range?: [number, number] } | undefined;
    return pos(node?.range?.[0]);
  };
  let raw: Obj;
  try {
    raw = (doc.toJS({ maxAliasCount: 10000 }) ?? {}) as Obj;
  } catch (e) {
    throw new ComposeError(file, "", (e as Error).message.split("\n")[0]);
  }
  if (typeof raw !== "object" || Array.isArray(raw)) {
    throw new ComposeError(file, "", "the top level is not a mapping");
  }

  // Interpolation of every value (keys are not interpolated).
  const interp = (v: unknown, path: (string | number)[]): unknown => {
    if (typeof v === "string") {
      try {
        return interpolate(v, ctx.lookup, ctx.unset);
      } catch (e) {
        if (!(e instanceof GrammarError)) throw e;
        const p = where(path);
        throw new ComposeError(file, fieldPath(path), e.message, e.hint, p.line, p.col);
      }
    }
    if (Array.isArray(v)) return v.map((x, i) => interp(x, [...path, i]));
    if (v && typeof v === "object") {
      const o: Obj = {};
      for (const [k, x] of Object.entries(v)) o[k] = interp(x, [...path, k]);
      return o;
    }
    return v;
  };
  const data = castTypes(interp(raw, []) as Obj);

  if (ctx.schema) {
    const errs = ctx.schema(stripMarkers(data));
    if (errs.length) {
      const e = errs[0];
      const p = where(e.path.map((s) => (/^\d+$/.test(s) ? Number(s) : s)));
      throw new ComposeError(
        file,
        fieldPath(e.path),
        e.message,
        "see the Compose Specification (spec.md); lychd validates against its JSON Schema",
        p.line,
        p.col,
      );
    }
  }

  const fileDir = dirname(file);
  const out: Loaded = { services: {}, origin: {} };
  for (const k of ["name", "volumes", "networks", "secrets", "configs"]) {
    if (data[k] !== undefined) out[k] = data[k];
  }
  for (const [name, s] of Object.entries((data.services ?? {}) as Obj)) {
    try {
      out.services[name] = normalizeService(s ?? {}, baseDir, ctx);
    } catch (e) {
      if (!(e instanceof NormalizeError)) throw e;
      const path = ["services", name, ...e.path];
      const p = where(path);
      throw new ComposeError(file, fieldPath(path), e.message, e.hint, p.line, p.col);
    }
    out.origin[name] = file;
  }
  for (const [k, sec] of Object.entries((out.secrets ?? {}) as Obj)) {
    if (sec && typeof sec.file === "string") {
      out.secrets[k] = { ...sec, file: resolvePath(baseDir, sec.file, ctx.home) };
    }
  }
  for (const [k, cfg] of Object.entries((out.configs ?? {}) as Obj)) {
    if (cfg && typeof cfg.file === "string") {
      out.configs[k] = { ...cfg, file: resolvePath(baseDir, cfg.file, ctx.home) };
    }
  }

  // extends (same file or another file, resolved against that file's directory).
  const resolving = new Set<string>();
  const resolveExt = async (name: string): Promise<Obj> => {
    const svc = out.services[name];
    if (!svc?.extends) return svc;
    if (resolving.has(name)) {
      throw new ComposeError(file, `services.${name}.extends`, "extends forms a cycle");
    }
    resolving.add(name);
    const ext = typeof svc.extends === "string" ? { service: svc.extends } : svc.extends;
    let base: Obj | undefined;
    if (ext.file) {
      const other = resolvePath(fileDir, ext.file, ctx.home);
      const loaded = await loadFile({ ...ctx, depth: ctx.depth + 1 }, other, dirname(other));
      base = loaded.services[ext.service];
      if (!base) {
        throw new ComposeError(
          file,
          `services.${name}.extends`,
          `${other} has no service ${JSON.stringify(ext.service)}`,
        );
      }
    } else {
      if (!out.services[ext.service]) {
        throw new ComposeError(
          file,
          `services.${name}.extends`,
          `no service ${JSON.stringify(ext.service)} in this file`,
        );
      }
      base = await resolveExt(ext.service);
    }
    const { extends: _drop, ...own } = svc;
    const merged = mergeService(structuredClone(base), own);
    out.services[name] = merged;
    resolving.delete(name);
    return merged;
  };
  for (const name of Object.keys(out.services)) await resolveExt(name);

  // include: each entry is a project of its own; its resources may not clash with this file's.
  for (const [i, inc] of ((data.include ?? []) as unknown[]).entries()) {
    const spec: Obj = typeof inc === "string" ? { path: inc } : inc as Obj;
    const paths = (Array.isArray(spec.path) ? spec.path : [spec.path]).map((p: string) =>
      resolvePath(fileDir, p, ctx.home)
    );
    const incDir = spec.project_directory
      ? resolvePath(fileDir, spec.project_directory, ctx.home)
      : dirname(paths[0]);
    let lookup = ctx.lookup;
    const envFiles = spec.env_file === undefined
      ? [`${incDir}/.env`]
      : (Array.isArray(spec.env_file) ? spec.env_file : [spec.env_file]).map((p: string) =>
        resolvePath(fileDir, p, ctx.home)
      );
    for (const ef of envFiles) {
      const t = await ctx.read(ef);
      if (t === undefined) {
        if (spec.env_file !== undefined) {
          throw new ComposeError(file, `include[${i}].env_file`, `${ef} not found`);
        }
        continue;
      }
      const vars = parseDotenv(t, lookup);
      const prev = lookup;
      lookup = (n) => prev(n) ?? vars.get(n);
    }
    const sub = await loadMerged({ ...ctx, lookup, depth: ctx.depth + 1 }, paths, incDir);
    for (const kind of ["services", "volumes", "networks", "secrets", "configs"]) {
      for (const [k, v] of Object.entries((sub[kind] ?? {}) as Obj)) {
        if (out[kind]?.[k] !== undefined) {
          throw new ComposeError(
            file,
            `include[${i}]`,
            `${kind}.${k} is defined both here and in ${paths[0]}`,
            "rename one",
          );
        }
        out[kind] = { ...(out[kind] ?? {}), [k]: v };
        if (kind === "services") out.origin[k] = sub.origin[k];
      }
    }
  }
  return out;
}

/** `services.a.ports[0]`: dotted names, bracketed indexes (the Codex's own path style). */
export function fieldPath(path: (string | number)[]): string {
  return path.map((
    x,
    i,
  ) => (typeof x === "number" || /^\d+$/.test(String(x)) ? `[${x}]` : i ? `.${x}` : String(x)))
    .join("");
}

const INT = "int";
const BOOL = "bool";
const NUM = "number";
/**
 * Compose casts interpolated strings at these paths to the type the schema wants (compose-go's
 * interpolation type-cast table), e.g. `replicas: ${N}` → an integer. `*` matches any key/index.
 */
const CASTS: [string[], string][] = [
  ...[
    "cpu_count",
    "cpu_percent",
    "cpu_shares",
    "cpu_quota",
    "cpu_period",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "mem_swappiness",
    "oom_score_adj",
    "pids_limit",
    "shm_size",
  ]
    .map((k): [string[], string] => [["services", "*", k], k === "shm_size" ? "size" : INT]),
  [["services", "*", "cpus"], NUM],
  [["services", "*", "deploy", "replicas"], INT],
  [["services", "*", "scale"], INT],
  [["services", "*", "healthcheck", "retries"], INT],
  [["services", "*", "healthcheck", "disable"], BOOL],
  [["services", "*", "ports", "*", "target"], INT],
  [["services", "*", "ulimits", "*"], INT],
  [["services", "*", "ulimits", "*", "hard"], INT],
  [["services", "*", "ulimits", "*", "soft"], INT],
  ...["privileged", "read_only", "stdin_open", "tty", "init"].map((
    k,
  ): [string[], string] => [["services", "*", k], BOOL]),
  [["services", "*", "volumes", "*", "read_only"], BOOL],
  [["services", "*", "volumes", "*", "volume", "nocopy"], BOOL],
  [["services", "*", "depends_on", "*", "required"], BOOL],
  [["services", "*", "depends_on", "*", "restart"], BOOL],
  [["services", "*", "env_file", "*", "required"], BOOL],
  [["services", "*", "deploy", "resources", "reservations", "devices", "*", "count"], "count"],
  ...["networks", "volumes", "secrets", "configs"].map((
    k,
  ): [string[], string] => [[k, "*", "external"], BOOL]),
  [["networks", "*", "internal"], BOOL],
  [["networks", "*", "attachable"], BOOL],
];

function cast(v: string, t: string): unknown {
  const s = v.trim();
  if (t === BOOL) {
    if (/^(y|yes|true|on)$/i.test(s)) return true;
    if (/^(n|no|false|off)$/i.test(s)) return false;
    return v;
  }
  if (t === INT || t === "count") return /^-?\d+$/.test(s) ? Number(s) : v;
  if (t === NUM) return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : v;
  return /^\d+$/.test(s) ? Number(s) : v;
}

/** Apply `CASTS` to string values (what interpolation produced). */
export function castTypes(doc: Obj): Obj {
  const walk = (v: unknown, pattern: string[], t: string): unknown => {
    if (pattern.length === 0) return typeof v === "string" ? cast(v, t) : v;
    const [head, ...rest] = pattern;
    if (Array.isArray(v)) return head === "*" ? v.map((x) => walk(x, rest, t)) : v;
    if (v && typeof v === "object") {
      const o: Obj = { ...(v as Obj) };
      for (const k of Object.keys(o)) if (head === "*" || head === k) o[k] = walk(o[k], rest, t);
      return o;
    }
    return v;
  };
  let out: unknown = doc;
  for (const [pattern, t] of CASTS) out = walk(out, pattern, t);
  return out as Obj;
}

function stripMarkers(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== RESET).map(stripMarkers);
  if (v && typeof v === "object") {
    if (OVERRIDE in v) return stripMarkers((v as Obj)[OVERRIDE]);
    const o: Obj = {};
    for (const [k, x] of Object.entries(v)) if (x !== RESET) o[k] = stripMarkers(x);
    return o;
  }
  return v;
}

class NormalizeError extends Error {
  constructor(readonly path: (string | number)[], message: string, readonly hint?: string) {
    super(message);
  }
}

function toMap(v: unknown, lookup: Lookup | undefined, path: string): Obj {
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
function normalizeService(s: Obj, base: string, ctx: Ctx): Obj {
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
function normPort(p: unknown, i: number): Obj[] {
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

function expand(
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
function normVolume(v: unknown, i: number, base: string, home?: string): Obj {
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

function isObj(v: unknown): v is Obj {
  return !!v && typeof v === "object" && !Array.isArray(v);
}

const REPLACE = new Set(["command", "entrypoint"]);
const UNIQUE: Record<string, (e: Obj) => string> = {
  ports: (e) => `${e.host_ip ?? ""}|${e.target}|${e.published ?? ""}|${e.protocol ?? "tcp"}`,
  volumes: (e) => String(e.target),
  secrets: (e) => String(e.target),
  configs: (e) => String(e.target),
};

/** Merge an overriding service into a base one (13-merge.md). */
export function mergeService(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === RESET) {
      delete out[k];
      continue;
    }
    if (isObj(v) && OVERRIDE in v) {
      out[k] = v[OVERRIDE];
      continue;
    }
    const b = out[k];
    if (REPLACE.has(k) || b === undefined) out[k] = cleanse(v);
    else if (k === "healthcheck" && isObj(b) && isObj(v)) out[k] = { ...b, ...cleanse(v) as Obj };
    else if (UNIQUE[k] && Array.isArray(b) && Array.isArray(v)) {
      const key = UNIQUE[k];
      const list = [...b];
      for (const e of v) {
        const at = list.findIndex((x) => key(x) === key(e));
        if (at >= 0) list[at] = isObj(list[at]) && isObj(e) ? { ...list[at], ...e } : e;
        else list.push(e);
      }
      out[k] = list;
    } else out[k] = mergeValue(b, v);
  }
  return out;
}

function cleanse(v: unknown): unknown {
  if (v === RESET) return undefined;
  if (Array.isArray(v)) return v.filter((x) => x !== RESET).map(cleanse);
  if (isObj(v)) {
    if (OVERRIDE in v) return cleanse(v[OVERRIDE]);
    const o: Obj = {};
    for (const [k, x] of Object.entries(v)) if (x !== RESET) o[k] = cleanse(x);
    return o;
  }
  return v;
}

function mergeValue(b: unknown, v: unknown): unknown {
  if (Array.isArray(b) && Array.isArray(v)) return [...b, ...cleanse(v) as unknown[]];
  if (isObj(b) && isObj(v)) {
    const o: Obj = { ...b };
    for (const [k, x] of Object.entries(v)) {
      if (x === RESET) delete o[k];
      else if (isObj(x) && OVERRIDE in x) o[k] = cleanse(x[OVERRIDE]);
      else o[k] = o[k] === undefined ? cleanse(x) : mergeValue(o[k], x);
    }
    return o;
  }
  return cleanse(v);
}

function mergeTop(a: Loaded, b: Loaded): Loaded {
  const out: Loaded = { ...a, services: { ...a.services } };
  if (b.name !== undefined) out.name = b.name;
  for (const [n, s] of Object.entries(b.services)) {
    out.services[n] = out.services[n] ? mergeService(out.services[n], s) : cleanse(s);
  }
  for (const k of ["volumes", "networks", "secrets", "configs"]) {
    if (b[k] !== undefined) out[k] = mergeValue(a[k] ?? {}, b[k]);
  }
  return out;
}

/** line:column of a field path (`services.a.ports[0]`) in a compose file's text, if it is there. */
export function locateField(text: string, path: string): { line: number; column: number } | undefined {
  const parts = path.split(/\.|\[(\d+)\]/).filter((x) => x !== undefined && x !== "").map((x) =>
    /^\d+$/.test(x) ? Number(x) : x
  );
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, merge: true });
  for (let n = parts.length; n > 0; n--) {
    const node = doc.getIn(parts.slice(0, n), true) as { range?: [number, number] } | undefined;
    if (node?.range) {
      const p = lc.linePos(node.range[0]);
      return { line: p.line, column: p.col };
    }
  }
  return undefined;
}
