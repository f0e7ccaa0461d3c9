/**
 * The three small grammars of a Compose project, written by hand because no npm package
 * implements compose's exact rules (a shell-quote library expands `$`, treats `#` as a comment
 * and joins operators, none of which compose does):
 *
 * - interpolation (12-interpolation.md: `${V}`, `$V`, `${V:-d}`, `${V-d}`, `${V:?e}`, `${V?e}`,
 *   `${V:+r}`, `${V+r}`, `$$`, nested defaults);
 * - `.env` / `env_file` files (compose-go's dotenv: `export`, quotes, ` #` comments, interpolation
 *   of unquoted and double-quoted values, none of single-quoted ones);
 * - `command:` / `entrypoint:` strings, split like compose-go (mattn/go-shellwords `Parse` with no
 *   environment or backtick expansion: blanks split, quotes group, `\` escapes outside single
 *   quotes). go-shellwords silently STOPS at an unquoted `;`, `&`, `|`, `<` or `>`: that silent cut
 *   is refused here with a hint instead.
 *
 * Pure: no `Deno.*`.
 *
 * @module
 */
import { LychdError } from "../errors.ts";

import { ENV_NAME_PART } from "../codex/grammar.ts";

/** A failure of one of the grammars; the caller adds file and field. */
export class GrammarError extends LychdError {
  override readonly name: string = "GrammarError";
}

/** Variable lookup: `undefined` means unset (empty string is set). */
export type Lookup = (name: string) => string | undefined;

const NAME = new RegExp(`^${ENV_NAME_PART}`);
/** A `.env` key as compose-go reads it: a variable name that may also hold "." and "-". */
const DOTENV_KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Interpolate one string. `unset` collects the names of variables that were used with no value
 * and no default (compose warns and substitutes "").
 */
export function interpolate(input: string, lookup: Lookup, unset: Set<string> = new Set()): string {
  let out = "";
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (c !== "$") {
      out += c;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === "$") {
      out += "$";
      i += 2;
      continue;
    }
    if (next === "{") {
      const end = closingBrace(input, i + 2);
      if (end < 0) {
        throw new GrammarError(
          `unclosed "\${" in ${JSON.stringify(input)}`,
          'close it with "}", or write "$$" for a literal "$"',
        );
      }
      out += braced(input.slice(i + 2, end), lookup, unset, input);
      i = end + 1;
      continue;
    }
    const m = NAME.exec(input.slice(i + 1));
    if (!m) {
      throw new GrammarError(
        `invalid interpolation "$${next ?? ""}" in ${JSON.stringify(input)}`,
        'write "$$" for a literal "$"',
      );
    }
    const v = lookup(m[0]);
    if (v === undefined) unset.add(m[0]);
    out += v ?? "";
    i += 1 + m[0].length;
  }
  return out;
}

