/**
 * Terminal output helpers: warnings, colour (only on a TTY and never with NO_COLOR), tables that
 * fit the terminal, relative times, and a progress line.
 *
 * @module
 */
import type { Flags } from "./command.ts";
import type { Host } from "../host/host.ts";
import { type Warning, warningLine } from "../warnings.ts";

/** Print warnings to stderr unless --quiet, each as `warningLine()` words it. */
export function warnAll(host: Host, flags: Flags, warnings: readonly Warning[]): void {
  if (flags.quiet === true) return;
  for (const w of warnings) host.stderr.write(`lychd: warning: ${warningLine(w)}\n`);
}

/** Print a note (`lychd: …`) to stderr unless --quiet. */
export function note(host: Host, flags: Flags, line: string): void {
  if (flags.quiet !== true) host.stderr.write(`lychd: ${line}\n`);
}

/** Whether to colour a stream: only a terminal, and never when `NO_COLOR` is set (no-color.org). */
export function useColor(host: Host, stream: "stdout" | "stderr"): boolean {
  if (host.env("NO_COLOR") !== undefined && host.env("NO_COLOR") !== "") return false;
  return host[stream].isTerminal;
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;

/** A colour name of `painter`. */
export type Color = keyof typeof CODES;

/** A painter that is a no-op when colour is off. */
export function painter(on: boolean): (c: Color, s: string) => string {
  return (c, s) => (on ? `\x1b[${CODES[c]}m${s}\x1b[0m` : s);
}

/** Width for tables: `$COLUMNS` when it is a sane number, else 80. */
export function termWidth(host: Host): number {
  const n = Number(host.env("COLUMNS"));
  return Number.isInteger(n) && n >= 40 && n <= 1000 ? n : 80;
}

/** How a cell wider than its column is shown. */
export type Overflow = "wrap" | "cut" | "cut-middle";

/** Options of `table`. */
export interface TableOptions {
  /** Total width (default 80). */
  width?: number;
  /** Per column: what happens to a cell wider than the column (default "wrap"). */
  overflow?: Overflow[];
  /**
   * Columns that give way only once the others are down to a readable width (names, which read
   * badly wrapped, over lists, which wrap well).
   */
  keep?: number[];
  /** Whether row 0 is a header (default true): no column shrinks below its header. */
  header?: boolean;
  /** Paint a laid-out cell (row 0 is the header); applied after padding is computed. */
  paint?: (row: number, col: number, text: string) => string;
}

const GAP = "  ";
const ELLIPSIS = "…";
/** Below this width a column that is not kept wraps only when the kept ones cannot shrink. */
const READABLE = 18;

/** Cut `s` to `w` characters with an ellipsis at the end or in the middle. */
function cut(s: string, w: number, middle: boolean): string {
  const chars = [...s];
  if (chars.length <= w) return s;
  if (w <= 1) return ELLIPSIS.slice(0, w);
  if (!middle) return chars.slice(0, w - 1).join("") + ELLIPSIS;
  const head = Math.ceil((w - 1) / 2);
  const tail = w - 1 - head;
  return chars.slice(0, head).join("") + ELLIPSIS + (tail ? chars.slice(-tail).join("") : "");
}

/**
 * Wrap `s` into lines of at most `w` characters: whole words (ending in a space, a comma or a
 * hyphen) while they fit, a word longer than a line cut at the width.
 */
function wrap(s: string, w: number): string[] {
  const len = (t: string) => [...t].length;
  const out: string[] = [];
  let line = "";
  for (const word of s.split(/(?<=[ ,]|[A-Za-z0-9]-)/)) {
    if (len((line + word).trimEnd()) <= w) {
      line += word;
      continue;
    }
    if (line.trim()) out.push(line.trimEnd());
    line = "";
    let rest = [...word.replace(/^ +/, "")];
    while (len(rest.join("").trimEnd()) > w) {
      out.push(rest.slice(0, w).join(""));
      rest = rest.slice(w);
    }
    line = rest.join("");
  }
  if (line.trim() || !out.length) out.push(line.trimEnd());
  return out;
}

/**
 * A plain text table: columns separated by two spaces, fitted to `width`. When the natural widths
 * do not fit, columns give way widest first: first the columns not in `keep`, down to a readable
 * width, then every column, never below its header (or 6). A cell wider than its column wraps
 * onto more lines or is cut with "…", per column.
 */
export function table(rows: string[][], opts: TableOptions | number = {}): string {
  const o: TableOptions = typeof opts === "number" ? { width: opts } : opts;
  const width = o.width ?? 80;
  if (!rows.length) return "";
  const n = Math.max(...rows.map((r) => r.length));
  const len = (s: string) => [...s].length;
  const w = Array.from({ length: n }, (_, i) => Math.max(1, ...rows.map((r) => len(r[i] ?? ""))));
  const head = o.header === false ? [] : rows[0];
  const floor = w.map((wi, i) => Math.min(wi, Math.max(len(head[i] ?? ""), 6)));
  const keep = new Set(o.keep ?? []);
  const soft = w.map((wi, i) => (keep.has(i) ? wi : Math.max(floor[i], Math.min(wi, READABLE))));
  const total = () => w.reduce((a, b) => a + b, 0) + GAP.length * (n - 1);
  for (const limit of [soft, floor]) {
    while (total() > width) {
      let widest = -1;
      for (let i = 0; i < n; i++) if (w[i] > limit[i] && (widest < 0 || w[i] > w[widest])) widest = i;
      if (widest < 0) break; // cannot shrink further at this stage
      w[widest]--;
    }
  }
  const out: string[] = [];
  rows.forEach((r, ri) => {
    const cells = Array.from({ length: n }, (_, i) => {
      const text = r[i] ?? "";
      const mode = o.overflow?.[i] ?? "wrap";
      return mode === "wrap" ? wrap(text, w[i]) : [cut(text, w[i], mode === "cut-middle")];
    });
    const height = Math.max(...cells.map((c) => c.length));
    for (let line = 0; line < height; line++) {
      const parts = cells.map((c, i) => {
        const t = c[line] ?? "";
        const padded = i === n - 1 ? t : t + " ".repeat(Math.max(0, w[i] - len(t)));
        if (!o.paint || !t) return padded;
        return o.paint(ri, i, t) + padded.slice(t.length);
      });
      out.push(parts.join(GAP).trimEnd());
    }
  });
  return out.join("\n") + "\n";
}

/**
 * How long ago a systemd timestamp was ("Mon 2025-01-06 12:00:00 CET" → "3h12m ago"), read in
 * the local time zone, which is the one systemd printed it in. Unparsable: the text without the
 * weekday and zone; empty: "-".
 */
export function ago(timestamp: string, nowMs: number): string {
  if (!timestamp.trim()) return "-";
  const bare = timestamp.trim().replace(/^[A-Za-z]{3} /, "").replace(/ [A-Za-z][A-Za-z0-9+:/_-]*$/, "");
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/.exec(bare);
  if (!m) return bare;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  const secs = Math.max(0, Math.floor((nowMs - new Date(y, mo - 1, d, h, mi, se).getTime()) / 1000));
  if (secs < 60) return `${secs}s ago`;
  const mins = Math.floor(secs / 60);
  if (mins < 60) return `${mins}m ago`;
  const hours = Math.floor(mins / 60);
  if (hours < 48) return `${hours}h${mins % 60 ? `${mins % 60}m` : ""} ago`;
  return `${Math.floor(hours / 24)}d${hours % 24 ? `${hours % 24}h` : ""} ago`;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * A progress line on a terminal: `update` rewrites one line in place (`\r`, padded over what was
 * there), `log` prints a permanent line above it, `clear` removes it. Off a terminal (or with
 * --quiet) `update` prints nothing and `log` prints plain `lychd: …` lines (none with --quiet).
 */
export class Progress {
  #last = 0;
  #frame = 0;
  /** Whether the live line is drawn (stderr is a terminal and not --quiet). */
  readonly live: boolean;
  constructor(readonly host: Host, readonly quiet: boolean) {
    this.live = !quiet && host.stderr.isTerminal;
  }
  /** Rewrite the live line: spinner, text, elapsed seconds. */
  update(text: string, elapsedMs: number): void {
    if (!this.live) return;
    const line = `${FRAMES[this.#frame++ % FRAMES.length]} ${text} (${Math.floor(elapsedMs / 1000)}s)`;
    const len = [...line].length;
    this.host.stderr.write(`\r${line}${" ".repeat(Math.max(0, this.#last - len))}`);
    this.#last = len;
  }
  /** Remove the live line. */
  clear(): void {
    if (!this.live || !this.#last) return;
    this.host.stderr.write(`\r${" ".repeat(this.#last)}\r`);
    this.#last = 0;
  }
  /** A permanent `lychd: …` line. */
  log(line: string): void {
    if (this.quiet) return;
    this.clear();
    this.host.stderr.write(`lychd: ${line}\n`);
  }
}
