/**
 * Admission: may a soulstone start beside the running set, and if not, which running stones must
 * stop first? One pure function shared by the gateway, `lychd summon` and the `ExecCondition=`
 * guard (`lychd admit`).
 *
 * Overlap is exactly the conflict graph's (src/plan/exclusivity.ts, through the CDI registry):
 * a running stone that conflicts with the wanted one must go. Stones that share a device without
 * conflicting fit pairwise by VRAM; here the VRAM of ALL stones on each shared device, the wanted
 * one included, must fit the device's capacity. When it does not, running stones are evicted
 * least recently used first, never a pinned one; when only pinned stones block, admission
 * refuses with the reason.
 *
 * Pure: no runtime effects, no clock (callers pass `lastUsed`).
 *
 * @module
 */
import type { Plan } from "./plan.ts";
import type { SharedDevice } from "./exclusivity.ts";
import { EPSILON, listNames as list } from "./conflict_pairs.ts";
import { fmtGib as gib } from "./gpu_units.ts";

/** What admission knows of one soulstone. */
export interface AdmissionStone {
  name: string;
  vramGib?: number;
  pinned: boolean;
  /** Names of the stones it conflicts with (the `Conflicts=` of its unit). */
  conflicts: string[];
  /** Stones it shares a device with and fits beside pairwise → the shared devices. */
  fits: Map<string, SharedDevice[]>;
  /** Physical devices it claims (for queues and messages); empty when it claims none. */
  devices: string[];
}

/** The stones of a plan, as admission needs them. */
export type AdmissionModel = Map<string, AdmissionStone>;

/** A running stone and when it last served (ms; smaller = less recently used). */
export interface RunningStone {
  name: string;
  lastUsed: number;
}

/** One stone to stop, and why. */
export interface Eviction {
  name: string;
  why: string;
}

/** The verdict. */
export type Admission =
  | { ok: true; evict: Eviction[] }
  | { ok: false; reason: string; blockers: string[] };

/** Build the admission model of a plan (soulstones only). */
export function admissionModel(plan: Plan): AdmissionModel {
  const out: AdmissionModel = new Map();
  // Each stone's rivals from one pass over the pairs (not one pass per stone: 24,161 pairs × 250),
  // on the first read of a `conflicts` (rendering reads none).
  let rivals: Map<string, Set<string>> | undefined;
  const rivalsOf = (name: string): string[] => {
    if (!rivals) {
      const m = new Map<string, Set<string>>();
      const rival = (a: string, b: string) => {
        const set = m.get(a);
        if (set) set.add(b);
        else m.set(a, new Set([b]));
      };
      for (const [a, b] of plan.pairs) {
        rival(a, b);
        rival(b, a);
      }
      rivals = m;
    }
    return [...(rivals.get(name) ?? [])].sort();
  };
  for (const ps of plan.services) {
    const s = ps.service;
    if (s.role !== "soulstone") continue;
    let conflicts: string[] | undefined;
    out.set(s.name, {
      name: s.name,
      vramGib: s.raw.vram_gib,
      pinned: s.served?.pinned ?? false,
      get conflicts() {
        return conflicts ??= rivalsOf(s.name);
      },
      fits: plan.fits.get(s.name) ?? new Map(),
      devices: [...new Set(ps.claims.flatMap((c) => c.physical))].sort(),
    });
  }
  return out;
}

/**
 * Decide whether `want` may start beside `running`.
 *
 * `noEvict`: refuse instead of evicting (the `ExecCondition=` guard of a unit started by hand,
 * which must not stop anything itself).
 */
