/**
 * TOML syntax errors in lychd's words. smol-toml (the parser) says what went wrong in its own
 * terms ("control characters are not allowed in strings" for a string left open at the end of a
 * line, "trying to redefine an already defined table or value" without naming the key); this
 * module maps each of its messages to a sentence a user can act on, at the position that
 * matters (the opening quote, the second definition), naming the key and where it was first set.
 *
 * It also holds lychd to TOML 1.0 where smol-toml is more lenient: a newline or a trailing comma
 * inside an inline table (`{ … }`) is refused. No npm TOML parser here offers a strict 1.0 mode,
 * so this is a small scanner (strings, comments and brackets only) over text that has already
 * parsed; it does not parse values. Pure: no runtime effects.
 *
 * @module
 */
import { indexToml, splitKey } from "./locate.ts";

/** One syntax problem: what, where (1-based) and what to do. */
export interface SyntaxProblem {
  message: string;
  hint?: string;
  line: number;
  column: number;
}

const SPEC = "see https://toml.io/en/v1.0.0";

/** Offset of 1-based `line`:`column` (lines split at `\n`; a `\r` before it is not counted). */
function offsetOf(text: string, line: number, column: number): number {
  let at = 0;
  for (let n = 1; n < line; n++) {
    const nl = text.indexOf("\n", at);
    if (nl < 0) return text.length;
    at = nl + 1;
  }
  return at + column - 1;
}

function lineText(text: string, line: number): string {
  return (text.split("\n")[line - 1] ?? "").replace(/\r$/, "");
}

/** Column (1-based) of the quote that opens a string left unclosed on `line`, if any. */
function openQuote(line: string): number | undefined {
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === "#") return undefined;
    if (c === '"' || c === "'") {
      const start = i;
      i++;
      while (i < line.length && line[i] !== c) i += c === '"' && line[i] === "\\" ? 2 : 1;
      if (i >= line.length) return start + 1;
    }
    i++;
  }
  return undefined;
}

/** The table header in force at `line` (the last `[x]` / `[[x]]` above it). */
function tableAt(text: string, line: number): string[] {
  const lines = text.split("\n");
  for (let n = line - 2; n >= 0; n--) {
    const m = /^\s*\[\[?([^\]]*)\]/.exec(lines[n]);
    if (m) return splitKey(m[1]) ?? [];
  }
  return [];
}

/** The dotted key written at `offset` (up to `=` or a bracket), split; undefined when odd. */
function keyAt(text: string, offset: number, stop: RegExp): string[] | undefined {
  const rest = text.slice(offset);
  const end = rest.search(stop);
  return splitKey(end < 0 ? rest : rest.slice(0, end));
}

const dot = (path: string[]) =>
  path.map((p) => (/^[A-Za-z0-9_-]+$/.test(p) ? p : JSON.stringify(p))).join(".");

