/**
 * The CDI registry: every device of every spec the host has, resolved from qualified names to
 * physical device nodes, and the physical overlap rule lychd uses to decide which soulstones
 * share hardware.
 *
 * Pure: built from spec text the host layer read (`/etc/cdi`, then `/var/run/cdi`).
 *
 * @module
 */

import { distance } from "../codex/errors.ts";
import { CdiError } from "./errors.ts";
import { parseQualifiedName, type QualifiedName } from "./name.ts";
import { type CdiSpec, parseSpec, type YamlParse } from "./spec.ts";

/** Device nodes under this directory are NVIDIA MIG capabilities: the identity of a MIG slice. */
export const MIG_CAPS_DIR = "/dev/nvidia-caps/";

/** A device of the registry, with its nodes split for the overlap rule. */
export interface RegisteredDevice {
  /** `vendor/class`, e.g. `nvidia.com/gpu`. */
  kind: string;
  /** Bare device name, e.g. `0`. */
  name: string;
  /** `kind=name`, e.g. `nvidia.com/gpu=0`. */
  qualified: string;
  /** The device's own physical nodes, in spec order. */
  nodes: readonly string[];
  /** Sorted nodes NOT under `/dev/nvidia-caps/` (the GPU itself, DRI nodes, …). */
  core: readonly string[];
  /** Sorted nodes under `/dev/nvidia-caps/` (MIG slice identity; empty for a whole device). */
  caps: readonly string[];
  /** The spec file that defined it (the last one, when several did). */
  specPath: string;
}

/** The result of {@linkcode CdiRegistry.resolve}. */
export type Resolution =
  | { ok: true; device: RegisteredDevice; nodes: string[] }
  | { ok: false; reason: "no-spec" | "unknown-device"; message: string; hint: string };

/** The result of {@linkcode CdiRegistry.overlap}. */
export interface Overlap {
  /** Whether the two claims may touch the same hardware. */
  overlap: boolean;
  /** True when the verdict came from names only (no spec, or a device missing from it). */
  byName: boolean;
}

/** A device definition hidden by a later spec file (later wins). */
export interface Shadowed {
  qualified: string;
  /** The file whose definition lost. */
  path: string;
  /** The file whose definition won. */
  by: string;
}

/** Node sets of one claim, for {@linkcode physicalOverlap}. */
export interface NodeSets {
  core: ReadonlySet<string>;
  caps: ReadonlySet<string>;
}

/** Split device nodes into sorted `core` nodes and sorted MIG `caps` nodes. */
export function splitNodes(nodes: Iterable<string>): { core: string[]; caps: string[] } {
  const core = new Set<string>();
  const caps = new Set<string>();
  for (const n of nodes) (n.startsWith(MIG_CAPS_DIR) ? caps : core).add(n);
  return { core: [...core].sort(), caps: [...caps].sort() };
}

function intersects(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  const [small, big] = a.size <= b.size ? [a, b] : [b, a];
  for (const x of small) if (big.has(x)) return true;
  return false;
}

/**
 * The physical overlap rule. With `core(X)` the nodes of X outside `/dev/nvidia-caps/` and
 * `caps(X)` those inside it (a MIG slice's identity), A and B overlap iff
 *
 *     core(A) ∩ core(B) ≠ ∅  AND  (caps(A) = ∅  OR  caps(B) = ∅  OR  caps(A) ∩ caps(B) ≠ ∅)
 *
 * So `=0` and `=GPU-<uuid of 0>` overlap (same nodes); `=all` overlaps every device of its kind
 * (nvidia-ctk gives it every device's nodes, MIG caps included); `=0` and `=1` do not; two MIG
 * slices of one GPU (`=0:0`, `=0:1`) do not, yet each overlaps `=0` and `=all`. A device with no
 * core nodes of its own overlaps nothing. Spec-wide nodes never take part.
 */
export function physicalOverlap(a: NodeSets, b: NodeSets): boolean {
  if (!intersects(a.core, b.core)) return false;
  return a.caps.size === 0 || b.caps.size === 0 || intersects(a.caps, b.caps);
}

/**
 * The fallback rule when a kind has no spec: same kind and (same name, or either is `all`).
 */
export function nameOverlap(a: QualifiedName, b: QualifiedName): boolean {
  return a.kind === b.kind && (a.name === b.name || a.name === "all" || b.name === "all");
}

