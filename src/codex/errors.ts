/**
 * Errors about the Codex: each names the file, the field path, where known the line:column, and a
 * hint. `format()` gives the one line lychd prints.
 *
 * @module
 */
import { LychdError } from "../errors.ts";
export { didYouMean, distance } from "../similar.ts";

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
export class CodexError extends LychdError {
  override readonly name: string = "CodexError";
  readonly issues: CodexIssue[];
  /** `message` is the headline issue formatted (its hint included); `place` is where it sits. */
  constructor(readonly file: string, issues: CodexIssue[]) {
    const { path, line, column } = issues[0];
    super(formatIssue(file, issues[0]), { place: { file, path, line, column } });
    this.issues = issues;
  }

  /** The one line for stderr: `FILE:LINE:COL: PATH: MESSAGE (hint: …)`, plus a count of the rest. */
  override oneLine(): string {
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
