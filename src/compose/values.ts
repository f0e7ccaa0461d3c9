/**
 * Compose value forms → Codex value forms: Go durations, sizes, and shell quoting for the
 * next-step commands printed after an import.
 *
 * Pure.
 *
 * @module
 */

/** A Go duration (`1m30s`, `1.5s`, `500ms`) → the Codex's `(\d+(ms|h|m|s))+` form. */
export function duration(s: string): string | undefined {
  const t = s.trim();
  if (/^\d+$/.test(t)) return `${t}s`;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(t)) return undefined;
  let ms = 0;
  const unit: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    "µs": 1e-3,
    ms: 1,
    s: 1000,
    m: 60000,
    h: 3600000,
  };
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * unit[m[2]];
  ms = Math.round(ms);
  if (ms === 0) return "0s";
  const parts: string[] = [];
  let rest = ms;
  for (const [u, f] of [["h", 3600000], ["m", 60000], ["s", 1000], ["ms", 1]] as const) {
    const q = Math.floor(rest / f);
    if (q) parts.push(`${q}${u}`);
    rest -= q * f;
  }
  return parts.join("");
}

export function seconds(d: string): number {
  let t = 0;
  for (const m of d.matchAll(/(\d+)(ms|h|m|s)/g)) {
    t += Number(m[1]) * ({ ms: 0.001, s: 1, m: 60, h: 3600 }[m[2]] ?? 0);
  }
  return t;
}

/** Compose sizes (`2gb`, `512m`, bytes as a number) → the Codex's size form. */
export function size(v: unknown): string | number {
  if (typeof v === "number") return v % (1024 * 1024) === 0 ? v / (1024 * 1024) : `${v}b`;
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt])?b?$/i.exec(String(v).trim());
  if (!m) return String(v);
  return `${m[1]}${(m[2] ?? "b").toLowerCase()}`;
}

export function shq(s: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}
