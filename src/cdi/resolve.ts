/**
 * Device resolution: a qualified name to the device that won the merge, or the one reason podman
 * would not inject it (no spec for the kind, an unknown device, only broken specs, a conflict),
 * with a message naming the files and a hint (a did-you-mean, the vendor's generator).
 *
 * @module
 */
import { closest } from "../similar.ts";
import { parseQualifiedName } from "./name.ts";
import { both, type Conflict, listed, type SpecFailure } from "./files.ts";

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

/** What resolution reads of a registry. */
export interface ResolveView {
  byKind: ReadonlyMap<string, ReadonlyMap<string, { device: RegisteredDevice }>>;
  conflicts: ReadonlyMap<string, Conflict>;
  failures: readonly SpecFailure[];
  ignored: readonly string[];
  knownNames(kind: string): string[];
  specPaths(kind: string): string[];
}

const MAX_LISTED = 20;

/**
 * Resolve a qualified name in a registry (see {@linkcode Resolution}).
 *
 * @throws {CdiError} when `qualified` is not a valid CDI name (callers validate names first).
 */
export function resolveDevice(reg: ResolveView, qualified: string): Resolution {
  const q = parseQualifiedName(qualified);
  const devices = reg.byKind.get(q.kind);
  const shown = JSON.stringify(qualified);
  const nvidia = q.vendor === "nvidia.com";
  const conflict = reg.conflicts.get(qualified);
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
  const broken = reg.failures.filter((f) => f.kind === q.kind);
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
    const yml = [...reg.ignored];
    const unknown = reg.failures.filter((f) => f.kind === undefined).map((f) => f.path);
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
  const known = reg.knownNames(q.kind);
  const list = known.length > MAX_LISTED
    ? `${known.slice(0, MAX_LISTED).join(", ")} and ${known.length - MAX_LISTED} more`
    : known.join(", ");
  const guess = closest(q.name, known);
  const files = reg.specPaths(q.kind).join(", ");
  return {
    ok: false,
    reason: "unknown-device",
    message: `CDI device ${shown} is not defined by the specs for ${JSON.stringify(q.kind)} (known: ${list})${
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
