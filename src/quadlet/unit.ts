/**
 * A typed model of unit files and the one serializer: fixed section order, entries in insertion
 * order, empty values dropped, one header comment, no timestamps.
 *
 * Escaping. A value passes through Quadlet's parser and then systemd's. The value classes:
 * - `raw`: copied verbatim to the service (Description=, Image=, Volume=…). systemd expands
 *   specifiers, so `%` is written `%%`. A trailing backslash would continue the line: refused.
 * - `word`: one word of a command line (Exec=, PodmanArgs=, Environment=, Label=…). Quadlet
 *   splits these like systemd (quotes, C escapes) and re-quotes them into `ExecStart=`, where
 *   systemd expands `%` specifiers and `$` variables: `%`→`%%`, `$`→`$$`, and the word is
 *   double-quoted with `\` and `"` escaped whenever it holds anything but safe characters.
 * - `exec`: a raw value that Quadlet hands to podman as one argument inside `ExecStart=`
 *   (HealthCmd=, Entrypoint=…): `%`→`%%`, `$`→`$$`, no quoting.
 * - `plain`: names, numbers, durations: written as is, refused if they hold anything to escape.
 * Control characters never reach here (the Codex refuses them).
 *
 * Keys: a section only takes keys of its group in the key table (`keys.ts`); the value is kept
 * unescaped in the model and escaped here by the key's class, so no caller picks an escaping.
 *
 * @module
 */
import { LychdError } from "../errors.ts";
import { type Escape, escapeOf, type GroupName, type KeyOf } from "./keys.ts";

/** One `Key=value` line, value not yet escaped. */
export interface Entry {
  key: string;
  /** The value as podman/systemd must see it; an array for `words` keys (a command line). */
  value: string | string[];
  /** The Codex field it comes from, for refusals. */
  path?: string;
  /**
   * A systemd specifier expression (e.g. `%t/lychd/x.sock`) that a `words` value holds and that
   * systemd must expand: kept as is wherever it occurs, every other `%` and `$` escaped.
   */
  keep?: string;
}

/** One `[Section]`. */
export interface Section {
  name: GroupName;
  entries: Entry[];
}

/** A unit file: its name, where it goes, its sections. */
export interface UnitFile {
  /** File name, e.g. `lychd-vessel.container`. */
  name: string;
  /** `quadlet` → the Quadlet unit dir; `systemd` → the plain systemd unit dir. */
  dir: "quadlet" | "systemd";
  sections: Section[];
  /** The Codex field that asks for this file (for a refusal of its kind). */
  path?: string;
}

declare const checked: unique symbol;

/**
 * A unit file that went through `downgrade()` for a target Podman: the only thing `serialize()`
 * takes, so a file cannot reach the disk without its keys checked against their dates.
 */
export type CheckedFile = UnitFile & { readonly [checked]: string };

/** A field the target Podman cannot express, or a value that cannot be written. */
export class RenderError extends LychdError {
  override readonly name: string = "RenderError";
  constructor(readonly path: string, message: string, hint?: string) {
    super(message, { hint, place: { path } });
  }
  /** `PATH: MESSAGE (hint: …)`. */
  override oneLine(): string {
    return `${this.path}: ${super.oneLine()}`;
  }
}

/** A value that cannot be written safely. */
export class EscapeError extends LychdError {
  override readonly name: string = "EscapeError";
}

/** Characters that need no quoting in a systemd command line word. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./$-]+$/;

/** A word that needs neither quoting nor escaping: SAFE_WORD without `%` and `$`. */
const WORD_AS_IS = /^[A-Za-z0-9_@+=:,./-]+$/;

/** A value for a message: JSON-quoted, C1 controls and U+2028/U+2029 escaped too: one line. */
function show(value: string): string {
  return JSON.stringify(value).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function noControl(value: string): void {
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new EscapeError(
      `${show(value)} contains a control character`,
      "control characters are refused",
    );
  }
}

/** `%` → `%%` (systemd specifiers). */
export function escapeSpecifiers(value: string): string {
  return value.replaceAll("%", "%%");
}

/**
 * A blank at either end of a raw value: JavaScript's `\s` plus U+0085 (NEL), which Quadlet (Go's
 * `unicode.IsSpace`) trims as well.
 */
const EDGE_BLANK = /^[\s\u0085]|[\s\u0085]$/;

