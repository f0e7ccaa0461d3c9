/**
 * The CDI registry: every device of every spec the host has, resolved from qualified names to
 * physical device nodes as the CDI library's cache does (`pkg/cdi/cache.go` `refresh`: a spec that
 * fails to load is skipped and recorded; a later directory overrides a device; two files of one
 * directory defining one device is a conflict and the device is dropped), and the physical overlap
 * rule lychd uses to decide which soulstones share hardware (docs/cdi.md).
 *
 * Pure: built from spec text the host layer read (`/etc/cdi`, then `/var/run/cdi`). This module
 * holds the registry and its queries; ./files.ts selects, loads and merges spec files (skipped
 * specs, priority, conflicts, warnings), ./resolve.ts resolves a name or says why not, and
 * ./overlap.ts holds the physical-node rule. Their public names are re-exported here.
 *
 * @module
 */
import type { Warning } from "../warnings.ts";
import { CdiError } from "./errors.ts";
import { parseQualifiedName, type QualifiedName } from "./name.ts";
import type { CdiSpec, YamlParse } from "./spec.ts";
import {
  commonControlNodes,
  isControlNode,
  nameOverlap,
  naturalCompare,
  type NodeSets,
  physicalOverlap,
  splitNodes,
} from "./overlap.ts";
import {
  type Conflict,
  loadSpecs,
  mergeSpecs,
  type Shadowed,
  type SpecFailure,
  type SpecFile,
  specWarnings,
} from "./files.ts";
import { type RegisteredDevice, type Resolution, resolveDevice } from "./resolve.ts";

export {
  commonControlNodes,
  isControlNode,
  naturalCompare,
  type NodeSets,
  physicalOverlap,
  splitNodes,
} from "./overlap.ts";
export { ignoredSpecFiles, selectSpecFiles, type SpecFile } from "./files.ts";

/** The result of {@linkcode CdiRegistry.overlap}. */
export interface Overlap {
  /** Whether the two claims may touch the same hardware. */
  overlap: boolean;
  /** True when the verdict came from names only (no spec, or a device missing from it). */
  byName: boolean;
}

interface Entry {
  device: RegisteredDevice;
  sets: NodeSets;
}

/**
 * Every CDI device the host has. Build it with {@linkcode CdiRegistry.fromSpecs}.
 */
export class CdiRegistry {
  /** The specs that loaded, in the order given. */
  readonly specs: readonly CdiSpec[];
  /** Spec files that failed to load (skipped, as the library skips them), in the order given. */
  readonly failures: readonly SpecFailure[];
  /** Devices defined by two files of one directory (dropped, as the library drops them). */
  readonly conflicts: readonly Conflict[];
  /** Device definitions hidden by a file of a later directory, in the order found. */
  readonly shadowed: readonly Shadowed[];
  /** `*.yml` files found in the spec directories: never read. */
  readonly ignored: readonly string[];
  readonly #byKind: Map<string, Map<string, Entry>>;
  readonly #specPaths: Map<string, string[]>;
  readonly #conflicts: Map<string, Conflict>;

