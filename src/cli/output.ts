/**
 * Terminal output helpers: warnings, colour (only on a TTY and never with NO_COLOR), tables.
 *
 * @module
 */
import type { Host } from "../host/host.ts";

type Flags = Record<string, unknown>;

/** Print warnings to stderr unless --quiet. */
export function warnAll(host: Host, flags: Flags, warnings: string[]): void {
  if (flags.quiet === true) return;
  for (const w of warnings) host.stderr.write(`lychd: warning: ${w}\n`);
}

/** Whether to colour a stream. */
export function useColor(host: Host, stream: "stdout" | "stderr"): boolean {
  if (host.env("NO_COLOR") !== undefined && host.env("NO_COLOR") !== "") return false;
  return host[stream].isTerminal;
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;

/** A painter that is a no-op when colour is off. */
export function painter(on: boolean): (c: keyof typeof CODES, s: string) => string {
  return (c, s) => (on ? `\x1b[${CODES[c]}m${s}\x1b[0m` : s);
}

/** A plain text table: columns padded, last column free, lines cut to `width`. */
export function table(rows: string[][], width = 80): string {
  if (!rows.length) return "";
  const n = Math.max(...rows.map((r) => r.length));
  const w = Array.from({ length: n }, (_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => {
    const line = r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join("  ").trimEnd();
    return line.length > width ? line.slice(0, width - 1) + "…" : line;
  }).join("\n") + "\n";
}