function redefinition(text: string, line: number, column: number, raw: string): SyntaxProblem {
  const offset = offsetOf(text, line, column);
  const index = indexToml(text);
  const before = (path: string[]) =>
    index.find((e) =>
      e.line < line && e.path.length === path.length && e.path.every((p, i) => p === path[i])
    );
  // A table header: smol-toml points just after "[" (or "[[").
  if (text[offset - 1] === "[") {
    const open = text[offset - 2] === "[" ? 2 : 1;
    const path = keyAt(text, offset, /\]/);
    if (path) {
      const first = before(path);
      const where = first ? ` (first at ${first.line}:${first.column})` : "";
      const isHeader = first && /^\s*\[/.test(first.text);
      return {
        message: isHeader || !first
          ? `table [${dot(path)}] is defined twice${where}`
          : `table [${dot(path)}] redefines ${JSON.stringify(dot(path))}, already set${where}`,
        hint: "merge the two tables into one",
        line,
        column: column - open,
      };
    }
  }
  // A key inside an inline table: prefix it with the key its line sets.
  if (/already defined value$/.test(raw)) {
    const inner = keyAt(text, offset, /\s*=/);
    const outer = index.filter((e) => e.line === line && !/^\s*\[/.test(e.text)).pop();
    if (inner) {
      const path = [...(outer?.path ?? tableAt(text, line)), ...inner];
      return {
        message: `duplicate key ${JSON.stringify(dot(path))}`,
        hint: "keep one of them: a key is set once per table",
        line,
        column,
      };
    }
  }
  const key = keyAt(text, offset, /\s*=/);
  if (key) {
    const path = [...tableAt(text, line), ...key];
    const first = before(path);
    if (first) {
      return {
        message: `duplicate key ${JSON.stringify(dot(path))} (first set at ${first.line}:${first.column})`,
        hint: "keep one of them: a key is set once per table",
        line,
        column,
      };
    }
    for (let n = path.length - 1; n > 0; n--) {
      const done = before(path.slice(0, n));
      if (done) {
        return {
          message: `${JSON.stringify(dot(path))} adds to ${
            JSON.stringify(dot(path.slice(0, n)))
          }, already complete at ${done.line}:${done.column}`,
          hint: `put every key of ${
            JSON.stringify(dot(path.slice(0, n)))
          } in one place (its { } or one [table])`,
          line,
          column,
        };
      }
    }
    return { message: `duplicate key ${JSON.stringify(dot(path))}`, hint: "keep one of them", line, column };
  }
  return { message: "a key or table is defined twice", hint: "keep one of them", line, column };
}

/** Map one smol-toml error (its first message line, its line and column) to lychd's words. */
export function tomlSyntaxProblem(text: string, raw: string, line: number, column: number): SyntaxProblem {
  const msg = raw.replace(/^Invalid TOML document: /, "").split("\n")[0];
  const offset = offsetOf(text, line, column);
  const here = (message: string, hint?: string): SyntaxProblem => ({ message, hint, line, column });
  const stringHint = 'end it with " on the same line, or use """…""" for text over several lines';
  if (msg === "control characters are not allowed in strings") {
    const c = text[offset];
    if (c === "\n" || c === "\r" || c === undefined) {
      const open = openQuote(lineText(text, line));
      const quote = open ? lineText(text, line)[open - 1] : '"';
      return {
        message: `unterminated string: the ${quote} opened here is not closed on its line`,
        hint: quote === "'" ? stringHint.replaceAll('"', "'") : stringHint,
        line,
        column: open ?? column,
      };
    }
    const code = c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    return here(
      `a control character (U+${code}) inside a string`,
      "write it as an escape (\\t, \\n, \\u0007) or remove it",
    );
  }
  if (msg === "unfinished string") {
    const q = text[offset] === "'" ? "'" : '"';
    return here(`unterminated string: the ${q} opened here is never closed`, stringHint);
  }
  if (/^trying to redefine an already defined/.test(msg)) return redefinition(text, line, column, msg);
  if (msg === "each key-value declaration must be followed by an end-of-line") {
    return here(
      "expected the end of the line after this value",
      "one `key = value` per line; quote strings; anything after a value must be a # comment",
    );
  }
  if (msg === "invalid value") {
    const word = /^[^\s,\]}#]*/.exec(text.slice(offset))?.[0] ?? "";
    if (!word) {
      const prev = /(\S)\s*$/.exec(text.slice(0, offset))?.[1];
      if (prev === ",") return here('a value is missing after ","', "remove the extra comma");
      return here('a value is missing after "="', 'e.g. version = 1, or name = "text"');
    }
    return here(
      `${JSON.stringify(word)} is not a TOML value`,
      `strings need quotes: ${JSON.stringify(word)}; true/false, numbers, [arrays] and { tables } are bare`,
    );
  }
  if (msg === "incomplete key-value: cannot find end of key") {
    return here('expected "=" after this key', "write `key = value` on one line");
  }
  if (msg === "unfinished table") {
    return here("the inline table { opened here is not closed", "close it with } on the same line");
  }
  if (msg === "unfinished array") return here("the array [ opened here is not closed", "close it with ]");
  if (msg === "expected comma or end of structure") {
    // An inline table left open at the end of its line: the newline is the error in TOML 1.0.
    const open = toml10Problem(text.slice(0, offset));
    if (open) return open;
    return here('expected "," or the closing bracket here', "separate items with one comma");
  }
  if (msg === "expected end of table array declaration") {
    return here('expected "]]" to close the [[table]] header', SPEC);
  }
  if (/^(illegal character in key|illegal empty bare key|unexpected end of key)$/.test(msg)) {
    const header = /^\s*\[/.test(lineText(text, line));
    return here(
      header ? "this table header is not closed or holds an invalid key" : "this is not a valid key",
      header
        ? 'write [name] with a closing ]; quote keys with other characters: ["a b"]'
        : 'bare keys use A-Z a-z 0-9 _ -; quote any other: "a b" = 1',
    );
  }
  if (msg === "control characters are not allowed in comments") {
    return here("a control character inside a comment", "remove it");
  }
  if (/numeric|leading zero|underscore|losslessly/.test(msg)) {
    return here(
      `not a valid number (${msg})`,
      "write numbers like 8000 or 1.5, or quote the value as a string",
    );
  }
  if (/date/.test(msg)) return here(`not a valid date-time (${msg})`, "quote it if it is meant as text");
  if (/escape/.test(msg)) {
    return here(
      `${msg.replace(/^unrecognised/, "unknown")} in a string`,
      "valid escapes: \\\" \\\\ \\n \\t \\uXXXX; for paths and patterns use a 'literal string'",
    );
  }
  return here(msg, SPEC);
}

/**
 * Where text that smol-toml accepted breaks TOML 1.0: a newline, or a trailing comma, directly
 * inside an inline table. Newlines inside a value within it (an array, a multi-line string) are
 * allowed, as TOML 1.0 allows them. Undefined when there is none.
 */
export function toml10Problem(text: string): SyntaxProblem | undefined {
  if (!text.includes("{")) return undefined;
  const stack: string[] = [];
  let line = 1;
  let lineStart = 0;
  const at = (i: number, message: string, hint: string): SyntaxProblem => ({
    message,
    hint,
    line,
    column: i - lineStart + 1,
  });
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") {
      if (stack[stack.length - 1] === "{") {
        const col = i > lineStart && text[i - 1] === "\r" ? i - 1 : i;
        return at(
          col,
          "a newline inside an inline table",
          "TOML 1.0 inline tables are one line: put it on one line, or use a [table] section",
        );
      }
      line++;
      lineStart = i + 1;
    } else if (c === "#") {
      while (i + 1 < text.length && text[i + 1] !== "\n") i++;
    } else if (c === '"' || c === "'") {
      const three = c.repeat(3);
      const triple = text.startsWith(three, i);
      let j = i + (triple ? 3 : 1);
      while (j < text.length) {
        if (c === '"' && text[j] === "\\") j += 2;
        else if (triple ? text.startsWith(three, j) : text[j] === c) break;
        else {
          if (text[j] === "\n") {
            line++;
            lineStart = j + 1;
          }
          j++;
        }
      }
      if (triple) {
        while (text[j + 3] === c) j++; // up to two quotes of the content may touch the closing ones
        j += 2;
      }
      i = j;
    } else if (c === "[" || c === "{") stack.push(c);
    else if (c === "]" || c === "}") stack.pop();
    else if (c === "," && stack[stack.length - 1] === "{") {
      let k = i + 1;
      while (text[k] === " " || text[k] === "\t") k++;
      if (text[k] === "}") {
        return at(i, "a trailing comma in an inline table", "TOML 1.0 allows no comma before the closing }");
      }
    }
  }
  return undefined;
}
