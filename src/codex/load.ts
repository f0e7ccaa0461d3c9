/**
 * TOML text → validated, normalized Codex. Pure: the caller reads the file.
 *
 * @module
 */
import { parse as parseToml, TomlError } from "smol-toml";
import type { z } from "zod";
import { CodexError, type CodexIssue, didYouMean, q } from "./errors.ts";
import { indexToml, locate } from "./locate.ts";
import { CodexSchema, type RawCodex, type RawSoulstone, ServiceSchema, SoulstoneSchema } from "./schema.ts";
import type { Codex, Mount, Role, SecretRef, Service } from "./model.ts";
import { parseDuration, parsePort, parseSize } from "./quantities.ts";
import { validateCodex } from "./validate.ts";
import { healthMeaning } from "./health.ts";
import { type SyntaxProblem, toml10Problem, tomlSyntaxProblem } from "./toml_errors.ts";

/** Context for host-independent checks. */
export interface LoadOptions {
  /** Directories a volume may not be, contain or sit beneath (the Codex dir, the unit dirs). */
  protectedDirs?: string[];
}

/**
 * Parse and validate Codex text.
 *
 * @throws {CodexError} naming the file, field path, line:column and a hint.
 */
export function loadCodex(text: string, file: string, opts: LoadOptions = {}): Codex {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof TomlError) throw syntaxError(file, tomlSyntaxProblem(text, e.message, e.line, e.column));
    throw e;
  }
  // smol-toml is more lenient than TOML 1.0 about inline tables; lychd is not.
  const strict = toml10Problem(text);
  if (strict) throw syntaxError(file, strict);
  // Positions are only needed for issues: index the text on the first one.
  let index: ReturnType<typeof indexToml> | undefined;
  const place = (issue: Omit<CodexIssue, "path"> & { path: (string | number)[] }): CodexIssue => {
    const pos = locate(index ??= indexToml(text), issue.path);
    return { ...issue, path: dotted(issue.path), line: pos?.line, column: pos?.column };
  };

  if (Object.keys(doc).length === 0) {
    throw new CodexError(file, [{
      path: "",
      message: "the Codex is empty",
      hint: "start with `version = 1` or run `lychd init`",
    }]);
  }
  // A value can hold a control character only through an escape, a multi-line string or a raw
  // tab or control character in the text: without any of them, skip the walk.
  const control = MAYBE_CONTROL.test(text) ? findControl(doc, []) : undefined;
  if (control) {
    throw new CodexError(file, [place({
      path: control.path,
      message: `${q(control.value)} contains a control character (U+${control.code})`,
      hint: "control characters such as newlines and tabs are refused in every value",
    })]);
  }

  const parsed = CodexSchema.safeParse(doc, { reportInput: true });
  if (!parsed.success) {
    // A typo of a required key ("imgae") shows up twice: as an unknown key and as a missing one.
    // Report the typo, whose hint names the fix, not the missing key.
    const typoOf = new Set<string>();
    for (const i of parsed.error.issues) {
      if (i.code !== "unrecognized_keys") continue;
      const path = i.path.map((p) => (typeof p === "symbol" ? String(p) : p)) as (string | number)[];
      for (const k of i.keys) {
        const guess = didYouMean(k, knownKeys(path));
        if (guess) typoOf.add(dotted([...path, guess]));
      }
    }
    const issues = parsed.error.issues
      .filter((i) => !(get(doc, i.path) === undefined && typoOf.has(dotted(i.path))))
      .map((i) => place(zodIssue(i, doc)));
    throw new CodexError(file, sortIssues(issues));
  }
  const codex = normalize(parsed.data, file);
  const issues = validateCodex(codex, opts).map(place);
  if (issues.length) throw new CodexError(file, sortIssues(issues));
  return codex;
}

function syntaxError(file: string, p: SyntaxProblem): CodexError {
  return new CodexError(file, [{
    path: "",
    message: `TOML syntax error: ${p.message}`,
    line: p.line,
    column: p.column,
    hint: p.hint,
  }]);
}

function sortIssues(issues: CodexIssue[]): CodexIssue[] {
  return issues
    .map((i, n) => ({ i, n }))
    .sort((a, b) => (a.i.line ?? 1e9) - (b.i.line ?? 1e9) || a.n - b.n)
    .map((x) => x.i);
}

/** `["soulstones", "vllm", "ports", 0]` → `soulstones.vllm.ports[0]`. */
export function dotted(path: readonly (string | number | symbol)[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else {
      const s = String(p);
      const bare = /^[A-Za-z0-9_-]+$/.test(s);
      out += (out ? "." : "") + (bare ? s : JSON.stringify(s));
    }
  }
  return out;
}

