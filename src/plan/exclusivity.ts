/**
 * The soulstone conflict graph: which soulstones may not run at the same time because they claim
 * the same physical GPU (and do not provably fit on it together).
 *
 * Pure: the CDI registry is built by the caller from spec text.
 *
 * @module
 */

import type { Warning } from "../warnings.ts";
import { isQualifiedName, parseQualifiedName } from "../cdi/name.ts";
import type { CdiRegistry } from "../cdi/registry.ts";
import { type Claim, judgePairs, overfullGroups, type Stone } from "./conflict_pairs.ts";
import { capacities, DeviceUnits } from "./gpu_units.ts";

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
  warnings: Warning[];
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
  const warnings: Warning[] = [];
  const sorted = [...stones].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const units = new DeviceUnits(registry);
  const capacityOf = capacities(capacityGib, registry, units, warnings);
  const { all, claims } = resolveStones(sorted, registry, units, warnings);
  const { pairs, conflictsOf, fitEdges, fitPairs } = judgePairs(all, units, capacityOf);
  const conflicts = new Map<string, string[]>();
  all.forEach((s, i) => conflicts.set(s.name, conflictsOf[i].sort((x, y) => x - y).map((j) => all[j].name)));
  warnings.push(...overfullGroups(all, fitEdges, units, capacityOf));
  return { pairs, conflicts, claims, warnings, fits: fitPairs };
}

/**
 * Claims: each stone's CDI names resolved through the registry (else judged by name, warning
 * once per kind without spec and once per device missing from its specs).
 */
function resolveStones(
  sorted: StoneClaim[],
  registry: CdiRegistry,
  units: DeviceUnits,
  warnings: Warning[],
): { all: Stone[]; claims: Map<string, ResolvedClaim[]> } {
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
      units.prepare(q.kind);
      const dev = registry.device(device);
      const sets = registry.nodeSets(device);
      if (dev && sets) {
        out.push({ device, physical: [...dev.core], byName: false, kind: q.kind, name: q.name, sets });
        continue;
      }
      if (!registry.hasKind(q.kind)) {
        if (!noSpecWarned.has(q.kind)) {
          noSpecWarned.add(q.kind);
          warnings.push({
            code: "cdi-kind-without-spec",
            path: "",
            message:
              `no CDI spec defines kind ${
                JSON.stringify(q.kind)
              }: soulstone device overlap is judged by name ` +
              `(same name, or either is "all")`,
          });
        }
      } else if (!unknownWarned.has(device)) {
        unknownWarned.add(device);
        warnings.push({
          code: "cdi-device-not-in-spec",
          path: "",
          message:
            `CDI device ${JSON.stringify(device)} is not in the specs for ${JSON.stringify(q.kind)}: ` +
            "its overlap with other soulstones is judged by name",
        });
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
  return { all, claims };
}

/** The exclusive stones (positions in `all`, ascending) by what their claims name or touch. */
