/**
 * The physical units the conflict graph judges VRAM on: a GPU (by its core device nodes), a MIG
 * slice (by its caps), or a device known only by name; and their capacities from
 * `[gpu.vram_gib]`. Steps of {@linkcode conflictGraph} (exclusivity.ts). Pure.
 *
 * @module
 */

import type { Warning } from "../warnings.ts";
import { isQualifiedName, parseQualifiedName } from "../cdi/name.ts";
import { type CdiRegistry, naturalCompare } from "../cdi/registry.ts";

/** GiB for a message, e.g. `79.5 GiB`. */
export function fmtGib(n: number): string {
  return `${Number(n.toFixed(3))} GiB`;
}

/**
 * Physical devices: core node → GPU unit (`gpu:<qualified>`); MIG caps signature → slice unit
 * (`caps:<caps>`); a label (a CDI name) for each unit.
 */
export class DeviceUnits {
  readonly nodeUnit = new Map<string, string>();
  readonly #unitLabel = new Map<string, string>();
  readonly #prepared = new Set<string>();

  constructor(readonly registry: CdiRegistry) {
    // Kinds with more devices first (e.g. nvidia.com/gpu before management.nvidia.com/gpu, which
    // has only `all`): a node shared across kinds belongs to the GPU of the finer-grained kind.
    for (
      const kind of registry.kinds().sort((a, b) =>
        registry.devices(b).length - registry.devices(a).length || (a < b ? -1 : a > b ? 1 : 0)
      )
    ) this.prepare(kind);
  }

  /** Assign the units of one kind's devices (once per kind). */
  prepare(kind: string): void {
    if (this.#prepared.has(kind)) return;
    this.#prepared.add(kind);
    const devices = this.registry.devices(kind).sort((a, b) =>
      (a.caps.length === 0 ? 0 : 1) - (b.caps.length === 0 ? 0 : 1) ||
      a.core.length - b.core.length ||
      naturalCompare(a.name, b.name)
    );
    for (const d of devices) {
      for (const n of d.core) {
        if (this.nodeUnit.has(n)) continue;
        this.nodeUnit.set(n, `gpu:${d.qualified}`);
        this.#unitLabel.set(`gpu:${d.qualified}`, d.qualified);
      }
      if (d.caps.length > 0) {
        const unit = `caps:${d.caps.join(",")}`;
        if (!this.#unitLabel.has(unit)) this.#unitLabel.set(unit, d.qualified);
      }
    }
  }

  /** A CDI name for a unit, for messages. */
  label(unit: string): string {
    return this.#unitLabel.get(unit) ?? unit.slice(unit.indexOf(":") + 1);
  }
}

/**
 * Capacities from `[gpu.vram_gib]`: unit → GiB (`all` keys first, specific keys override them;
 * disagreeing keys for one device warn and the smaller wins); `name:` units by their key, else
 * `<kind>=all`.
 */
export function capacities(
  capacityGib: Record<string, number>,
  registry: CdiRegistry,
  units: DeviceUnits,
  warnings: Warning[],
): (unit: string) => number | undefined {
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
      warnings.push({
        code: "vram-key-conflict",
        path: "",
        message: `[gpu.vram_gib] keys ${JSON.stringify(capSource.get(unit))} (${fmtGib(old)}) and ${
          JSON.stringify(key)
        } (${fmtGib(gib)}) name the same device ${JSON.stringify(units.label(unit))}: using the smaller`,
      });
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
      warnings.push({
        code: "vram-key-not-cdi",
        path: "",
        message: `[gpu.vram_gib] key ${JSON.stringify(key)} is not a CDI device name: ignored`,
      });
      continue;
    }
    nameCap.set(key, gib);
    const q = parseQualifiedName(key);
    units.prepare(q.kind);
    const dev = registry.device(key);
    if (!dev) continue;
    const isAll = q.name === "all";
    if (isAll || dev.caps.length === 0) {
      for (const n of dev.core) setCap(units.nodeUnit.get(n)!, gib, key, isAll);
    }
    if (dev.caps.length > 0) setCap(`caps:${dev.caps.join(",")}`, gib, key, isAll);
  }
  return (unit: string): number | undefined => {
    if (!unit.startsWith("name:")) return capacity.get(unit);
    const qualified = unit.slice(5);
    const direct = nameCap.get(qualified);
    if (direct !== undefined) return direct;
    const q = parseQualifiedName(qualified);
    return q.name === "all" ? undefined : nameCap.get(`${q.kind}=all`);
  };
}