/**
 * A raw value that needs nothing done: no control character, `%` or `\\`, no blank at either end
 * (the common case, decided by one test; anything else takes the checks below).
 */
// deno-lint-ignore no-control-regex
const RAW_AS_IS = /^(?![\s\u0085])[^\u0000-\u001f\u007f%\\]*(?<![\s\u0085])$/;

/** The same for an `exec` value: no `$` either. */
// deno-lint-ignore no-control-regex
const EXEC_AS_IS = /^(?![\s\u0085])[^\u0000-\u001f\u007f%$\\]*(?<![\s\u0085])$/;

/** A raw value copied verbatim into the service. */
export function raw(value: string): string {
  if (RAW_AS_IS.test(value)) return value;
  noControl(value);
  if (value.endsWith("\\")) {
    throw new EscapeError(
      `${show(value)} ends with a backslash`,
      "a trailing backslash would join the next line",
    );
  }
  if (EDGE_BLANK.test(value)) {
    throw new EscapeError(
      `${show(value)} has leading or trailing spaces`,
      "unit file parsers trim them",
    );
  }
  return escapeSpecifiers(value);
}

/** A raw value that ends up as one podman argument in `ExecStart=`. */
export function execArg(value: string): string {
  if (EXEC_AS_IS.test(value)) return value;
  return raw(value).replaceAll("$", () => "$$");
}

/** One word of a command line, quoted per systemd rules. */
export function word(value: string, keep?: string): string {
  // Nothing to escape or quote (no `%`, `$`, control character or unsafe character): as is.
  if (WORD_AS_IS.test(value)) return value;
  noControl(value);
  const esc = (v: string) => v.replaceAll("%", "%%").replaceAll("$", () => "$$");
  const escaped = keep ? value.split(keep).map(esc).join(keep) : esc(value);
  if (escaped !== "" && SAFE_WORD.test(escaped)) return escaped;
  return `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** Words of a command line. */
export function words(values: string[], keep?: string): string {
  return values.map((v) => word(v, keep)).join(" ");
}

/** A name, number, duration or boolean: nothing a parser would change. */
const PLAIN = /^[A-Za-z0-9_@+=:,./\[\]-]+$/;

/** A `plain` value: refused unless it needs no escaping at all. */
export function plain(value: string): string {
  if (PLAIN.test(value)) return value; // PLAIN has no control character
  noControl(value);
  throw new EscapeError(
    `${show(value)} is not a plain name or number`,
    "use letters, digits and -_.:/@+=,",
  );
}

function escapeValue(escape: Escape, value: string | string[], keep?: string): string {
  if (escape === "words") {
    if (!Array.isArray(value)) throw new Error("a words key takes an array of words");
    return words(value, keep);
  }
  if (keep !== undefined) throw new Error(`a ${escape} key keeps no specifier`);
  if (Array.isArray(value)) throw new Error(`a ${escape} key takes one value`);
  switch (escape) {
    case "raw":
      return raw(value);
    case "exec":
      return execArg(value);
    case "word":
      return word(value);
    case "plain":
      return plain(value);
  }
}

/**
 * Serialize a unit file. `header` is the one comment line (without `# `). Every key must be in
 * the key table with an escaping class (a programming error otherwise); a value that cannot be
 * escaped is a `RenderError` naming its Codex field.
 */
export function serialize(file: CheckedFile, header: string): string {
  // The lines collected and joined once: the text is one flat string, not a tree of
  // concatenations that stays alive (and is copied by every scavenge) until it is written.
  const parts: string[] = [`# ${header}\n`];
  // Indexed loops: a cold for-of allocates an iterator result per step (≈ 110,000 lines here).
  const sections = file.sections;
  for (let s = 0; s < sections.length; s++) {
    const section = sections[s];
    const at = parts.length;
    parts.push(""); // the section's header, once it has a line
    const writers = writersOf(section.name);
    const entries = section.entries;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      const w = writers.get(e.key) ?? writerOf(writers, section.name, e.key);
      let line: string | undefined;
      if (w.lines !== undefined && typeof e.value === "string" && e.keep === undefined) {
        line = w.lines.get(e.value);
        if (line === undefined) {
          line = lineOf(file, e, w.escape);
          if (memoized < MEMO_MAX) {
            w.lines.set(e.value, line);
            memoized++;
          }
        }
      } else line = lineOf(file, e, w.escape);
      if (line !== "") parts.push(line);
    }
    if (parts.length > at + 1) parts[at] = "\n[" + section.name + "]\n";
    else parts.length = at;
  }
  return parts.join("");
}