export function admit(
  model: AdmissionModel,
  want: string,
  running: RunningStone[],
  opts: { noEvict?: boolean } = {},
): Admission {
  const me = model.get(want);
  if (!me) return { ok: false, reason: `${JSON.stringify(want)} is not a soulstone`, blockers: [] };
  const order = [...running].filter((r) => r.name !== want && model.has(r.name))
    .sort((a, b) => a.lastUsed - b.lastUsed || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const alive = new Set(order.map((r) => r.name));
  const evict: Eviction[] = [];
  const refuse = (reason: string, blockers: string[]): Admission => ({ ok: false, reason, blockers });

  // 1. Conflicts: every running rival goes; a pinned one blocks.
  const rivals = order.filter((r) => me.conflicts.includes(r.name));
  const pinnedRivals = rivals.filter((r) => model.get(r.name)!.pinned).map((r) => r.name);
  if (pinnedRivals.length) {
    return refuse(
      `${q(want)} conflicts with pinned ${list(pinnedRivals)} (same GPU); pinned stones are never evicted`,
      pinnedRivals,
    );
  }
  for (const r of rivals) {
    evict.push({ name: r.name, why: `conflicts with ${q(want)} (same GPU, no room for both)` });
    alive.delete(r.name);
  }

  // 2. VRAM as a set on every device shared with running stones.
  for (;;) {
    const devices = new Map<string, { dev: SharedDevice; members: string[] }>();
    for (const r of order) {
      if (!alive.has(r.name)) continue;
      for (const dev of me.fits.get(r.name) ?? []) {
        const d = devices.get(dev.unit) ?? { dev, members: [] };
        d.members.push(r.name);
        devices.set(dev.unit, d);
      }
    }
    const over = [...devices.values()]
      .map((d) => ({
        ...d,
        need: (me.vramGib ?? 0) + d.members.reduce((s, m) => s + (model.get(m)!.vramGib ?? 0), 0),
      }))
      .filter((d) => d.need > d.dev.capacityGib + EPSILON)
      .sort((a, b) => (a.dev.label < b.dev.label ? -1 : a.dev.label > b.dev.label ? 1 : 0));
    if (!over.length) break;
    const d = over[0];
    // members are in LRU order (order is sorted); the first unpinned goes.
    const victim = d.members.find((m) => !model.get(m)!.pinned);
    if (!victim) {
      const held = d.members.reduce((s, m) => s + (model.get(m)!.vramGib ?? 0), 0);
      return refuse(
        `${q(want)} needs ${gib(me.vramGib ?? 0)} on ${q(d.dev.label)} (${gib(d.dev.capacityGib)}), ` +
          `but pinned ${list(d.members)} hold ${gib(held)}; pinned stones are never evicted`,
        d.members,
      );
    }
    evict.push({
      name: victim,
      why: `least recently used on ${q(d.dev.label)}: ${list(d.members)} and ${q(want)} need ${
        gib(d.need)
      } of ${gib(d.dev.capacityGib)}`,
    });
    alive.delete(victim);
  }

  if (opts.noEvict && evict.length) {
    return refuse(
      `${q(want)} does not fit beside the running set: ${
        evict.map((e) => `${q(e.name)} ${e.why}`).join("; ")
      }`,
      evict.map((e) => e.name),
    );
  }
  return { ok: true, evict };
}

function q(s: string): string {
  return JSON.stringify(s);
}

/**
 * Whether some device could be oversubscribed by a set of stones that fit pairwise (no
 * `Conflicts=` between them stops it): those stones need the `ExecCondition=` admission guard.
 */
export function needsGuard(model: AdmissionModel, name: string): boolean {
  const me = model.get(name);
  if (!me || me.vramGib === undefined) return false;
  const perDevice = new Map<string, { cap: number; members: Set<string> }>();
  for (const [other, devs] of me.fits) {
    for (const dev of devs) {
      const d = perDevice.get(dev.unit) ?? { cap: dev.capacityGib, members: new Set<string>() };
      d.members.add(other);
      perDevice.set(dev.unit, d);
    }
  }
  for (const d of perDevice.values()) {
    const sum = [...d.members].reduce((s, m) => s + (model.get(m)?.vramGib ?? 0), me.vramGib);
    if (d.members.size >= 2 && sum > d.cap + EPSILON) return true;
  }
  return false;
}
