/**
 * The CDI registry: every device of every spec the host has, resolved from qualified names to
 * physical device nodes as the CDI library's cache does (`pkg/cdi/cache.go` `refresh`: a spec that
 * fails to load is skipped and recorded; a later directory overrides a device; two files of one
 * directory defining one device is a conflict and the device is dropped), and the physical overlap
 * rule lychd uses to decide which soulstones share hardware (docs/cdi.md).
 *
 * Pure: built from spec text the host layer read (`/etc/cdi`, then `/var/run/cdi`).
 *
 * @module
 */

import { closest } from "../similar.ts";
import { CdiError } from "./errors.ts";
import { parseQualifiedName, type QualifiedName } from "./name.ts";
import { type CdiSpec, declaredKind, parseSpec, type YamlParse } from "./spec.ts";

/** Device nodes under this directory are NVIDIA MIG capabilities: the identity of a MIG slice. */
export const MIG_CAPS_DIR = "/dev/nvidia-caps/";

/**
 * Nodes that are never evidence of overlap, whichever spec lists them and wherever: interfaces
 * every GPU of a vendor shares. `/dev/kfd` (AMD's compute interface: amd-ctk puts it into each
 * device's own edits), `/dev/nvidiactl`, `/dev/nvidia-uvm*`, `/dev/nvidia-modeset`, the MIG
 * management capabilities `/dev/nvidia-caps/nvidia-cap1` (config) and `nvidia-cap2` (monitor),
 * and `/dev/dxg` (WSL2's one paravirtual GPU interface: there nvidia-ctk defines only `all`).
 */
export function isControlNode(node: string): boolean {
  return node === "/dev/kfd" || node === "/dev/nvidiactl" || node === "/dev/nvidia-modeset" ||
    node === "/dev/dxg" || node.startsWith("/dev/nvidia-uvm") ||
    node === "/dev/nvidia-caps/nvidia-cap1" || node === "/dev/nvidia-caps/nvidia-cap2";
}

/**
 * The control nodes of one kind beyond {@linkcode isControlNode}: the nodes EVERY device of the
 * kind carries, provided every device keeps at least one node of its own without them (otherwise
 * those common nodes are the hardware itself: one GPU named `0`, `GPU-…` and `all`, or MIG slices
 * whose parent GPU node every device lists). Needs two devices or more.
 */
export function commonControlNodes(devices: readonly { nodes: readonly string[] }[]): Set<string> {
  const own = devices.map((d) => d.nodes.filter((n) => !isControlNode(n)));
  if (own.length < 2) return new Set();
  let common = new Set(own[0]);
  for (const nodes of own.slice(1)) common = new Set(nodes.filter((n) => common.has(n)));
  if (common.size === 0) return common;
  return own.every((nodes) => nodes.some((n) => !common.has(n))) ? common : new Set();
}

/** A device of the registry, with its nodes split for the overlap rule. */
export interface RegisteredDevice {
  /** `vendor/class`, e.g. `nvidia.com/gpu`. */
  kind: string;
  /** Bare device name, e.g. `0`. */
  name: string;
  /** `kind=name`, e.g. `nvidia.com/gpu=0`. */
  qualified: string;
  /** The device's own physical nodes, in spec order (control nodes included). */
  nodes: readonly string[];
  /**
   * Sorted nodes that identify hardware and are NOT under `/dev/nvidia-caps/` (the GPU itself,
   * DRI nodes, …): the device's own nodes without control nodes.
   */
  core: readonly string[];
  /** Sorted hardware nodes under `/dev/nvidia-caps/` (MIG slice identity; empty for a whole device). */
  caps: readonly string[];
  /** The spec file that defined it (the last one, when several did). */
  specPath: string;
}

/** The result of {@linkcode CdiRegistry.resolve}. */
export type Resolution =
  | { ok: true; device: RegisteredDevice; nodes: string[] }
  | {
    ok: false;
    /**
     * `no-spec`: no spec defines the kind (callers warn); `unknown-device`: the kind's specs lack
     * the device; `broken-spec`: only specs that fail to load declare the kind; `conflict`: two
     * files of one directory define the device, so the library drops it (these three: refuse).
     */
    reason: "no-spec" | "unknown-device" | "broken-spec" | "conflict";
    message: string;
    hint: string;
  };

/** The result of {@linkcode CdiRegistry.overlap}. */
export interface Overlap {
  /** Whether the two claims may touch the same hardware. */
  overlap: boolean;
  /** True when the verdict came from names only (no spec, or a device missing from it). */
  byName: boolean;
}

/** A device definition hidden by a spec file of a later directory (the later directory wins). */
export interface Shadowed {
  qualified: string;
  /** The file whose definition lost. */
  path: string;
  /** The file whose definition won. */
  by: string;
}

/** A spec file the CDI library would not load. */
export interface SpecFailure {
  path: string;
  /** One line: why (the library's reason where it has one). */
  reason: string;
  /** The kind the file declares, when it can be read at all. */
  kind?: string;
}

/** One device defined by two files (or more) of the same directory: the library drops it. */
export interface Conflict {
  qualified: string;
  /** The files, in reading order. */
  paths: string[];
}