function findControl(
  v: unknown,
  path: (string | number)[],
): { path: (string | number)[]; value: string; code: string } | undefined {
  // `path` is one stack pushed and popped on the way down; it is copied only for a hit.
  if (typeof v === "string") {
    const code = controlCode(v);
    return code ? { path: [...path], value: v, code } : undefined;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      const r = findControl(v[i], path);
      path.pop();
      if (r) return r;
    }
  } else if (v && typeof v === "object" && !(v instanceof Date)) {
    for (const k of Object.keys(v)) {
      path.push(k);
      const code = controlCode(k);
      const r = code
        ? { path: [...path], value: k, code }
        : findControl((v as Record<string, unknown>)[k], path);
      path.pop();
      if (r) return r;
    }
  }
  return undefined;
}

// deno-lint-ignore no-control-regex
const CONTROL_RE = /[\u0000-\u001f\u007f]/;

/** What in TOML text could put a control character into a key or value (see loadCodex). */
// deno-lint-ignore no-control-regex
const MAYBE_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f\\]|"""|'''/;

/** `000A` for the first control character of `s`, if any. */
function controlCode(s: string): string | undefined {
  const m = CONTROL_RE.exec(s);
  return m ? m[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0") : undefined;
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "true or false",
  array: "an array",
  object: "a table",
  record: "a table",
};

function describe(v: unknown): string {
  if (Array.isArray(v)) return "an array";
  if (v === null || v === undefined) return "nothing";
  if (v instanceof Date) return "a date";
  if (typeof v === "object") return "a table";
  if (typeof v === "number") return Number.isInteger(v) ? `the integer ${v}` : `the number ${v}`;
  if (typeof v === "string") return `the string ${q(v)}`;
  return `${typeof v} ${String(v)}`;
}

function get(doc: unknown, path: readonly PropertyKey[]): unknown {
  let cur = doc;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

/** Map a zod issue to lychd's wording, with hints. */
function zodIssue(
  issue: z.core.$ZodIssue,
  doc: unknown,
): Omit<CodexIssue, "path"> & { path: (string | number)[] } {
  const path = issue.path.map((p) => (typeof p === "symbol" ? String(p) : p)) as (string | number)[];
  const value = get(doc, issue.path);
  const split = (m: string): { message: string; hint?: string } => {
    const h = /^(.*?)\s*\(hint: (.*)\)$/.exec(m);
    return h ? { message: h[1], hint: h[2] } : { message: m };
  };
  switch (issue.code) {
    case "unrecognized_keys": {
      const key = issue.keys[0];
      const known = knownKeys(path);
      const guess = didYouMean(key, known);
      const where = path.length ? `in [${dotted(path)}]` : "at the top level";
      return {
        path: [...path, key],
        message: `unknown key ${q(key)} ${where}`,
        hint: guess
          ? `did you mean ${q(guess)}?`
          : known.length
          ? `known keys: ${known.join(", ")}`
          : undefined,
      };
    }
    case "invalid_type": {
      if (value === undefined) return required(path);
      const want = TYPE_NAMES[issue.expected] ?? issue.expected;
      const field = path.filter((p) => typeof p === "string").pop();
      // `ports = [8000]` (compose's short form): say the string form lychd reads.
      const hint = field === "ports" && typeof value === "number"
        ? `ports are strings "host:container", e.g. ports = ["${value}:${value}"]`
        : undefined;
      return { path, message: `expected ${want}, got ${describe(value)}`, ...(hint ? { hint } : {}) };
    }
    case "invalid_union": {
      if (value === undefined) return required(path);
      // Explain through the one branch that matches the value's type (e.g. the table form of a
      // secret), so the message names the offending field.
      const branches = issue.errors.filter((errs) =>
        errs.length > 0 && !errs.some((e) => e.code === "invalid_type" && e.path.length === 0)
      );
      if (branches.length === 1) {
        const inner = branches[0][0];
        const mapped = zodIssue({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue, doc);
        return { ...mapped, hint: mapped.hint ?? unionHint(path) };
      }
      return { path, message: `${describe(value)} is not allowed here`, hint: unionHint(path) };
    }
    case "invalid_value": {
      if (value === undefined) return required(path);
      const opts = issue.values.map((v) => q(v));
      if (opts.length === 1) return { path, ...split(issue.message) };
      const guess = typeof value === "string" ? didYouMean(value, issue.values.map(String)) : undefined;
      return {
        path,
        message: `${describe(value)} is not one of ${opts.join(", ")}`,
        hint: guess ? `did you mean ${q(guess)}?` : undefined,
      };
    }
    case "too_small": {
      if (!/^Too small/.test(issue.message)) return { path, ...split(issue.message) };
      if (issue.origin === "array") return { path, message: `needs at least ${issue.minimum} item(s)` };
      if (issue.origin === "string") return { path, message: "must not be empty" };
      return {
        path,
        message: `${describe(value)} is too small (minimum ${
          issue.inclusive ? "" : "above "
        }${issue.minimum})`,
      };
    }
    case "invalid_format":
    case "custom": {
      const hint = (issue as { params?: { hint?: string } }).params?.hint;
      const s = split(issue.message);
      return { path, message: s.message, hint: hint ?? s.hint };
    }
    case "invalid_key": {
      const inner = issue.issues[0] as { message?: string; input?: unknown } | undefined;
      const key = inner?.input;
      const withKey = typeof key === "string" && path[path.length - 1] !== key ? [...path, key] : path;
      if (key === "") return { path: withKey, message: "an empty key is not allowed" };
      return { path: withKey, ...split(inner?.message ?? issue.message) };
    }
    default:
      return { path, ...split(issue.message) };
  }
}

/** A field that is missing. */
function required(path: (string | number)[]): Omit<CodexIssue, "path"> & { path: (string | number)[] } {
  const field = path[path.length - 1];
  return {
    path,
    message: `${typeof field === "string" ? q(field) : "a value"} is required`,
    hint: field === "version"
      ? "add `version = 1` at the top"
      : field === "image"
      ? 'e.g. image = "docker.io/library/postgres:17"'
      : field === "cmd"
      ? 'e.g. cmd = "curl -fsS http://localhost:8080/health"'
      : undefined,
  };
}

function unionHint(path: (string | number)[]): string | undefined {
  const field = path.filter((p) => typeof p === "string").pop();
  if (field === "memory" || field === "shm_size") return 'use "512m", "2g" or an integer number of MiB';
  if (field === "secrets") return 'a secret name, or { name = "x", type = "env", target = "VAR" }';
  if (field === "cmd") return "a shell command string, or an array of words";
  if (["interval", "timeout", "start_period", "idle_stop"].includes(String(field))) {
    return 'a duration such as "30s"';
  }
  return undefined;
}

/** Keys known at a path, for did-you-mean. */
function knownKeys(path: (string | number)[]): string[] {
  const top = Object.keys(CodexSchema.shape);
  if (path.length === 0) return top;
  const [first] = path;
  if (first === "sepulcher") return ["name", "network", "bind_address", "podman_version"];
  if (first === "gpu") return ["vram_gib"];
  const svc = first === "soulstones" ? SoulstoneSchema : ServiceSchema;
  const depth = first === "soulstones" || first === "services" ? 2 : 1;
  if (path.length === depth) return Object.keys(svc.shape);
  const field = path[depth];
  if (field === "health") return ["cmd", "interval", "timeout", "retries", "start_period"];
  if (field === "on_demand") return ["listen", "idle_stop"];
  if (field === "secrets") return ["name", "type", "target"];
  return [];
}

const ROLE_PATHS: [Role, "vessel" | "phylactery" | "oculus"][] = [
  ["vessel", "vessel"],
  ["phylactery", "phylactery"],
  ["oculus", "oculus"],
];

function normalize(raw: RawCodex, file: string): Codex {
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
    };
  };
  for (const [role, key] of ROLE_PATHS) {
    const r = raw[key];
    if (r) services.push(make(role, key, key, `${prefix}-${key}`, r));
  }
  for (const [name, r] of Object.entries(raw.soulstones ?? {})) {
    services.push(make("soulstone", name, `soulstones.${name}`, `${prefix}-soulstone-${name}`, r));
  }
  for (const [name, r] of Object.entries(raw.services ?? {})) {
    services.push(make("service", name, `services.${name}`, `${prefix}-${name}`, r));
  }
  const volumes = [...new Set(services.flatMap((s) => s.mounts.filter((m) => m.named).map((m) => m.source)))]
    .sort();
  return {
    file,
    prefix,
    network: raw.sepulcher?.network ?? "bridge",
    bindAddress,
    podmanVersion: raw.sepulcher?.podman_version,
    vramGib: { ...(raw.gpu?.vram_gib ?? {}) },
    services,
    volumes,
  };
}

/** `r` with a Docker-form `health.cmd` read by meaning (`["NONE"]`: no health table at all). */
function withHealthMeaning(r: RawSoulstone): RawSoulstone {
  if (!r.health) return r;
  const m = healthMeaning(r.health.cmd);
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
