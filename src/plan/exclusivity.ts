/**
 * The soulstone conflict graph: which soulstones may not run at the same time because they claim
 * the same physical GPU (and do not provably fit on it together).
 *
 * Pure: the CDI registry is built by the caller from spec text.
 *
 * @module
 */

import { isQualifiedName, parseQualifiedName } from "../cdi/name.ts";
import { type CdiRegistry, naturalCompare, type NodeSets, physicalOverlap } from "../cdi/registry.ts";

/** What the conflict graph needs to know of one soulstone. */
export interface StoneClaim {
  /** The soulstone's name (unique). */
  name: string;
  /**
   * Its `devices`. Entries that are not CDI qualified names (plain `/dev/…` paths) are not
   * claims and are ignored here.
   */
  devices: string[];
  /** `exclusive` (the Codex default is true). */
  exclusive: boolean;
  /** `coexists_with`: soulstones exempt from conflict with this one (either side may list). */
  coexistsWith: string[];
  /** `vram_gib`: what it needs on EACH device it claims. */
  vramGib?: number;
}

/** One resolved device claim of a soulstone. */
export interface ResolvedClaim {
  /** The claim as written, e.g. `nvidia.com/gpu=0`. */
  device: string;
  /** Sorted core nodes (MIG caps left out) when resolved through a spec, else `[device]`. */
  physical: string[];
  /** True when the kind has no spec or the spec lacks the device: overlap is judged by name. */
  byName: boolean;
}

/** The result of {@linkcode conflictGraph}. */
export interface ConflictGraph {
  /** Every conflicting pair, `[earlier, later]` by name, sorted. */
  pairs: [string, string][];
  /** Every soulstone (also those without conflicts) → sorted names it conflicts with. */
  conflicts: Map<string, string[]>;
  /** Every soulstone → its resolved claims (plain `/dev` paths left out). */
  claims: Map<string, ResolvedClaim[]>;
  /** Things to tell the user, in a stable order. */
  warnings: string[];
  /**
   * Pairs that share a device but fit on it by VRAM (no conflict): stone → other stone → the
   * devices they share, each with its capacity. Admission sums VRAM over these per device.
   */
  fits: Map<string, Map<string, SharedDevice[]>>;
}

/** A device two stones share, as admission sees it. */
export interface SharedDevice {
  /** A stable key of the physical device or MIG slice (e.g. `gpu:nvidia.com/gpu=0`). */
  unit: string;
  /** A CDI name for it, for messages. */
  label: string;
  capacityGib: number;
}

interface Claim extends ResolvedClaim {
  kind: string;
  name: string;
  sets: NodeSets;
}

interface Stone {
  name: string;
  exclusive: boolean;
  coexists: Set<string>;
  vram?: number;
  claims: Claim[];
  /** Stones with the same claims share this number (shared units are computed once per pair). */
  sig: number;
}

const EPSILON = 1e-9;

function pushUnique(index: Map<string, number[]>, key: string, i: number): void {
  const list = index.get(key);
  if (!list) index.set(key, [i]);
  else if (list[list.length - 1] !== i) list.push(i);
}

/** First position in the ascending `list` holding a value > `i`. */
function after(list: number[], i: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] <= i) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function fmtGib(n: number): string {
  return `${Number(n.toFixed(3))} GiB`;
}

function listNames(names: string[]): string {
  const q = names.map((n) => JSON.stringify(n));
  return q.length <= 1 ? q.join("") : `${q.slice(0, -1).join(", ")} and ${q[q.length - 1]}`;
}

/**
 * Build the conflict graph of the soulstones.
 *
 * Two soulstones conflict when (1) some claim of one overlaps some claim of the other
 * ({@linkcode CdiRegistry.overlap}'s rule: the same name always; hardware nodes through the specs,
 * across kinds; by name for a kind without spec or a device missing from its specs), (2) both are `exclusive`, (3) neither lists
 * the other in `coexistsWith`, and (4) their VRAM does not provably fit.
 *
 * VRAM fit is checked on every device they share: a whole GPU (found through the shared core
 * nodes; its capacity comes from a `capacityGib` key naming any CDI name of that GPU, e.g. the
 * index or the `GPU-<uuid>` name; a key naming `all` gives every GPU of the kind that capacity
 * unless a more specific key says otherwise), plus, when both claims carry MIG caps and they are
 * not both `all`, the shared MIG slice (capacity from a key naming that slice, e.g.
 * `nvidia.com/gpu=0:0`; a slice's capacity never counts as its GPU's). For claims
 * judged by name the shared device is the named one (`all` on both sides: `all`), its capacity
 * the key of that name, else the key `<kind>=all`. They fit only when BOTH declare `vramGib` and
 * on every shared device `a + b ≤ capacity`; a shared device without capacity does not fit.
 *
 * Warnings: once per kind without spec; once per device missing from its kind's specs; capacity
 * keys that are not CDI names or disagree about one GPU (the smaller wins); and three or more
 * stones that fit pairwise on one device but whose sum exceeds it (best effort: one group per
 * device, found greedily from the largest).
 *
 * Work: soulstones are indexed by core node and by name, so only stones sharing something are
 * compared; each pair costs (claims of one) × (claims of the other). The output itself may be
 * quadratic when everything conflicts.
 */
