/**
 * Errors about the Codex: each names the file, the field path, where known the line:column, and a
 * hint. `format()` gives the one line lychd prints.
 *
 * @module
 */

/** Where a problem sits in the Codex. */
export interface CodexIssue {
  /** Dotted field path, e.g. `soulstones.vllm.memory` (empty for the whole file). */
  path: string;
  message: string;
  hint?: string;
  line?: number;
  column?: number;
}

/** One or more problems in a Codex; the first (in document order) is the headline. */
export class CodexError extends Error {
  readonly issues: CodexIssue[];
  constructor(readonly file: string, issues: CodexIssue[]) {
    super(formatIssue(file, issues[0]));
    this.name = "CodexError";
    this.issues = issues;
  }

  /** The one line for stderr: `FILE:LINE:COL: PATH: MESSAGE (hint: …)`, plus a count of the rest. */
  oneLine(): string {
    const more = this.issues.length - 1;
    return more > 0 ? `${this.message} [+${more} more: lychd check --json]` : this.message;
  }
}

/** Format one issue as `FILE:LINE:COL: PATH: MESSAGE (hint: …)`. */
export function formatIssue(file: string, issue: CodexIssue): string {
  const where = issue.line ? `${file}:${issue.line}:${issue.column ?? 1}` : file;
  const path = issue.path ? `${issue.path}: ` : "";
  const hint = issue.hint ? ` (hint: ${issue.hint})` : "";
  return `${where}: ${path}${issue.message}${hint}`;
}

/** Quote a value for a message, JSON style, truncated. Control characters come out escaped. */
export function q(value: unknown): string {
  const s = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  // JSON escapes U+0000-U+001F but not DEL, the C1 controls and the line/paragraph separators.
  const quoted = JSON.stringify(s).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return quoted.length > 82 ? quoted.slice(0, 78) + '…"' : quoted;
}

/**
 * Edit distance for did-you-mean hints: Levenshtein plus the transposition of two adjacent
 * letters ("imgae" → "image" is one edit), i.e. the optimal string alignment distance.
 */
export function distance(a: string, b: string): number {
  const d: number[][] = Array.from(
    { length: a.length + 1 },
    (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/** The closest candidate within a small edit distance, if any. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD || (d === bestD && best !== undefined && c < best)) {
      best = c;
      bestD = d;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  return bestD <= limit ? best : undefined;
}
