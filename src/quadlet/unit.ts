/**
 * A typed model of unit files and the one serializer: fixed section order, entries in insertion
 * order, empty values dropped, one header comment, no timestamps.
 *
 * Escaping. A value passes through Quadlet's parser and then systemd's. Three value classes:
 * - `raw`: copied verbatim to the service (Description=, Image=, Volume=…). systemd expands
 *   specifiers, so `%` is written `%%`. A trailing backslash would continue the line: refused.
 * - `word`: one word of a command line (Exec=, PodmanArgs=, Environment=, Label=…). Quadlet
 *   splits these like systemd (quotes, C escapes) and re-quotes them into `ExecStart=`, where
 *   systemd expands `%` specifiers and `$` variables: `%`→`%%`, `$`→`$$`, and the word is
 *   double-quoted with `\` and `"` escaped whenever it holds anything but safe characters.
 * - `exec`: a raw value that Quadlet hands to podman as one argument inside `ExecStart=`
 *   (HealthCmd=, Entrypoint=…): `%`→`%%`, `$`→`$$`, no quoting.
 * Control characters never reach here (the Codex refuses them).
 *
 * @module
 */

/** One `Key=value` line. */
export interface Entry {
  key: string;
  value: string;
}

/** One `[Section]`. */
export interface Section {
  name: string;
  entries: Entry[];
}

/** A unit file: its name, where it goes, its sections. */
export interface UnitFile {
  /** File name, e.g. `lychd-vessel.container`. */
  name: string;
  /** `quadlet` → the Quadlet unit dir; `systemd` → the plain systemd unit dir. */
  dir: "quadlet" | "systemd";
  sections: Section[];
}

/** A value that cannot be written safely. */
export class EscapeError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
    this.name = "EscapeError";
  }
}

/** Characters that need no quoting in a systemd command line word. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./$-]+$/;

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

/** A raw value copied verbatim into the service. */
export function raw(value: string): string {
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
  return raw(value).replaceAll("$", () => "$$");
}

/** One word of a command line, quoted per systemd rules. */
export function word(value: string): string {
  noControl(value);
  const escaped = value.replaceAll("%", "%%").replaceAll("$", () => "$$");
  if (escaped !== "" && SAFE_WORD.test(escaped)) return escaped;
  return `"${escaped.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

/** Words of a command line. */
export function words(values: string[]): string {
  return values.map(word).join(" ");
}

/** Serialize a unit file. `header` is the one comment line (without `# `). */
export function serialize(file: UnitFile, header: string): string {
  const out: string[] = [`# ${header}`];
  for (const section of file.sections) {
    const entries = section.entries.filter((e) => e.value !== "");
    if (!entries.length) continue;
    out.push("", `[${section.name}]`);
    for (const e of entries) out.push(`${e.key}=${e.value}`);
  }
  return out.join("\n") + "\n";
}

/** Build a section with a fluent `add`. */
export class SectionBuilder {
  readonly entries: Entry[] = [];
  constructor(readonly name: string) {}
  /** Append `key=value` unless value is undefined/empty/false. */
  add(key: string, value: string | number | boolean | undefined): this {
    if (value === undefined || value === false || value === "") return this;
    this.entries.push({ key, value: value === true ? "true" : String(value) });
    return this;
  }
  /** Append one line per value. */
  addAll(key: string, values: Iterable<string>): this {
    for (const v of values) this.add(key, v);
    return this;
  }
  build(): Section {
    return { name: this.name, entries: this.entries };
  }
}