/**
 * Compare strings with digit runs compared as numbers (`0 < 1 < 2 < 10`), then by code unit, so
 * the order never depends on a locale.
 */
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = BigInt(x);
      const ny = BigInt(y);
      if (nx !== ny) return nx < ny ? -1 : 1;
    }
    return x < y ? -1 : 1;
  }
  if (pa.length !== pb.length) return pa.length - pb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The closest candidate within a third of the longer length (case-insensitive), if any. */
function closest(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(input.toLowerCase(), c.toLowerCase());
    if (d <= Math.floor(Math.max(input.length, c.length) / 3) && d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return best;
}

/**
 * Keep the entries of one spec directory that CDI reads: `*.json` and `*.yaml` (not `*.yml`),
 * not directories, sorted by name; returns their paths (`dir/name`). The host layer reads each
 * directory in order (`/etc/cdi`, then `/var/run/cdi`) and concatenates the results.
 */
export function selectSpecFiles(
  dir: string,
  entries: Iterable<string | { name: string; isDirectory?: boolean }>,
): string[] {
  const names: string[] = [];
  for (const e of entries) {
    const entry = typeof e === "string" ? { name: e } : e;
    if (entry.isDirectory) continue;
    if (!/.\.(json|yaml)$/.test(entry.name)) continue;
    names.push(entry.name);
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const base = dir.endsWith("/") && dir !== "/" ? dir.slice(0, -1) : dir;
  return names.map((n) => (base === "/" ? `/${n}` : `${base}/${n}`));
}

interface Entry {
  device: RegisteredDevice;
  sets: NodeSets;
}

const MAX_LISTED = 20;

/**
 * Every CDI device the host has. Build it with {@linkcode CdiRegistry.fromSpecs}.
 */
export class CdiRegistry {
  /** The parsed specs, in the order given. */
  readonly specs: readonly CdiSpec[];
  /** Device definitions hidden by a later file, in the order found. */
  readonly shadowed: readonly Shadowed[];
  readonly #byKind: Map<string, Map<string, Entry>>;
  readonly #specPaths: Map<string, string[]>;

  private constructor(specs: CdiSpec[]) {
    this.specs = specs;
    this.#byKind = new Map();
    this.#specPaths = new Map();
    const shadowed: Shadowed[] = [];
    for (const spec of specs) {
      let devices = this.#byKind.get(spec.kind);
      if (!devices) this.#byKind.set(spec.kind, devices = new Map());
      const paths = this.#specPaths.get(spec.kind) ?? [];
      paths.push(spec.path);
      this.#specPaths.set(spec.kind, paths);
      for (const d of spec.devices) {
        const qualified = `${spec.kind}=${d.name}`;
        const old = devices.get(d.name);
        if (old) shadowed.push({ qualified, path: old.device.specPath, by: spec.path });
        const { core, caps } = splitNodes(d.nodes);
        devices.set(d.name, {
          device: {
            kind: spec.kind,
            name: d.name,
            qualified,
            nodes: d.nodes,
            core,
            caps,
            specPath: spec.path,
          },
          sets: { core: new Set(core), caps: new Set(caps) },
        });
      }
    }
    this.shadowed = shadowed;
  }

  /**
   * Build the registry from spec files in host order (`/etc/cdi` then `/var/run/cdi`, each
   * sorted by file name: see {@linkcode selectSpecFiles}). A later file wins when two define the
   * same device (same kind and name); the loser is listed in `shadowed`.
   *
   * @throws {CdiError} from {@linkcode parseSpec}, naming the malformed file.
   */
  static fromSpecs(files: readonly { path: string; text: string }[], parseYaml: YamlParse): CdiRegistry {
    return new CdiRegistry(files.map((f) => parseSpec(f.path, f.text, parseYaml)));
  }

  /** Whether some spec defines `kind` (e.g. `nvidia.com/gpu`). */
  hasKind(kind: string): boolean {
    return this.#byKind.has(kind);
  }

  /** Every kind some spec defines, sorted. */
  kinds(): string[] {
    return [...this.#byKind.keys()].sort();
  }

  /** The spec files that define `kind`, in the order given. */
  specPaths(kind: string): string[] {
    return [...(this.#specPaths.get(kind) ?? [])];
  }

  /** The device named by `qualified` (`vendor/class=name`), or `undefined` (also for a bad name). */
  device(qualified: string): RegisteredDevice | undefined {
    return this.#entry(qualified)?.device;
  }

  /** Node sets of a known device, for {@linkcode physicalOverlap}; `undefined` when unknown. */
  nodeSets(qualified: string): NodeSets | undefined {
    return this.#entry(qualified)?.sets;
  }

  /** Every device of `kind`, by bare name in natural order (`0`, `1`, `10`, `GPU-…`, `all`). */
  devices(kind: string): RegisteredDevice[] {
    return [...(this.#byKind.get(kind)?.values() ?? [])].map((e) => e.device)
      .sort((a, b) => naturalCompare(a.name, b.name));
  }

  /** Bare device names of `kind`, in natural order; empty when no spec defines the kind. */
  knownNames(kind: string): string[] {
    return this.devices(kind).map((d) => d.name);
  }

  /**
   * Resolve a qualified name to its physical nodes. When it fails, `reason` is `"no-spec"` (no
   * spec defines the kind: the host may gain one later, so callers warn) or `"unknown-device"`
   * (the kind has specs that lack the device: callers refuse); `message` lists the known names
   * and `hint` says what to do (a did-you-mean, or how to generate a spec).
   *
   * @throws {CdiError} when `qualified` is not a valid CDI name (callers validate names first).
   */
  resolve(qualified: string): Resolution {
    const q = parseQualifiedName(qualified);
    const devices = this.#byKind.get(q.kind);
    const shown = JSON.stringify(qualified);
    const nvidia = q.vendor === "nvidia.com";
    if (!devices) {
      return {
        ok: false,
        reason: "no-spec",
        message: `no CDI spec defines kind ${JSON.stringify(q.kind)}, so ${shown} cannot be resolved`,
        hint: nvidia
          ? "generate one with `sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`"
          : `install the vendor's CDI spec for ${JSON.stringify(q.kind)} in /etc/cdi or /var/run/cdi ` +
            "(or point --cdi-dir at it)",
      };
    }
    const entry = devices.get(q.name);
    if (entry) return { ok: true, device: entry.device, nodes: [...entry.device.nodes] };
    const known = this.knownNames(q.kind);
    const listed = known.length > MAX_LISTED
      ? `${known.slice(0, MAX_LISTED).join(", ")} and ${known.length - MAX_LISTED} more`
      : known.join(", ");
    const guess = closest(q.name, known);
    const files = this.specPaths(q.kind).join(", ");
    return {
      ok: false,
      reason: "unknown-device",
      message: `CDI device ${shown} is not defined by the specs for ${
        JSON.stringify(q.kind)
      } (known: ${listed})`,
      hint: guess !== undefined
        ? `did you mean ${JSON.stringify(`${q.kind}=${guess}`)}?`
        : nvidia
        ? `the specs (${files}) may be stale: regenerate with ` +
          "`sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`, or list devices with `nvidia-ctk cdi list`"
        : `the devices of ${JSON.stringify(q.kind)} are defined in ${files}`,
    };
  }

  /**
   * Whether two claims may touch the same hardware. Different kinds never overlap. When both
   * devices resolve, {@linkcode physicalOverlap} decides; otherwise (no spec for either kind, or
   * a device missing from its specs) {@linkcode nameOverlap} decides and `byName` is true so
   * callers can warn.
   *
   * @throws {CdiError} when either name is not a valid CDI name.
   */
  overlap(a: string, b: string): Overlap {
    const qa = parseQualifiedName(a);
    const qb = parseQualifiedName(b);
    if (qa.kind !== qb.kind) return { overlap: false, byName: false };
    const ea = this.#byKind.get(qa.kind)?.get(qa.name);
    const eb = this.#byKind.get(qb.kind)?.get(qb.name);
    if (ea && eb) return { overlap: physicalOverlap(ea.sets, eb.sets), byName: false };
    return { overlap: nameOverlap(qa, qb), byName: true };
  }

  #entry(qualified: string): Entry | undefined {
    let q: QualifiedName;
    try {
      q = parseQualifiedName(qualified);
    } catch (e) {
      if (e instanceof CdiError) return undefined;
      throw e;
    }
    return this.#byKind.get(q.kind)?.get(q.name);
  }
}
