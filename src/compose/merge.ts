/**
 * The merge rules of the Compose Specification (13-merge.md): mappings merge, sequences append,
 * `command` / `entrypoint` replace, `healthcheck` merges shallowly, `ports` / `volumes` /
 * `secrets` / `configs` are unique by key, `!reset` removes and `!override` replaces. Also
 * `stripMarkers`, which removes the markers before schema validation.
 *
 * Pure.
 *
 * @module
 */
import { isObj, type Loaded, type Obj, OVERRIDE, RESET } from "./common.ts";

export function stripMarkers(v: unknown): unknown {
  if (Array.isArray(v)) return v.filter((x) => x !== RESET).map(stripMarkers);
  if (v && typeof v === "object") {
    if (OVERRIDE in v) return stripMarkers((v as Obj)[OVERRIDE]);
    const o: Obj = {};
    for (const [k, x] of Object.entries(v)) if (x !== RESET) o[k] = stripMarkers(x);
    return o;
  }
  return v;
}

const REPLACE = new Set(["command", "entrypoint"]);
const UNIQUE: Record<string, (e: Obj) => string> = {
  ports: (e) => `${e.host_ip ?? ""}|${e.target}|${e.published ?? ""}|${e.protocol ?? "tcp"}`,
  volumes: (e) => String(e.target),
  secrets: (e) => String(e.target),
  configs: (e) => String(e.target),
};

/** Merge an overriding service into a base one (13-merge.md). */
export function mergeService(base: Obj, over: Obj): Obj {
  const out: Obj = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === RESET) {
      delete out[k];
      continue;
    }
    if (isObj(v) && OVERRIDE in v) {
      out[k] = v[OVERRIDE];
      continue;
    }
    const b = out[k];
    if (REPLACE.has(k) || b === undefined) out[k] = cleanse(v);
    else if (k === "healthcheck" && isObj(b) && isObj(v)) out[k] = { ...b, ...cleanse(v) as Obj };
    else if (UNIQUE[k] && Array.isArray(b) && Array.isArray(v)) {
      const key = UNIQUE[k];
      const list = [...b];
      for (const e of v) {
        const at = list.findIndex((x) => key(x) === key(e));
        if (at >= 0) list[at] = isObj(list[at]) && isObj(e) ? { ...list[at], ...e } : e;
        else list.push(e);
      }
      out[k] = list;
    } else out[k] = mergeValue(b, v);
  }
  return out;
}

export function cleanse(v: unknown): unknown {
  if (v === RESET) return undefined;
  if (Array.isArray(v)) return v.filter((x) => x !== RESET).map(cleanse);
  if (isObj(v)) {
    if (OVERRIDE in v) return cleanse(v[OVERRIDE]);
    const o: Obj = {};
    for (const [k, x] of Object.entries(v)) if (x !== RESET) o[k] = cleanse(x);
    return o;
  }
  return v;
}

export function mergeValue(b: unknown, v: unknown): unknown {
  if (Array.isArray(b) && Array.isArray(v)) return [...b, ...cleanse(v) as unknown[]];
  if (isObj(b) && isObj(v)) {
    const o: Obj = { ...b };
    for (const [k, x] of Object.entries(v)) {
      if (x === RESET) delete o[k];
      else if (isObj(x) && OVERRIDE in x) o[k] = cleanse(x[OVERRIDE]);
      else o[k] = o[k] === undefined ? cleanse(x) : mergeValue(o[k], x);
    }
    return o;
  }
  return cleanse(v);
}

export function mergeTop(a: Loaded, b: Loaded): Loaded {
  const out: Loaded = { ...a, services: { ...a.services } };
  if (b.name !== undefined) out.name = b.name;
  for (const [n, s] of Object.entries(b.services)) {
    out.services[n] = out.services[n] ? mergeService(out.services[n], s) : cleanse(s);
  }
  for (const k of ["volumes", "networks", "secrets", "configs"]) {
    if (b[k] !== undefined) out[k] = mergeValue(a[k] ?? {}, b[k]);
  }
  return out;
}