export function conflictGraph(
  stones: StoneClaim[],
  registry: CdiRegistry,
  capacityGib: Record<string, number>,
): ConflictGraph {
  const warnings: string[] = [];
  const sorted = [...stones].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  // --- Physical devices: core node → GPU unit; MIG caps signature → slice unit. -----------------
  const nodeUnit = new Map<string, string>();
  const unitLabel = new Map<string, string>();
  const prepared = new Set<string>();
  const prepareKind = (kind: string) => {
    if (prepared.has(kind)) return;
    prepared.add(kind);
    const devices = registry.devices(kind).sort((a, b) =>
      (a.caps.length === 0 ? 0 : 1) - (b.caps.length === 0 ? 0 : 1) ||
      a.core.length - b.core.length ||
      naturalCompare(a.name, b.name)
    );
    for (const d of devices) {
      for (const n of d.core) {
        if (nodeUnit.has(n)) continue;
        nodeUnit.set(n, `gpu:${d.qualified}`);
        unitLabel.set(`gpu:${d.qualified}`, d.qualified);
      }
      if (d.caps.length > 0) {
        const unit = `caps:${d.caps.join(",")}`;
        if (!unitLabel.has(unit)) unitLabel.set(unit, d.qualified);
      }
    }
  };
  // Kinds with more devices first (e.g. nvidia.com/gpu before management.nvidia.com/gpu, which
  // has only `all`): a node shared across kinds belongs to the GPU of the finer-grained kind.
  for (
    const kind of registry.kinds().sort((a, b) =>
      registry.devices(b).length - registry.devices(a).length || (a < b ? -1 : a > b ? 1 : 0)
    )
  ) prepareKind(kind);
  const label = (unit: string) => unitLabel.get(unit) ?? unit.slice(unit.indexOf(":") + 1);

  // --- Capacities. ------------------------------------------------------------------------------
  const capacity = new Map<string, number>();
  const fromAll = new Set<string>();
  const capSource = new Map<string, string>();
  const setCap = (unit: string, gib: number, key: string, isAll: boolean) => {
    const old = capacity.get(unit);
    if (old === undefined || (fromAll.has(unit) && !isAll)) {
      capacity.set(unit, gib);
      capSource.set(unit, key);
      if (isAll) fromAll.add(unit);
      else fromAll.delete(unit);
      return;
    }
    if (isAll && !fromAll.has(unit)) return; // a specific key already set it
    if (old !== gib) {
      warnings.push(
        `[gpu.vram_gib] keys ${JSON.stringify(capSource.get(unit))} (${fmtGib(old)}) and ${
          JSON.stringify(key)
        } (${fmtGib(gib)}) name the same device ${JSON.stringify(label(unit))}: using the smaller`,
      );
      if (gib < old) {
        capacity.set(unit, gib);
        capSource.set(unit, key);
      }
    }
  };
  const nameCap = new Map<string, number>();
  const keys = Object.keys(capacityGib).sort();
  // Keys naming `all` first, so that specific keys override them.
  keys.sort((a, b) => Number(!a.endsWith("=all")) - Number(!b.endsWith("=all")));
  for (const key of keys) {
    const gib = capacityGib[key];
    if (!isQualifiedName(key)) {
      warnings.push(`[gpu.vram_gib] key ${JSON.stringify(key)} is not a CDI device name: ignored`);
      continue;
    }
    nameCap.set(key, gib);
    const q = parseQualifiedName(key);
    prepareKind(q.kind);
    const dev = registry.device(key);
    if (!dev) continue;
    const isAll = q.name === "all";
    if (isAll || dev.caps.length === 0) {
      for (const n of dev.core) setCap(nodeUnit.get(n)!, gib, key, isAll);
    }
    if (dev.caps.length > 0) setCap(`caps:${dev.caps.join(",")}`, gib, key, isAll);
  }
  const capacityOf = (unit: string): number | undefined => {
    if (!unit.startsWith("name:")) return capacity.get(unit);
    const qualified = unit.slice(5);
    const direct = nameCap.get(qualified);
    if (direct !== undefined) return direct;
    const q = parseQualifiedName(qualified);
    return q.name === "all" ? undefined : nameCap.get(`${q.kind}=all`);
  };

  // --- Claims. ----------------------------------------------------------------------------------
  const noSpecWarned = new Set<string>();
  const unknownWarned = new Set<string>();
  const empty: ReadonlySet<string> = new Set();
  const claims = new Map<string, ResolvedClaim[]>();
  const sigOf = new Map<string, number>();
  const all: Stone[] = sorted.map((s) => {
    const out: Claim[] = [];
    const seen = new Set<string>();
    for (const device of s.devices) {
      if (seen.has(device) || !isQualifiedName(device)) continue;
      seen.add(device);
      const q = parseQualifiedName(device);
      prepareKind(q.kind);
      const dev = registry.device(device);
      const sets = registry.nodeSets(device);
      if (dev && sets) {
        out.push({ device, physical: [...dev.core], byName: false, kind: q.kind, name: q.name, sets });
        continue;
      }
      if (!registry.hasKind(q.kind)) {
        if (!noSpecWarned.has(q.kind)) {
          noSpecWarned.add(q.kind);
          warnings.push(
            `no CDI spec defines kind ${
              JSON.stringify(q.kind)
            }: soulstone device overlap is judged by name ` +
              `(same name, or either is "all")`,
          );
        }
      } else if (!unknownWarned.has(device)) {
        unknownWarned.add(device);
        warnings.push(
          `CDI device ${JSON.stringify(device)} is not in the specs for ${JSON.stringify(q.kind)}: ` +
            "its overlap with other soulstones is judged by name",
        );
      }
      out.push({
        device,
        physical: [device],
        byName: true,
        kind: q.kind,
        name: q.name,
        sets: { core: empty, caps: empty },
      });
    }
    claims.set(s.name, out.map(({ device, physical, byName }) => ({ device, physical, byName })));
    const key = out.map((c) => c.device).join("\n");
    let sig = sigOf.get(key);
    if (sig === undefined) sigOf.set(key, sig = sigOf.size);
    return {
      name: s.name,
      exclusive: s.exclusive,
      coexists: new Set(s.coexistsWith),
      vram: s.vramGib,
      claims: out,
      sig,
    };
  });

  // --- Index the exclusive stones. --------------------------------------------------------------
  const physNode = new Map<string, number[]>();
  const nameAny = new Map<string, number[]>();
  const allAny = new Map<string, number[]>();
  const kindAny = new Map<string, number[]>();
  const byNameName = new Map<string, number[]>();
  const byNameAll = new Map<string, number[]>();
  const byNameKind = new Map<string, number[]>();
  all.forEach((s, i) => {
    if (!s.exclusive) return;
    for (const c of s.claims) {
      const q = `${c.kind}=${c.name}`;
      pushUnique(nameAny, q, i);
      pushUnique(kindAny, c.kind, i);
      if (c.name === "all") pushUnique(allAny, c.kind, i);
      if (c.byName) {
        pushUnique(byNameName, q, i);
        pushUnique(byNameKind, c.kind, i);
        if (c.name === "all") pushUnique(byNameAll, c.kind, i);
      } else {
        for (const n of c.sets.core) pushUnique(physNode, n, i);
      }
    }
  });

  // --- Judge candidate pairs. -------------------------------------------------------------------
  // What two stones share depends only on their claims: computed once per pair of claim lists.
  const sharedMemo = new Map<number, Set<string>>();
  const sharedUnits = (a: Stone, b: Stone): Set<string> => {
    const key = a.sig * all.length + b.sig;
    let units = sharedMemo.get(key);
    if (!units) sharedMemo.set(key, units = computeShared(a, b));
    return units;
  };
  const computeShared = (a: Stone, b: Stone): Set<string> => {
    const units = new Set<string>();
    for (const x of a.claims) {
      for (const y of b.claims) {
        if (!x.byName && !y.byName) {
          // Across kinds too: hardware nodes decide. The same name always overlaps itself, even a
          // device with no hardware nodes (mount-only, or WSL's `all`).
          if (x.device === y.device && x.sets.core.size === 0) {
            units.add(`name:${x.device}`);
            continue;
          }
          if (!physicalOverlap(x.sets, y.sets)) continue;
          for (const n of x.sets.core) if (y.sets.core.has(n)) units.add(nodeUnit.get(n)!);
          if (x.sets.caps.size > 0 && y.sets.caps.size > 0 && (x.name !== "all" || y.name !== "all")) {
            units.add(`caps:${[...x.sets.caps].filter((c) => y.sets.caps.has(c)).sort().join(",")}`);
          }
        } else if (x.kind === y.kind && (x.name === y.name || x.name === "all" || y.name === "all")) {
          units.add(`name:${x.kind}=${x.name !== "all" ? x.name : y.name}`);
        }
      }
    }
    return units;
  };

  const conflictsOf: number[][] = all.map(() => []);
  const fitEdges = new Map<string, Map<number, Set<number>>>();
  const addFit = (unit: string, i: number, j: number) => {
    let adj = fitEdges.get(unit);
    if (!adj) fitEdges.set(unit, adj = new Map());
    for (const [p, q] of [[i, j], [j, i]]) {
      let set = adj.get(p);
      if (!set) adj.set(p, set = new Set());
      set.add(q);
    }
  };
  const stamp = new Int32Array(all.length).fill(-1);
  const pairs: [string, string][] = [];
  const fitPairs = new Map<string, Map<string, SharedDevice[]>>();

  for (let i = 0; i < all.length; i++) {
    const a = all[i];
    if (!a.exclusive) continue;
    const candidates: number[] = [];
    const visit = (list: number[] | undefined) => {
      if (!list) return;
      for (let k = after(list, i); k < list.length; k++) {
        const j = list[k];
        if (stamp[j] === i) continue;
        stamp[j] = i;
        candidates.push(j);
      }
    };
    for (const c of a.claims) {
      const q = `${c.kind}=${c.name}`;
      if (c.byName) {
        visit(nameAny.get(q));
        visit(allAny.get(c.kind));
        if (c.name === "all") visit(kindAny.get(c.kind));
      } else {
        for (const n of c.sets.core) visit(physNode.get(n));
        // The same name always overlaps itself: found through the nodes, unless it has none.
        if (c.sets.core.size === 0) visit(nameAny.get(q));
        visit(byNameName.get(q));
        visit(byNameAll.get(c.kind));
        if (c.name === "all") visit(byNameKind.get(c.kind));
      }
    }
    candidates.sort((x, y) => x - y);
    for (const j of candidates) {
      const b = all[j];
      if (a.coexists.has(b.name) || b.coexists.has(a.name)) continue;
      const units = sharedUnits(a, b);
      if (units.size === 0) continue;
      let fits = a.vram !== undefined && b.vram !== undefined;
      for (const u of units) {
        if (!fits) break;
        const cap = capacityOf(u);
        fits = cap !== undefined && a.vram! + b.vram! <= cap + EPSILON;
      }
      if (fits) {
        for (const u of units) addFit(u, i, j);
        const shared = [...units].map((u) => ({ unit: u, label: label(u), capacityGib: capacityOf(u)! }));
        for (const [x, y] of [[a.name, b.name], [b.name, a.name]]) {
          let m = fitPairs.get(x);
          if (!m) fitPairs.set(x, m = new Map());
          m.set(y, shared);
        }
      } else {
        conflictsOf[i].push(j);
        conflictsOf[j].push(i);
        pairs.push([a.name, b.name]);
      }
    }
  }

  const conflicts = new Map<string, string[]>();
  all.forEach((s, i) => conflicts.set(s.name, conflictsOf[i].sort((x, y) => x - y).map((j) => all[j].name)));

  // --- Groups that fit pairwise but not together. -----------------------------------------------
  const units = [...fitEdges.keys()].sort((x, y) => naturalCompare(label(x), label(y)) || (x < y ? -1 : 1));
  for (const unit of units) {
    const adj = fitEdges.get(unit)!;
    const cap = capacityOf(unit)!;
    const members = [...adj.keys()].sort((x, y) => all[y].vram! - all[x].vram! || x - y);
    if (members.length < 3 || members.reduce((sum, m) => sum + all[m].vram!, 0) <= cap + EPSILON) continue;
    let found: number[] | undefined;
    for (const seed of members) {
      const group = [seed];
      let sum = all[seed].vram!;
      for (const m of members) {
        if (m === seed || !group.every((g) => adj.get(g)!.has(m))) continue;
        group.push(m);
        sum += all[m].vram!;
        if (group.length >= 3 && sum > cap + EPSILON) {
          found = group;
          break;
        }
      }
      if (found) break;
    }
    if (!found) continue;
    const names = found.map((m) => all[m].name).sort();
    const need = found.reduce((sum, m) => sum + all[m].vram!, 0);
    warnings.push(
      `soulstones ${listNames(names)} fit pairwise on ${JSON.stringify(label(unit))} (${fmtGib(cap)}) but ` +
        `together need ${
          fmtGib(need)
        }: no Conflicts= keeps them apart, so each gets the admission guard (ExecCondition=lychd admit)`,
    );
  }

  return { pairs, conflicts, claims, warnings, fits: fitPairs };
}
