/**
 * Codex + plan → what the gateway serves: model ids, their stones, upstreams, queues. Pure.
 *
 * @module
 */
import type { Codex } from "../codex/model.ts";
import type { Plan } from "../plan/plan.ts";
import { type AdmissionModel, admissionModel } from "../plan/admission.ts";

/** One soulstone as the gateway sees it (also stones without `models`: they take room). */
export interface GatewayStone {
  name: string;
  unit: string;
  /** Model ids, canonical first; empty for stones the gateway does not serve. */
  ids: string[];
  servedName?: string;
  /** `http://127.0.0.1:8001` (no trailing slash). */
  upstream?: string;
  pinned: boolean;
  idleMs?: number;
  vramGib?: number;
  /** Queue group: stones sharing a device (transitively) share one FIFO. */
  group: string;
}

/** Everything the gateway needs from the Codex. */
export interface GatewayConfig {
  prefix: string;
  /** model id → stone name. */
  models: Map<string, string>;
  stones: Map<string, GatewayStone>;
  admission: AdmissionModel;
  queueMs: number;
  drainMs: number;
  default?: string;
  apiKeyFile?: string;
  /** `ip:port` of `[gateway] listen`. */
  listen: string;
}

/** Build the gateway's view of a planned Codex. */
export function gatewayConfig(codex: Codex, plan: Plan): GatewayConfig {
  const admission = admissionModel(plan);
  const soulstones = codex.services.filter((s) => s.role === "soulstone");
  // Union-find over devices: stones that share any physical device share a queue.
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let r = x;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(x, r);
    return r;
  };
  const union = (a: string, b: string) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  };
  for (const s of soulstones) {
    const devs = admission.get(s.name)?.devices ?? [];
    const keys = devs.length ? devs : [`stone:${s.name}`];
    for (const k of keys) if (!parent.has(k)) parent.set(k, k);
    for (const k of keys.slice(1)) union(keys[0], k);
    // Stones that conflict share a queue too (by-name claims, conflicts_with).
    for (const c of admission.get(s.name)?.conflicts ?? []) {
      const other = admission.get(c)?.devices ?? [];
      const k = other.length ? other[0] : `stone:${c}`;
      if (!parent.has(k)) parent.set(k, k);
      union(keys[0], k);
    }
  }
  const stones = new Map<string, GatewayStone>();
  const models = new Map<string, string>();
  for (const s of soulstones) {
    const devs = admission.get(s.name)?.devices ?? [];
    const sv = s.served;
    const up = sv?.upstream;
    stones.set(s.name, {
      name: s.name,
      unit: `${s.stem}.service`,
      ids: sv?.ids ?? [],
      servedName: sv?.servedName,
      upstream: up ? `http://${up.ip.includes(":") ? `[${up.ip}]` : up.ip}:${up.port}` : undefined,
      pinned: sv?.pinned ?? false,
      idleMs: sv?.idleSeconds !== undefined ? sv.idleSeconds * 1000 : undefined,
      vramGib: s.raw.vram_gib,
      group: find(devs.length ? devs[0] : `stone:${s.name}`),
    });
    for (const id of sv?.ids ?? []) models.set(id, s.name);
  }
  const g = codex.gateway;
  return {
    prefix: codex.prefix,
    models,
    stones,
    admission,
    queueMs: (g?.queueSeconds ?? 600) * 1000,
    drainMs: (g?.drainSeconds ?? 120) * 1000,
    default: g?.default,
    apiKeyFile: g?.apiKeyFile,
    listen: g ? `${g.ip.includes(":") ? `[${g.ip}]` : g.ip}:${g.port}` : "",
  };
}