/** `Key=value\n` with the value escaped by its class; empty for an empty value. */
function lineOf(file: CheckedFile, e: Entry, escape: Escape): string {
  let text: string;
  try {
    text = escapeValue(escape, e.value, e.keep);
  } catch (err) {
    if (err instanceof EscapeError) {
      throw new RenderError(e.path ?? `${file.name} ${e.key}=`, err.message, err.hint);
    }
    throw err;
  }
  return text === "" ? "" : e.key + "=" + text + "\n";
}

/**
 * How one key is written: its escaping class, looked up in the key table once; for a `plain` key
 * (names, numbers: the unit names of `Conflicts=` and `After=` repeat thousands of times) its
 * lines by value, each escaped and built once.
 */
interface KeyWriter {
  escape: Escape;
  lines?: Map<string, string>;
}

const WRITERS = new Map<string, Map<string, KeyWriter>>();

/** Lines kept in the `plain` memo, over all keys (a bound for a long-lived process). */
let memoized = 0;
const MEMO_MAX = 100_000;

function writersOf(group: string): Map<string, KeyWriter> {
  let m = WRITERS.get(group);
  if (!m) WRITERS.set(group, m = new Map());
  return m;
}

function writerOf(writers: Map<string, KeyWriter>, group: string, key: string): KeyWriter {
  const escape = escapeOf(group, key);
  if (!escape) throw new Error(`lychd bug: [${group}] ${key}= is not a writable key of the table`);
  const w: KeyWriter = escape === "plain" ? { escape, lines: new Map() } : { escape };
  writers.set(key, w);
  return w;
}

/** Build a section of a table group: only that group's keys are accepted. */
export class SectionBuilder<G extends GroupName> {
  readonly entries: Entry[] = [];
  constructor(readonly name: G) {}
  /**
   * Append `key=value` unless value is undefined/empty/false (`true` → `"true"`); `path` is the
   * Codex field, for refusals.
   */
  add(key: KeyOf<G>, value: string | number | boolean | string[] | undefined, path?: string): this {
    if (value === undefined || value === false || value === "") return this;
    if (Array.isArray(value) && !value.length) return this;
    const v = Array.isArray(value) ? value : value === true ? "true" : String(value);
    this.entries.push(path === undefined ? { key, value: v } : { key, value: v, path });
    return this;
  }
  /**
   * Append a command line (a `words` key) holding the systemd specifier expression `keep`, which
   * stays unescaped so systemd expands it; every other `%` and `$` is escaped as usual.
   */
  addCommand(key: KeyOf<G>, argv: string[], keep: string, path?: string): this {
    if (!/^%[a-zA-Z][A-Za-z0-9_./-]*$/.test(keep)) {
      throw new Error(`lychd bug: ${keep} is not a specifier path`);
    }
    this.entries.push({ key, value: argv, keep, ...(path === undefined ? {} : { path }) });
    return this;
  }
  /** Append one line per value. */
  addAll(key: KeyOf<G>, values: Iterable<string>, path?: string): this {
    // `add` for each, inlined (Conflicts= of a stone takes hundreds): empty values skipped. An
    // array by index: a cold for-of allocates an iterator result per step.
    if (Array.isArray(values)) {
      for (let i = 0; i < values.length; i++) this.#push(key, values[i], path);
    } else for (const v of values) this.#push(key, v, path);
    return this;
  }
  /**
   * Append `key=name=value` for each entry of a table (`env`, `labels`…), with the path
   * `<path>.<name>`; nothing for an absent table.
   */
  addTable(key: KeyOf<G>, table: Record<string, string | number> | undefined, path: string): this {
    if (table === undefined) return this;
    const names = Object.keys(table);
    for (let i = 0; i < names.length; i++) {
      const k = names[i];
      this.add(key, `${k}=${table[k]}`, `${path}.${k}`);
    }
    return this;
  }
  #push(key: string, v: string, path: string | undefined): void {
    if (v === undefined || v === "") return;
    this.entries.push(path === undefined ? { key, value: v } : { key, value: v, path });
  }
  build(): Section {
    return { name: this.name, entries: this.entries };
  }
}
