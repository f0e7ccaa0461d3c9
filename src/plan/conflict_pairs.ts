/**
 * The pairwise step of {@linkcode conflictGraph} (exclusivity.ts): index the exclusive stones by
 * what they claim, judge only the pairs that share something (conflict, or fit on every shared
 * unit by VRAM), and warn about groups that fit pairwise but not together. Pure.
 *
 * @module
 */

import { naturalCompare, type NodeSets, physicalOverlap } from "../cdi/registry.ts";
import type { ResolvedClaim, SharedDevice } from "./exclusivity.ts";
import { type DeviceUnits, fmtGib } from "./gpu_units.ts";

/** A resolved claim with its kind, name and node sets (empty when judged by name). */
export interface Claim extends ResolvedClaim {
  kind: string;
  name: string;
  sets: NodeSets;
}

/** One soulstone as the pairwise step sees it. */
export interface Stone {
  name: string;
  exclusive: boolean;
  coexists: Set<string>;
  vram?: number;
  claims: Claim[];
  /** Stones with the same claims share this number (shared units are computed once per pair). */
  sig: number;
}

/** Slack for comparing sums of GiB. */
export const EPSILON = 1e-9;

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

/** `"a"`, `"a" and "b"`, `"a", "b" and "c"`: names for a message (admission.ts words its own with it). */
export function listNames(names: string[]): string {
  const q = names.map((n) => JSON.stringify(n));
  return q.length <= 1 ? q.join("") : `${q.slice(0, -1).join(", ")} and ${q[q.length - 1]}`;
}

interface ClaimIndex {
  /** core node → stones claiming it through a spec */
  physNode: Map<string, number[]>;
  /** `kind=name` → stones claiming it */
  nameAny: Map<string, number[]>;
  /** kind → stones claiming its `all` */
  allAny: Map<string, number[]>;
  /** kind → stones claiming any device of it */
  kindAny: Map<string, number[]>;
  /** the same three, for claims judged by name only */
  byNameName: Map<string, number[]>;
  byNameAll: Map<string, number[]>;
  byNameKind: Map<string, number[]>;
}

function indexExclusive(all: Stone[]): ClaimIndex {
  const ix: ClaimIndex = {
    physNode: new Map(),
    nameAny: new Map(),
    allAny: new Map(),
    kindAny: new Map(),
    byNameName: new Map(),
    byNameAll: new Map(),
    byNameKind: new Map(),
  };
  all.forEach((s, i) => {
    if (!s.exclusive) return;
    for (const c of s.claims) {
      const q = `${c.kind}=${c.name}`;
      pushUnique(ix.nameAny, q, i);
      pushUnique(ix.kindAny, c.kind, i);
      if (c.name === "all") pushUnique(ix.allAny, c.kind, i);
      if (c.byName) {
        pushUnique(ix.byNameName, q, i);
        pushUnique(ix.byNameKind, c.kind, i);
        if (c.name === "all") pushUnique(ix.byNameAll, c.kind, i);
      } else {
        for (const n of c.sets.core) pushUnique(ix.physNode, n, i);
      }
    }
  });
  return ix;
}

/**
 * The exclusive stones after position `i` that share something with `a`, ascending. `stamp`
 * (one slot per stone, reused across calls) marks the ones already taken for `i`.
 */
function candidatesOf(a: Stone, i: number, ix: ClaimIndex, stamp: Int32Array): number[] {
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
      visit(ix.nameAny.get(q));
      visit(ix.allAny.get(c.kind));
      if (c.name === "all") visit(ix.kindAny.get(c.kind));
    } else {
      for (const n of c.sets.core) visit(ix.physNode.get(n));
      // The same name always overlaps itself: found through the nodes, unless it has none.
      if (c.sets.core.size === 0) visit(ix.nameAny.get(q));
      visit(ix.byNameName.get(q));
      visit(ix.byNameAll.get(c.kind));
      if (c.name === "all") visit(ix.byNameKind.get(c.kind));
    }
  }
  return candidates.sort((x, y) => x - y);
}

/** The units (GPUs, MIG slices, `name:` devices) two stones' claims share. */
function computeShared(a: Stone, b: Stone, nodeUnit: Map<string, string>): Set<string> {
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
}

/**
 * Judge every candidate pair of exclusive stones: a conflict, or a fit on every shared unit (kept
 * per unit for {@linkcode overfullGroups} and per pair for admission).
 */
export function judgePairs(
  all: Stone[],
  units: DeviceUnits,
  capacityOf: (unit: string) => number | undefined,
): {
  pairs: [string, string][];
  conflictsOf: number[][];
  fitEdges: Map<string, Map<number, Set<number>>>;
  fitPairs: Map<string, Map<string, SharedDevice[]>>;
} {
  const ix = indexExclusive(all);
  // What two stones share depends only on their claims: computed once per pair of claim lists.
  const sharedMemo = new Map<number, Set<string>>();
  const sharedUnits = (a: Stone, b: Stone): Set<string> => {
    const key = a.sig * all.length + b.sig;
    let shared = sharedMemo.get(key);
    if (!shared) sharedMemo.set(key, shared = computeShared(a, b, units.nodeUnit));
    return shared;
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
    for (const j of candidatesOf(a, i, ix, stamp)) {
      const b = all[j];
      if (a.coexists.has(b.name) || b.coexists.has(a.name)) continue;
      const shared = sharedUnits(a, b);
      if (shared.size === 0) continue;
      let fits = a.vram !== undefined && b.vram !== undefined;
      for (const u of shared) {
        if (!fits) break;
        const cap = capacityOf(u);
        fits = cap !== undefined && a.vram! + b.vram! <= cap + EPSILON;
      }
      if (fits) {
        for (const u of shared) addFit(u, i, j);
        const devices = [...shared].map((u) => ({
          unit: u,
          label: units.label(u),
          capacityGib: capacityOf(u)!,
        }));
        for (const [x, y] of [[a.name, b.name], [b.name, a.name]]) {
          let m = fitPairs.get(x);
          if (!m) fitPairs.set(x, m = new Map());
          m.set(y, devices);
        }
      } else {
        conflictsOf[i].push(j);
        conflictsOf[j].push(i);
        pairs.push([a.name, b.name]);
      }
    }
  }
  return { pairs, conflictsOf, fitEdges, fitPairs };
}

/** Warnings for groups that fit pairwise but not together (one group per unit, greedily). */
export function overfullGroups(
  all: Stone[],
  fitEdges: Map<string, Map<number, Set<number>>>,
  units: DeviceUnits,
  capacityOf: (unit: string) => number | undefined,
): string[] {
  const warnings: string[] = [];
  const order = [...fitEdges.keys()].sort((x, y) =>
    naturalCompare(units.label(x), units.label(y)) || (x < y ? -1 : 1)
  );
  for (const unit of order) {
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
      `soulstones ${listNames(names)} fit pairwise on ${JSON.stringify(units.label(unit))} (${
        fmtGib(cap)
      }) but ` +
        `together need ${
          fmtGib(need)
        }: no Conflicts= keeps them apart, so each gets the admission guard (ExecCondition=lychd admit)`,
    );
  }
  return warnings;
}
