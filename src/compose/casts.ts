/**
 * Compose's interpolation type casts (compose-go's table): strings that interpolation produced
 * at typed paths become the integers, numbers and booleans the JSON Schema expects.
 *
 * Pure.
 *
 * @module
 */
import type { Obj } from "./common.ts";

const INT = "int";
const BOOL = "bool";
const NUM = "number";
/**
 * Compose casts interpolated strings at these paths to the type the schema wants (compose-go's
 * interpolation type-cast table), e.g. `replicas: ${N}` → an integer. `*` matches any key/index.
 */
const CASTS: [string[], string][] = [
  ...[
    "cpu_count",
    "cpu_percent",
    "cpu_shares",
    "cpu_quota",
    "cpu_period",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "mem_swappiness",
    "oom_score_adj",
    "pids_limit",
    "shm_size",
  ]
    .map((k): [string[], string] => [["services", "*", k], k === "shm_size" ? "size" : INT]),
  [["services", "*", "cpus"], NUM],
  [["services", "*", "deploy", "replicas"], INT],
  [["services", "*", "scale"], INT],
  [["services", "*", "healthcheck", "retries"], INT],
  [["services", "*", "healthcheck", "disable"], BOOL],
  [["services", "*", "ports", "*", "target"], INT],
  [["services", "*", "ulimits", "*"], INT],
  [["services", "*", "ulimits", "*", "hard"], INT],
  [["services", "*", "ulimits", "*", "soft"], INT],
  ...["privileged", "read_only", "stdin_open", "tty", "init"].map((
    k,
  ): [string[], string] => [["services", "*", k], BOOL]),
  [["services", "*", "volumes", "*", "read_only"], BOOL],
  [["services", "*", "volumes", "*", "volume", "nocopy"], BOOL],
  [["services", "*", "depends_on", "*", "required"], BOOL],
  [["services", "*", "depends_on", "*", "restart"], BOOL],
  [["services", "*", "env_file", "*", "required"], BOOL],
  [["services", "*", "deploy", "resources", "reservations", "devices", "*", "count"], "count"],
  ...["networks", "volumes", "secrets", "configs"].map((
    k,
  ): [string[], string] => [[k, "*", "external"], BOOL]),
  [["networks", "*", "internal"], BOOL],
  [["networks", "*", "attachable"], BOOL],
];

function cast(v: string, t: string): unknown {
  const s = v.trim();
  if (t === BOOL) {
    if (/^(y|yes|true|on)$/i.test(s)) return true;
    if (/^(n|no|false|off)$/i.test(s)) return false;
    return v;
  }
  if (t === INT || t === "count") return /^-?\d+$/.test(s) ? Number(s) : v;
  if (t === NUM) return /^-?\d+(\.\d+)?$/.test(s) ? Number(s) : v;
  return /^\d+$/.test(s) ? Number(s) : v;
}

/** Apply `CASTS` to string values (what interpolation produced). */
export function castTypes(doc: Obj): Obj {
  const walk = (v: unknown, pattern: string[], t: string): unknown => {
    if (pattern.length === 0) return typeof v === "string" ? cast(v, t) : v;
    const [head, ...rest] = pattern;
    if (Array.isArray(v)) return head === "*" ? v.map((x) => walk(x, rest, t)) : v;
    if (v && typeof v === "object") {
      const o: Obj = { ...(v as Obj) };
      for (const k of Object.keys(o)) if (head === "*" || head === k) o[k] = walk(o[k], rest, t);
      return o;
    }
    return v;
  };
  let out: unknown = doc;
  for (const [pattern, t] of CASTS) out = walk(out, pattern, t);
  return out as Obj;
}
