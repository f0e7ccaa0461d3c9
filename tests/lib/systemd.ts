/**
 * Test helpers that read what the real Quadlet generator printed: split `-dryrun` output into
 * units, read a unit's `[Section]` / `Key` sequence, and unescape an `ExecStart=` line the way
 * systemd does (quotes, C escapes, `%%`, `$$`).
 *
 * @module
 */

/** `---name.service---` blocks of `quadlet -dryrun` output → name → text. */
export function splitDryrun(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /^---(.+)---$/gm;
  const marks = [...stdout.matchAll(re)];
  marks.forEach((m, i) => {
    const end = i + 1 < marks.length ? marks[i + 1].index! : stdout.length;
    out.set(m[1], stdout.slice(m.index! + m[0].length + 1, end));
  });
  return out;
}

/** The value of the last `Key=` in a unit text (section-agnostic). */
export function lastValue(unit: string, key: string): string | undefined {
  const lines = unit.split("\n").filter((l) => l.startsWith(`${key}=`));
  return lines.length ? lines[lines.length - 1].slice(key.length + 1) : undefined;
}

/** `[Section]` / `Key` sequence of a unit text; anything else (but comments, blanks) is an error. */
export function keySequence(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    if (/^\[[^\]]+\]$/.test(line)) out.push(line);
    else {
      const m = /^([A-Za-z0-9-]+)=/.exec(line);
      if (!m) throw new Error(`not a key line: ${JSON.stringify(line)}`);
      out.push(m[1]);
    }
  }
  return out;
}

const C_ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
  '"': '"',
  "'": "'",
  s: " ",
};

/**
 * Split a command line into words like systemd's `ExecStart=` (extract_first_word with
 * EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE), then undo `%%` and `$$` (no other specifiers or variables
 * may appear: a lone `%` or `$` throws, since lychd must never emit one).
 */
export function execWords(line: string): string[] {
  return execWordsRaw(line).map(unspecify);
}

/**
 * Split a command line into words like `execWords`, but leave `%` and `$` as written (for
 * callers that must tell an escaped `%%h` from a specifier `%h`).
 */
export function execWordsRaw(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && (line[i] === " " || line[i] === "\t")) i++;
    if (i >= n) break;
    let w = "";
    let quote: string | undefined;
    for (; i < n; i++) {
      const c = line[i];
      if (quote) {
        if (c === quote) {
          quote = undefined;
          continue;
        }
      } else if (c === '"' || c === "'") {
        quote = c;
        continue;
      } else if (c === " " || c === "\t") break;
      if (c === "\\") {
        const d = line[++i];
        if (d === "x") {
          w += String.fromCharCode(parseInt(line.slice(i + 1, i + 3), 16));
          i += 2;
        } else if (d === "u") {
          w += String.fromCodePoint(parseInt(line.slice(i + 1, i + 5), 16));
          i += 4;
        } else if (d === "U") {
          w += String.fromCodePoint(parseInt(line.slice(i + 1, i + 9), 16));
          i += 8;
        } else if (d !== undefined && d in C_ESCAPES) w += C_ESCAPES[d];
        else if (d !== undefined && /[0-7]/.test(d)) {
          w += String.fromCharCode(parseInt(line.slice(i, i + 3), 8));
          i += 2;
        } else throw new Error(`bad escape \\${d} in ${line}`);
        continue;
      }
      w += c;
    }
    if (quote) throw new Error(`unterminated quote in ${line}`);
    words.push(w);
  }
  return words;
}

function unspecify(w: string): string {
  let out = "";
  for (let i = 0; i < w.length; i++) {
    const c = w[i];
    if (c === "%" || c === "$") {
      if (w[i + 1] === c) {
        out += c;
        i++;
        continue;
      }
      if (c === "%" && /[ntNhH]/.test(w[i + 1] ?? "")) {
        out += `%${w[i + 1]}`; // Quadlet's own specifiers (%t/%N.cid, systemd-%N): kept symbolic
        i++;
        continue;
      }
      throw new Error(`unescaped ${c} in word ${JSON.stringify(w)}`);
    }
    out += c;
  }
  return out;
}

/** Find `flag value` pairs (or `flag=value`) in a word list. */
export function flagValues(words: string[], flag: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (words[i] === flag && i + 1 < words.length) out.push(words[++i]);
    else if (words[i].startsWith(`${flag}=`)) out.push(words[i].slice(flag.length + 1));
  }
  return out;
}
