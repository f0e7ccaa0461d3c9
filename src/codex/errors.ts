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
  const quoted = JSON.stringify(s);
  return quoted.length > 82 ? quoted.slice(0, 78) + '…"' : quoted;
}

/** Levenshtein distance, for did-you-mean hints. */
export function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length];
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
