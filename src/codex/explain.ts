/**
 * Why the zod schema rejects a Codex, in lychd's words (one issue per problem, with hints and
 * did-you-mean). Loaded only when the generated validator rejects a Codex (see load.ts): it is
 * where zod is loaded and run. Importing it registers it with load.ts.
 *
 * @module
 */
import type { z } from "zod";
import { q } from "./errors.ts";
import { didYouMean } from "../similar.ts";
import { dotted, type RawIssue, setExplainer } from "./load.ts";
import { CodexSchema, GatewaySchema, ServiceSchema, SoulstoneSchema } from "./schema.ts";

/** The issues of `doc` by the zod schema, worded; empty when zod accepts it. */
export function explainSchema(doc: Record<string, unknown>): RawIssue[] {
  const parsed = CodexSchema.safeParse(doc, { reportInput: true });
  if (parsed.success) return [];
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
  return parsed.error.issues
    .filter((i) => !(get(doc, i.path) === undefined && typoOf.has(dotted(i.path))))
    .map((i) => zodIssue(i, doc));
}

setExplainer(explainSchema);

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
): RawIssue {
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
function required(path: (string | number)[]): RawIssue {
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
  if (first === "gpu") return ["vram_gib", "mig_profiles"];
  if (first === "volumes") return path.length === 2 ? ["size"] : [];
  if (first === "gateway") return Object.keys(GatewaySchema.shape);
  const svc = first === "soulstones" ? SoulstoneSchema : ServiceSchema;
  const depth = first === "soulstones" || first === "services" ? 2 : 1;
  if (path.length === depth) return Object.keys(svc.shape);
  const field = path[depth];
  if (field === "health") return ["cmd", "interval", "timeout", "retries", "start_period"];
  if (field === "on_demand") return ["listen", "idle_stop"];
  if (field === "secrets") return ["name", "type", "target"];
  return [];
}