function closingBrace(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    if (s[i] === "$" && s[i + 1] === "$") {
      i++;
      continue;
    }
    if (s[i] === "$" && s[i + 1] === "{") {
      depth++;
      i++;
    } else if (s[i] === "}") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function braced(body: string, lookup: Lookup, unset: Set<string>, whole: string): string {
  const m = NAME.exec(body);
  if (!m) {
    throw new GrammarError(
      `invalid interpolation "\${${body}}" in ${JSON.stringify(whole)}`,
      "a variable name is letters, digits and _, not starting with a digit",
    );
  }
  const name = m[0];
  const rest = body.slice(name.length);
  const v = lookup(name);
  if (rest === "") {
    if (v === undefined) unset.add(name);
    return v ?? "";
  }
  const op = /^(:?[-?+])/.exec(rest);
  if (!op) {
    throw new GrammarError(
      `invalid interpolation "\${${body}}" in ${JSON.stringify(whole)}`,
      "use ${V}, ${V:-default}, ${V-default}, ${V:?error}, ${V?error}, ${V:+alt} or ${V+alt}",
    );
  }
  const arg = rest.slice(op[1].length);
  const colon = op[1].startsWith(":");
  const present = colon ? v !== undefined && v !== "" : v !== undefined;
  switch (op[1].slice(-1)) {
    case "-":
      return present ? v! : interpolate(arg, lookup, unset);
    case "+":
      return present ? interpolate(arg, lookup, unset) : "";
    default: {
      if (present) return v!;
      const msg = interpolate(arg, lookup, unset);
      throw new GrammarError(
        `required variable ${name} is ${v === undefined ? "not set" : "empty"}${msg ? `: ${msg}` : ""}`,
        `set ${name} in the environment, the project's .env, or pass --env-file`,
      );
    }
  }
}

/**
 * Parse a dotenv file (compose's `.env` and `env_file`). Values may use variables set earlier in
 * the file or in `lookup`. Returns the variables in file order.
 */
export function parseDotenv(
  text: string,
  lookup: Lookup,
  unset: Set<string> = new Set(),
): Map<string, string> {
  const out = new Map<string, string>();
  const look: Lookup = (n) => out.get(n) ?? lookup(n);
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  for (let li = 0; li < lines.length; li++) {
    let line = lines[li].trim();
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("export ")) line = line.slice(7).trim();
    const eq = line.indexOf("=");
    if (eq < 0) {
      // A bare name takes its value from the environment (compose-go); unset → skipped.
      const n = line.trim();
      if (!DOTENV_KEY.test(n)) {
        throw new GrammarError(`line ${li + 1}: ${JSON.stringify(line)} is not KEY=VALUE`);
      }
      const v = lookup(n);
      if (v !== undefined) out.set(n, v);
      continue;
    }
    const key = line.slice(0, eq).trim();
    if (!DOTENV_KEY.test(key)) {
      throw new GrammarError(`line ${li + 1}: ${JSON.stringify(key)} is not a variable name`);
    }
    let rest = line.slice(eq + 1).trimStart();
    let value: string;
    const q = rest[0];
    if (q === "'" || q === '"') {
      // Quoted values may span lines.
      let body = rest.slice(1);
      let end = findQuote(body, q);
      while (end < 0 && li + 1 < lines.length) {
        li++;
        body += "\n" + lines[li];
        end = findQuote(body, q);
      }
      if (end < 0) throw new GrammarError(`line ${li + 1}: unterminated ${q} quote for ${key}`);
      const raw = body.slice(0, end);
      if (q === "'") value = raw;
      else value = interpolate(unescapeDouble(raw), look, unset);
    } else {
      const hash = rest.search(/\s#/);
      if (hash >= 0) rest = rest.slice(0, hash);
      value = interpolate(rest.trim(), look, unset);
    }
    out.set(key, value);
  }
  return out;
}

function findQuote(s: string, q: string): number {
  for (let i = 0; i < s.length; i++) {
    if (q === '"' && s[i] === "\\") {
      i++;
      continue;
    }
    if (s[i] === q) return i;
  }
  return -1;
}

function unescapeDouble(s: string): string {
  return s.replace(
    /\\(.)/g,
    (_, c: string) => ({ n: "\n", r: "\r", t: "\t" } as Record<string, string>)[c] ?? c,
  );
}

/** Split a `command:`/`entrypoint:` string into words as compose does. */
export function splitCommand(s: string): string[] {
  const words: string[] = [];
  let buf = "";
  let got = false;
  let single = false;
  let double = false;
  let escaped = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (escaped) {
      buf += c;
      escaped = false;
      got = true;
      continue;
    }
    if (c === "\\" && !single) {
      escaped = true;
      continue;
    }
    if (!single && !double && (c === " " || c === "\t" || c === "\n" || c === "\r")) {
      if (got) words.push(buf);
      buf = "";
      got = false;
      continue;
    }
    if (c === "'" && !double) {
      single = !single;
      got = true;
      continue;
    }
    if (c === '"' && !single) {
      double = !double;
      got = true;
      continue;
    }
    if (!single && !double && ";&|<>".includes(c)) {
      throw new GrammarError(
        `compose would cut ${JSON.stringify(s)} at the unquoted ${
          JSON.stringify(c)
        } (it does not run a shell)`,
        'write it as a list, e.g. ["sh", "-c", "…"], or quote the operator',
      );
    }
    buf += c;
    got = true;
  }
  if (single || double || escaped) {
    throw new GrammarError(`unterminated quote or escape in ${JSON.stringify(s)}`);
  }
  if (got) words.push(buf);
  return words;
}