/** A spec file as the host layer read it. */
export interface SpecFile {
  path: string;
  text: string;
  /** The index of its directory in the search order (later wins); 0 when omitted. */
  priority?: number;
  /** Set when the file could not be read: why (it then fails to load, as in the library). */
  unreadable?: string;
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

function filesOf(
  dir: string,
  entries: Iterable<string | { name: string; isDirectory?: boolean }>,
  keep: RegExp,
): string[] {
  const names: string[] = [];
  for (const e of entries) {
    const entry = typeof e === "string" ? { name: e } : e;
    if (entry.isDirectory) continue;
    if (!keep.test(entry.name)) continue;
    names.push(entry.name);
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const base = dir.endsWith("/") && dir !== "/" ? dir.slice(0, -1) : dir;
  return names.map((n) => (base === "/" ? `/${n}` : `${base}/${n}`));
}

/**
 * Keep the entries of one spec directory that CDI reads: `*.json` and `*.yaml` (not `*.yml`;
 * Go's `filepath.Ext`, so a file named just `.json` counts), not directories, sorted by name;
 * returns their paths (`dir/name`). The host layer reads each directory in order (`/etc/cdi`,
 * then `/var/run/cdi`) and concatenates the results.
 */
export function selectSpecFiles(
  dir: string,
  entries: Iterable<string | { name: string; isDirectory?: boolean }>,
): string[] {
  return filesOf(dir, entries, /\.(json|yaml)$/);
}

/** The `*.yml` files of one spec directory: CDI never reads them, so lychd names them in a warning. */
export function ignoredSpecFiles(
  dir: string,
  entries: Iterable<string | { name: string; isDirectory?: boolean }>,
): string[] {
  return filesOf(dir, entries, /\.yml$/);
}

interface Entry {
  device: RegisteredDevice;
  sets: NodeSets;
}

const MAX_LISTED = 20;

/** `both a and b`, or `a, b and c`. */
function both(paths: string[]): string {
  return paths.length === 2
    ? `both ${paths[0]} and ${paths[1]}`
    : `${paths.slice(0, -1).join(", ")} and ${paths[paths.length - 1]}`;
}

function listed(items: string[], max = 3): string {
  return items.length > max
    ? `${items.slice(0, max).join(", ")} and ${items.length - max} more`
    : items.join(", ");
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
    this.#specPaths = new Map();

    // pkg/cdi/cache.go refresh(): devices by qualified name, conflicts resolved by priority.
    const winners = new Map<string, { spec: CdiSpec; priority: number; name: string; nodes: string[] }>();
    const conflicts = new Map<string, Conflict>();
    const shadowed: Shadowed[] = [];
    const kinds = new Map<string, { name: string; nodes: string[] }[]>();
    for (const { spec, priority } of loaded) {
      const paths = this.#specPaths.get(spec.kind) ?? [];
      paths.push(spec.path);
      this.#specPaths.set(spec.kind, paths);
      if (!kinds.has(spec.kind)) kinds.set(spec.kind, []);
      for (const d of spec.devices) {
        const qualified = `${spec.kind}=${d.name}`;
        const old = winners.get(qualified);
        if (old) {
          if (priority < old.priority) continue;
          if (priority === old.priority) {
            const c = conflicts.get(qualified);
            if (!c) conflicts.set(qualified, { qualified, paths: [old.spec.path, spec.path] });
            else if (!c.paths.includes(spec.path)) c.paths.push(spec.path);
            continue;
          }
          shadowed.push({ qualified, path: old.spec.path, by: spec.path });
        }
        winners.set(qualified, { spec, priority, name: d.name, nodes: d.nodes });
      }
    }
    for (const q of conflicts.keys()) winners.delete(q);
    this.#conflicts = conflicts;
    this.conflicts = [...conflicts.values()];
    // A dropped device is reported as a conflict, not as overridden.
    this.shadowed = shadowed.filter((x) => !conflicts.has(x.qualified));

    for (const w of winners.values()) kinds.get(w.spec.kind)!.push({ name: w.name, nodes: w.nodes });
    const control = new Map<string, Set<string>>();
    for (const [kind, devices] of kinds) control.set(kind, commonControlNodes(devices));

    this.#byKind = new Map();
    for (const kind of kinds.keys()) this.#byKind.set(kind, new Map());
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
    const loaded: { spec: CdiSpec; priority: number }[] = [];
    const failures: SpecFailure[] = [];
    for (const f of files) {
      if (f.unreadable !== undefined) {
        failures.push({ path: f.path, reason: `cannot be read: ${f.unreadable}` });
        continue;
      }
      try {
        loaded.push({ spec: parseSpec(f.path, f.text, parseYaml), priority: f.priority ?? 0 });
      } catch (e) {
        if (!(e instanceof CdiError)) throw e;
        const prefix = `CDI spec ${JSON.stringify(f.path)}: `;
        const reason = e.message.startsWith(prefix) ? e.message.slice(prefix.length) : e.message;
        const kind = declaredKind(f.text, parseYaml);
        failures.push({ path: f.path, reason: e.hint ? `${reason} (${e.hint})` : reason, kind });
      }
    }
    return new CdiRegistry(loaded, failures, [...(options.ignored ?? [])]);
  }

  /**
   * One line for each thing about the specs the user should know even when nothing claims it:
   * files that fail to load, devices two files of one directory define, definitions a later
   * directory overrides (one line per pair of files) and `*.yml` files CDI never reads.
   */
  warnings(): string[] {
    const out: string[] = [];
    for (const f of this.failures) {
      out.push(`CDI spec ${f.path} is skipped (podman skips it too): ${f.reason}`);
    }
    for (const c of this.conflicts) {
      out.push(
        `CDI device ${JSON.stringify(c.qualified)} is defined by ${both(c.paths)}: ` +
          "the CDI library drops it as a conflict, so podman cannot use it until one definition goes",
      );
    }
    const pairs = new Map<string, string[]>();
    for (const s of this.shadowed) {
      const key = `${s.path}\n${s.by}`;
      if (!pairs.has(key)) pairs.set(key, []);
      pairs.get(key)!.push(s.qualified);
    }
    for (const [key, names] of pairs) {
      const [path, by] = key.split("\n");
      out.push(
        `CDI spec ${by} overrides ${
          names.length === 1 ? "a device" : `${names.length} devices`
        } of ${path} ` +
          `(${listed(names.map((n) => JSON.stringify(n)))}): a later CDI directory wins`,
      );
    }
    for (const path of this.ignored) {
      out.push(
        `${path} is not read: CDI reads only *.json and *.yaml spec files (rename it to ${
          path.replace(/\.yml$/, ".yaml")
        })`,
      );
    }
    return out;
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
    const q = parseQualifiedName(qualified);
    const devices = this.#byKind.get(q.kind);
    const shown = JSON.stringify(qualified);
    const nvidia = q.vendor === "nvidia.com";
    const conflict = this.#conflicts.get(qualified);
    if (conflict) {
      return {
        ok: false,
        reason: "conflict",
        message: `CDI device ${shown} is defined by ${both(conflict.paths)}, ` +
          "so the CDI library drops it and podman cannot inject it",
        hint:
          "keep one definition (a file in a later directory, e.g. /var/run/cdi, overrides without conflict)",
      };
    }
    const broken = this.failures.filter((f) => f.kind === q.kind);
    const brokenNote = broken.map((f) => `${f.path} (${f.reason})`).join("; ");
    if (!devices) {
      if (broken.length) {
        return {
          ok: false,
          reason: "broken-spec",
          message: `CDI device ${shown} cannot be resolved: the only spec${
            broken.length > 1 ? "s" : ""
          } for kind ${JSON.stringify(q.kind)} fail${broken.length > 1 ? "" : "s"} to load: ${brokenNote}`,
          hint: nvidia
            ? "fix it, or regenerate with `sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`"
            : "fix the spec, or regenerate it with the vendor's tool",
        };
      }
      const yml = [...this.ignored];
      const unknown = this.failures.filter((f) => f.kind === undefined).map((f) => f.path);
      return {
        ok: false,
        reason: "no-spec",
        message: `no CDI spec defines kind ${JSON.stringify(q.kind)}, so ${shown} cannot be resolved${
          yml.length
            ? ` (${listed(yml)} ${yml.length > 1 ? "are" : "is"} not read: CDI reads *.json and *.yaml)`
            : ""
        }${
          unknown.length
            ? `; ${listed(unknown)} fail${unknown.length > 1 ? "" : "s"} to load, kind unknown`
            : ""
        }`,
        hint: yml.length
          ? `rename ${yml[0]} to ${yml[0].replace(/\.yml$/, ".yaml")}`
          : nvidia
          ? "generate one with `sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`"
          : `install the vendor's CDI spec for ${JSON.stringify(q.kind)} in /etc/cdi or /var/run/cdi ` +
            "(or point --cdi-dir at it)",
      };
    }
    const entry = devices.get(q.name);
    if (entry) return { ok: true, device: entry.device, nodes: [...entry.device.nodes] };
    const known = this.knownNames(q.kind);
    const list = known.length > MAX_LISTED
      ? `${known.slice(0, MAX_LISTED).join(", ")} and ${known.length - MAX_LISTED} more`
      : known.join(", ");
    const guess = closest(q.name, known);
    const files = this.specPaths(q.kind).join(", ");
    return {
      ok: false,
      reason: "unknown-device",
      message: `CDI device ${shown} is not defined by the specs for ${
        JSON.stringify(q.kind)
      } (known: ${list})${
        broken.length ? `; also declaring the kind but failing to load: ${brokenNote}` : ""
      }`,
      hint: guess !== undefined
        ? `did you mean ${JSON.stringify(`${q.kind}=${guess}`)}?`
        : nvidia
        ? `the specs (${files}) may be stale: regenerate with ` +
          "`sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`, or list devices with `nvidia-ctk cdi list`"
        : `the devices of ${JSON.stringify(q.kind)} are defined in ${files}`,
    };
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
