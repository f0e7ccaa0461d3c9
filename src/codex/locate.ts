/**
 * Finds where a field path is written in TOML text, for line:column in error messages. TOML
 * parsers give positions only for syntax errors; schema errors need this small index of table
 * headers and keys. Best effort: a path it cannot place gets no position.
 *
 * @module
 */

/** A position, 1-based. */
export interface Position {
  line: number;
  column: number;
}

/** Split a dotted TOML key (`a."b.c".d`) into its parts. Returns undefined on anything odd. */
export function splitKey(src: string): string[] | undefined {
  const parts: string[] = [];
  let i = 0;
  const s = src.trim();
  while (i < s.length) {
    while (s[i] === " " || s[i] === "\t") i++;
    let part = "";
    if (s[i] === '"' || s[i] === "'") {
      const quote = s[i++];
      while (i < s.length && s[i] !== quote) {
        if (quote === '"' && s[i] === "\\") i++;
        part += s[i++];
      }
      if (s[i] !== quote) return undefined;
      i++;
    } else {
      const m = /^[A-Za-z0-9_-]+/.exec(s.slice(i));
      if (!m) return undefined;
      part = m[0];
      i += part.length;
    }
    parts.push(part);
    while (s[i] === " " || s[i] === "\t") i++;
    if (i < s.length) {
      if (s[i] !== ".") return undefined;
      i++;
    }
  }
  return parts.length ? parts : undefined;
}

interface Entry {
  path: string[];
  line: number;
  column: number;
  text: string;
}

/** Index every table header and `key =` line of a TOML document. */
export function indexToml(text: string): Entry[] {
  const out: Entry[] = [];
  let table: string[] = [];
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n];
    const line = raw.replace(/\r$/, "");
    const trimmed = line.trimStart();
    const indent = line.length - trimmed.length;
    if (trimmed.startsWith("[")) {
      const m = /^\[\[?([^\]]*)\]\]?/.exec(trimmed);
      const key = m ? splitKey(m[1]) : undefined;
      if (key) {
        table = key;
        out.push({ path: key, line: n + 1, column: indent + 1, text: line });
      }
      continue;
    }
    const eq = /^((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_.\- \t])+?)\s*=/.exec(trimmed);
    if (eq) {
      const key = splitKey(eq[1]);
      if (key) out.push({ path: [...table, ...key], line: n + 1, column: indent + 1, text: line });
    }
  }
  return out;
}

/**
 * The position of the longest written prefix of `path` (array indexes are skipped). When the
 * path goes deeper than the matched line (an inline table), the column points at the inner key.
 */
export function locate(index: Entry[], path: (string | number)[]): Position | undefined {
  const keys = path.filter((p): p is string => typeof p === "string");
  let best: Entry | undefined;
  let bestLen = 0;
  for (const e of index) {
    if (e.path.length > keys.length || e.path.length <= bestLen) continue;
    if (e.path.every((p, i) => p === keys[i])) {
      best = e;
      bestLen = e.path.length;
    }
  }
  if (!best) {
    // A path written only deeper (an unknown table `[soulstone.vllm]` for "soulstone"): its first line.
    const deeper = index.find((e) => e.path.length > keys.length && keys.every((k, i) => e.path[i] === k));
    return deeper && keys.length ? { line: deeper.line, column: deeper.column } : undefined;
  }
  let column = best.column;
  for (const inner of keys.slice(bestLen)) {
    const at = best.text.indexOf(inner, column);
    if (at < 0) break;
    column = at + 1;
  }
  return { line: best.line, column };
}
