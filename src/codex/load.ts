/**
 * TOML text → validated, normalized Codex: parse, the TOML 1.0 and control-character checks, the
 * generated validator, then `normalize` (normalize.ts) and the whole-Codex checks (validate.ts).
 * Pure: the caller reads the file.
 *
 * @module
 */
import { parse as parseToml, TomlError } from "smol-toml";
import { CodexError, type CodexIssue, q } from "./errors.ts";
import { indexToml, locate } from "./locate.ts";
import type { RawCodex } from "./schema.ts";
import { validate as validateRaw } from "./validator.generated.js";
import type { Codex } from "./model.ts";
import { validateCodex } from "./validate.ts";
import { normalize } from "./normalize.ts";
import { type SyntaxProblem, toml10Problem, tomlSyntaxProblem } from "./toml_errors.ts";
import { inlineTablesClean } from "./toml10_clean.ts";

export { parseListen, parseMount } from "./normalize.ts";

/** Context for host-independent checks. */
export interface LoadOptions {
  /** Directories a volume may not be, contain or sit beneath (the Codex dir, the unit dirs). */
  protectedDirs?: string[];
}

/** A schema issue with its path as a list, before it is placed in the text. */
export type RawIssue = Omit<CodexIssue, "path"> & { path: (string | number)[] };

/** Words why the schema rejects a document (src/codex/explain.ts, zod). */
export type Explainer = (doc: Record<string, unknown>) => RawIssue[];

let explainer: Explainer | undefined;

/** Called by src/codex/explain.ts when it is loaded. */
export function setExplainer(f: Explainer): void {
  explainer = f;
}

/**
 * The schema rejected the Codex and the module that words why (src/codex/explain.ts, which loads
 * zod) is not loaded: `loadCodexAsync` loads it and retries; a synchronous caller imports it once.
 */
export class SchemaRejected extends Error {
  constructor() {
    super(
      "the Codex does not match its schema; import src/codex/explain.ts (or use loadCodexAsync) to word why",
    );
    this.name = "SchemaRejected";
  }
}

/**
 * `loadCodex`, loading zod only when the schema rejects the Codex (to word why): what the CLI
 * calls, so that a valid Codex never pays for zod.
 */
export async function loadCodexAsync(text: string, file: string, opts: LoadOptions = {}): Promise<Codex> {
  try {
    return loadCodex(text, file, opts);
  } catch (e) {
    if (!(e instanceof SchemaRejected)) throw e;
    await import("./explain.ts");
    return loadCodex(text, file, opts);
  }
}

/**
 * Parse and validate Codex text. The schema's wording of a rejection needs src/codex/explain.ts
 * loaded (see `SchemaRejected`).
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
  const strict = inlineTablesClean(text) ? undefined : toml10Problem(text);
  if (strict) throw syntaxError(file, strict);
  // Positions are only needed for issues: index the text on the first one.
  let index: ReturnType<typeof indexToml> | undefined;
  const place = (issue: RawIssue): CodexIssue => {
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
  // zod's records skip a `__proto__` key: a `[services."__proto__"]` table would pass unchecked.
  const proto = text.includes("__proto__") ? findProtoKey(doc, []) : undefined;
  if (proto) {
    throw new CodexError(file, [place({
      path: proto,
      message: 'the key "__proto__" is not allowed',
      hint: "rename it",
    })]);
  }

  // The generated validator (`deno task gen`) decides; zod is loaded only to word a rejection.
  if (!validateRaw(doc)) {
    if (!explainer) throw new SchemaRejected();
    const issues = explainer(doc);
    if (!issues.length) {
      throw new Error(
        "the generated validator rejects a Codex the zod schema accepts (hint: run `deno task gen`)",
      );
    }
    throw new CodexError(file, sortIssues(issues.map(place)));
  }
  const codex = normalize(doc as RawCodex, file);
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

/** The path of the first `__proto__` key in `v`, if any. */
function findProtoKey(v: unknown, path: (string | number)[]): (string | number)[] | undefined {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = findProtoKey(v[i], [...path, i]);
      if (r) return r;
    }
  } else if (v && typeof v === "object" && !(v instanceof Date)) {
    for (const k of Object.keys(v)) {
      if (k === "__proto__") return [...path, k];
      const r = findProtoKey((v as Record<string, unknown>)[k], [...path, k]);
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
