/**
 * What the Compose loader's modules share: `ComposeError` (one clear line), the injected reader
 * and schema check, the loading context, the `!reset` / `!override` markers the merge understands,
 * and path helpers (`dirname`, `resolvePath`, `fieldPath`).
 *
 * Pure.
 *
 * @module
 */
import type { Lookup } from "./text.ts";
import { LychdError } from "../errors.ts";

/** One clear line: file, field path, line:column where known, a hint. */
export class ComposeError extends LychdError {
  override readonly name: string = "ComposeError";
  constructor(
    readonly file: string,
    readonly path: string,
    message: string,
    hint?: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message, { hint, place: { file, path, line, column } });
  }
  /** `file:line:col: path: message (hint: …)`. */
  override oneLine(): string {
    const at = this.line ? `${this.file}:${this.line}:${this.column ?? 1}` : this.file;
    return `${at}: ${this.path ? `${this.path}: ` : ""}${super.oneLine()}`;
  }
}

/** Reads a text file; `undefined` when missing. */
export type ReadFile = (path: string) => Promise<string | undefined>;

/** Validates one interpolated file; returns errors as `[instancePath, message]`. */
export type SchemaCheck = (doc: unknown) => { path: string[]; message: string }[];

// deno-lint-ignore no-explicit-any
export type Obj = Record<string, any>;

export const RESET = "\u0000lychd:reset";
export const OVERRIDE = "\u0000lychd:override";

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

export interface Ctx {
  read: ReadFile;
  schema?: SchemaCheck;
  lookup: Lookup;
  unset: Set<string>;
  home?: string;
  depth: number;
}

export interface Loaded extends Obj {
  services: Obj;
  origin: Record<string, string>;
}

/** `services.a.ports[0]`: dotted names, bracketed indexes (the Codex's own path style). */
export function fieldPath(path: (string | number)[]): string {
  return path.map((
    x,
    i,
  ) => (typeof x === "number" || /^\d+$/.test(String(x)) ? `[${x}]` : i ? `.${x}` : String(x)))
    .join("");
}

export function isObj(v: unknown): v is Obj {
  return !!v && typeof v === "object" && !Array.isArray(v);
}
