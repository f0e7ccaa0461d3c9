/**
 * The routing table of the route-only gateway (Kubernetes): what `lychd export kubernetes` writes
 * into the gateway's ConfigMap, and what `gateway_route.ts --routes FILE` reads back. Pure: text
 * in, text or a {@linkcode GatewayConfig} out.
 *
 * The file is JSON with two-space indentation and a fixed key order (same Codex, same bytes):
 *
 * ```json
 * {
 *   "version": 1,
 *   "prefix": "gw",
 *   "listen": "0.0.0.0:4000",
 *   "queue_timeout_seconds": 600,
 *   "api_key_file": "/run/secrets/gw-gateway-key",
 *   "stones": {
 *     "vllm": {
 *       "workload": "gw-soulstone-vllm",
 *       "models": ["qwen2.5-7b", "qwen"],
 *       "served_name": "Qwen/Qwen2.5-7B-Instruct",
 *       "upstream": "http://vllm:8000"
 *     }
 *   }
 * }
 * ```
 *
 * Checked by hand rather than with zod: the route gateway's image runs `deno run --cached-only`
 * with no npm package in its module graph (no registry at run time, no npm cache in the image),
 * and the shape is seven fields.
 *
 * @module
 */
import { LychdError } from "../errors.ts";
import type { GatewayConfig, GatewayStone } from "./config.ts";

/** One soulstone in the routing table. */
export interface RouteStone {
  /** The Deployment that runs it (shown as `unit` by /lychd/status). */
  workload: string;
  /** Model ids, the canonical one first. */
  models: string[];
  /** What the backend expects in `model`. */
  served_name: string;
  /** `http://<service>:<port>`, no trailing slash. */
  upstream: string;
}

/** The routing table. */
export interface RouteTable {
  version: 1;
  prefix: string;
  /** `ip:port` to listen on inside the pod. */
  listen: string;
  queue_timeout_seconds: number;
  api_key_file?: string;
  stones: Record<string, RouteStone>;
}

/** The table as the file's text (keys in the order of the interfaces, stones sorted). */
export function routesText(t: RouteTable): string {
  const stones: Record<string, RouteStone> = {};
  for (const name of Object.keys(t.stones).sort()) {
    const s = t.stones[name];
    stones[name] = {
      workload: s.workload,
      models: s.models,
      served_name: s.served_name,
      upstream: s.upstream,
    };
  }
  return JSON.stringify(
    {
      version: t.version,
      prefix: t.prefix,
      listen: t.listen,
      queue_timeout_seconds: t.queue_timeout_seconds,
      ...(t.api_key_file !== undefined ? { api_key_file: t.api_key_file } : {}),
      stones,
    },
    null,
    2,
  ) + "\n";
}

/** A routing table that cannot be used: one line, naming the file and the field. */
export class RoutesError extends LychdError {
  override readonly name: string = "RoutesError";
  constructor(file: string, field: string, message: string) {
    super(`${file}: ${field ? `${field}: ` : ""}${message}`, {
      place: { file, ...(field ? { path: field } : {}) },
    });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Parse and check a routing table. @throws {RoutesError} */
export function parseRoutes(text: string, file: string): RouteTable {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new RoutesError(file, "", `not JSON (${(e as Error).message})`);
  }
  const bad = (field: string, message: string) => new RoutesError(file, field, message);
  if (!isObject(raw)) throw bad("", "not a JSON object");
  const known = ["version", "prefix", "listen", "queue_timeout_seconds", "api_key_file", "stones"];
  for (const k of Object.keys(raw)) if (!known.includes(k)) throw bad(k, "unknown field");
  if (raw.version !== 1) throw bad("version", "must be 1 (a routing table of this lychd)");
  if (typeof raw.prefix !== "string" || !raw.prefix) throw bad("prefix", "must be a non-empty string");
  if (typeof raw.listen !== "string" || !/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(raw.listen)) {
    throw bad("listen", 'must be "ip:port" (e.g. "0.0.0.0:4000")');
  }
  const q = raw.queue_timeout_seconds;
  if (typeof q !== "number" || !Number.isFinite(q) || q <= 0) {
    throw bad("queue_timeout_seconds", "must be a positive number of seconds");
  }
  if (raw.api_key_file !== undefined && (typeof raw.api_key_file !== "string" || !raw.api_key_file)) {
    throw bad("api_key_file", "must be a file path");
  }
  if (!isObject(raw.stones) || !Object.keys(raw.stones).length) {
    throw bad("stones", "must name at least one soulstone");
  }
  const seen = new Map<string, string>();
  const stones: Record<string, RouteStone> = {};
  for (const [name, s] of Object.entries(raw.stones)) {
    const at = `stones.${name}`;
    if (!isObject(s)) throw bad(at, "must be an object");
    for (const k of Object.keys(s)) {
      if (!["workload", "models", "served_name", "upstream"].includes(k)) {
        throw bad(`${at}.${k}`, "unknown field");
      }
    }
    if (typeof s.workload !== "string" || !s.workload) {
      throw bad(`${at}.workload`, "must be a non-empty string");
    }
    if (!Array.isArray(s.models) || !s.models.length) throw bad(`${at}.models`, "must list model ids");
    s.models.forEach((m, i) => {
      if (typeof m !== "string" || !m) throw bad(`${at}.models[${i}]`, "must be a non-empty string");
      const other = seen.get(m);
      if (other !== undefined) {
        throw bad(`${at}.models[${i}]`, `${JSON.stringify(m)} is also served by ${other}`);
      }
      seen.set(m, name);
    });
    if (typeof s.served_name !== "string" || !s.served_name) {
      throw bad(`${at}.served_name`, "must be a non-empty string");
    }
    const up = s.upstream;
    if (typeof up !== "string" || !/^http:\/\/(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(up)) {
      throw bad(`${at}.upstream`, 'must be "http://host:port" (no path, no trailing slash)');
    }
    stones[name] = {
      workload: s.workload,
      models: s.models as string[],
      served_name: s.served_name,
      upstream: s.upstream as string,
    };
  }
  return {
    version: 1,
    prefix: raw.prefix,
    listen: raw.listen,
    queue_timeout_seconds: q,
    ...(raw.api_key_file !== undefined ? { api_key_file: raw.api_key_file as string } : {}),
    stones,
  };
}

/**
 * The gateway's view of a routing table. Each stone is its own queue group and nothing conflicts
 * (on a cluster every stone has its own GPUs: the scheduler decides), so admission never evicts;
 * no `idle_stop`, no `default`, no `pinned`.
 */
export function routeConfig(t: RouteTable): GatewayConfig {
  const stones = new Map<string, GatewayStone>();
  const models = new Map<string, string>();
  const admission: GatewayConfig["admission"] = new Map();
  for (const [name, s] of Object.entries(t.stones)) {
    stones.set(name, {
      name,
      unit: s.workload,
      ids: s.models,
      servedName: s.served_name,
      upstream: s.upstream,
      pinned: false,
      group: `stone:${name}`,
    });
    admission.set(name, { name, pinned: false, conflicts: [], fits: new Map(), devices: [] });
    for (const id of s.models) models.set(id, name);
  }
  return {
    prefix: t.prefix,
    models,
    stones,
    admission,
    queueMs: t.queue_timeout_seconds * 1000,
    drainMs: 0,
    apiKeyFile: t.api_key_file,
    listen: t.listen,
  };
}