  private constructor(
    loaded: { spec: CdiSpec; priority: number }[],
    failures: SpecFailure[],
    ignored: string[],
  ) {
    this.specs = loaded.map((l) => l.spec);
    this.failures = failures;
    this.ignored = ignored;

    const { winners, conflicts, shadowed, specPaths, kinds } = mergeSpecs(loaded);
    this.#specPaths = specPaths;
    this.#conflicts = conflicts;
    this.conflicts = [...conflicts.values()];
    this.shadowed = shadowed;

    const byKind = new Map<string, { name: string; nodes: string[] }[]>(kinds.map((k) => [k, []]));
    for (const w of winners.values()) byKind.get(w.spec.kind)!.push({ name: w.name, nodes: w.nodes });
    const control = new Map<string, Set<string>>();
    for (const [kind, devices] of byKind) control.set(kind, commonControlNodes(devices));

    this.#byKind = new Map();
    for (const kind of kinds) this.#byKind.set(kind, new Map());
    for (const [qualified, w] of winners) {
      const common = control.get(w.spec.kind)!;
      const { core, caps } = splitNodes(w.nodes.filter((n) => !isControlNode(n) && !common.has(n)));
      this.#byKind.get(w.spec.kind)!.set(w.name, {
        device: {
          kind: w.spec.kind,
          name: w.name,
          qualified,
          nodes: w.nodes,
          core,
          caps,
          specPath: w.spec.path,
        },
        sets: { core: new Set(core), caps: new Set(caps) },
      });
    }
  }

  /**
   * Build the registry from spec files in host order (`/etc/cdi` then `/var/run/cdi`, each
   * sorted by file name: see {@linkcode selectSpecFiles}), as the CDI library's cache does: a file
   * that fails to load is skipped and listed in `failures`; a device defined again by a file of a
   * later directory (higher `priority`) takes the later definition and the loser is listed in
   * `shadowed`; a device defined by two files of one directory is dropped and listed in
   * `conflicts`. `ignored` lists `*.yml` files to name in a warning.
   */
  static fromSpecs(
    files: readonly SpecFile[],
    parseYaml: YamlParse,
    options: { ignored?: readonly string[] } = {},
  ): CdiRegistry {
    const { loaded, failures } = loadSpecs(files, parseYaml);
    return new CdiRegistry(loaded, failures, [...(options.ignored ?? [])]);
  }

  /**
   * One line for each thing about the specs the user should know even when nothing claims it:
   * files that fail to load, devices two files of one directory define, definitions a later
   * directory overrides (one line per pair of files) and `*.yml` files CDI never reads.
   */
  warnings(): Warning[] {
    return specWarnings(this.failures, this.conflicts, this.shadowed, this.ignored);
  }

  /** Whether some spec that loaded defines `kind` (e.g. `nvidia.com/gpu`). */
  hasKind(kind: string): boolean {
    return this.#byKind.has(kind);
  }

  /** Every kind some loaded spec defines, sorted. */
  kinds(): string[] {
    return [...this.#byKind.keys()].sort();
  }

  /** The loaded spec files that define `kind`, in the order given. */
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
   * Resolve a qualified name to its physical nodes. When it fails, `reason` says why (see
   * {@linkcode Resolution}): `"no-spec"` (no spec defines the kind: the host may gain one later, so
   * callers warn), or `"unknown-device"`, `"broken-spec"`, `"conflict"` (podman would fail to
   * start the container: callers refuse); `message` says what is wrong, naming the files, and
   * `hint` what to do.
   *
   * @throws {CdiError} when `qualified` is not a valid CDI name (callers validate names first).
   */
  resolve(qualified: string): Resolution {
    return resolveDevice({
      byKind: this.#byKind,
      conflicts: this.#conflicts,
      failures: this.failures,
      ignored: this.ignored,
      knownNames: (kind) => this.knownNames(kind),
      specPaths: (kind) => this.specPaths(kind),
    }, qualified);
  }

  /**
   * Whether two claims may touch the same hardware:
   *
   * 1. the same fully-qualified name always overlaps itself (also a device with no nodes, e.g. a
   *    mount-only device, or WSL's `all` whose only node is `/dev/dxg`);
   * 2. when both devices resolve, {@linkcode physicalOverlap} of their hardware nodes decides,
   *    whatever their kinds (`management.nvidia.com/gpu=all` and `nvidia.com/gpu=0` share
   *    `/dev/nvidia0`); control nodes never count;
   * 3. otherwise (no spec for a kind, or a device missing from its specs) {@linkcode nameOverlap}
   *    decides (same kind only) and `byName` is true so callers can warn.
   *
   * @throws {CdiError} when either name is not a valid CDI name.
   */
  overlap(a: string, b: string): Overlap {
    const qa = parseQualifiedName(a);
    const qb = parseQualifiedName(b);
    const ea = this.#byKind.get(qa.kind)?.get(qa.name);
    const eb = this.#byKind.get(qb.kind)?.get(qb.name);
    if (ea && eb) return { overlap: a === b || physicalOverlap(ea.sets, eb.sets), byName: false };
    return { overlap: a === b || nameOverlap(qa, qb), byName: true };
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
