/**
 * A soulstone's CDI claims, asked for the Kubernetes way: extended resources of the vendor's
 * device plugin (`nvidia.com/gpu: 2`, `nvidia.com/mig-1g.10gb: 1`), or a Dynamic Resource
 * Allocation claim (`resource.k8s.io/v1`, Kubernetes 1.34+) against the DRA driver's DeviceClass.
 *
 * A cluster node's GPU 0 is not this host's GPU 0, so specific devices become counts: the
 * distinct physical GPUs the claims cover on this host, per the CDI specs (`=0` and
 * `=GPU-<uuid of 0>` are one GPU; `=all` is every whole GPU of the kind). MIG slices need their
 * profile, which CDI specs do not carry: it comes from `[gpu.mig_profiles]` in the Codex.
 *
 * @module
 */
import type { CdiRegistry } from "../cdi/registry.ts";
import { parseQualifiedName } from "../cdi/name.ts";
import type { Codex, Service } from "../codex/model.ts";
import { KubeError } from "./errors.ts";

/** How GPUs are requested. */
export type GpuMode = "device-plugin" | "dra";

/** One vendor: the device plugin's resource name and the DRA driver's DeviceClass. */
interface Vendor {
  resource: string;
  deviceClass: string;
  /** NVIDIA only: MIG slices. */
  migResource?: (profile: string) => string;
  migClass?: string;
}

/** CDI kind → Kubernetes names. */
export const VENDORS: Readonly<Record<string, Vendor>> = {
  "nvidia.com/gpu": {
    resource: "nvidia.com/gpu",
    deviceClass: "gpu.nvidia.com",
    migResource: (p) => `nvidia.com/mig-${p}`,
    migClass: "mig.nvidia.com",
  },
  "amd.com/gpu": { resource: "amd.com/gpu", deviceClass: "gpu.amd.com" },
  "intel.com/gpu": { resource: "gpu.intel.com/i915", deviceClass: "gpu.intel.com" },
};

/** What one soulstone needs, per kind: whole GPUs (a count, or all of them) and MIG slices. */
export interface GpuNeed {
  kind: string;
  vendor: Vendor;
  /** Distinct whole GPUs; `"all"` when a claim is `=all`. */
  whole: number | "all";
  /** How many whole GPUs `all` is on this host, when a spec says (device-plugin needs it). */
  allCount?: number;
  /** MIG profile → distinct slices. */
  mig: Map<string, number>;
}

const MIG_NAME = /^(\d+:\d+|MIG-.*)$/;

/** Work out the GPU needs of a service from its CDI claims. @throws {KubeError} */
export function gpuNeeds(codex: Codex, s: Service, registry: CdiRegistry): GpuNeed[] {
  const byKind = new Map<string, { all: boolean; whole: Set<string>; mig: Map<string, Set<string>> }>();
  (s.raw.devices ?? []).forEach((d, i) => {
    if (d.startsWith("/")) return;
    const path = `${s.path}.devices[${i}]`;
    const qn = parseQualifiedName(d);
    if (!VENDORS[qn.kind]) {
      throw new KubeError(
        path,
        `no Kubernetes device plugin or DRA driver is known for the CDI kind ${JSON.stringify(qn.kind)}`,
        `lychd maps ${
          Object.keys(VENDORS).join(", ")
        }; request this device by hand in the exported Deployment`,
      );
    }
    const k = byKind.get(qn.kind) ?? { all: false, whole: new Set(), mig: new Map() };
    byKind.set(qn.kind, k);
    const addMig = (key: string) => {
      const profile = codex.migProfiles[d];
      if (!profile) {
        throw new KubeError(
          path,
          `${JSON.stringify(d)} is a MIG slice, and CDI specs do not say which MIG profile it is`,
          `add [gpu.mig_profiles] "${d}" = "1g.10gb" (the profile \`nvidia-smi mig -lgi\` shows) to the Codex`,
        );
      }
      const set = k.mig.get(profile) ?? new Set();
      set.add(key);
      k.mig.set(profile, set);
    };
    if (!registry.hasKind(qn.kind)) {
      // No spec: names are all there is. `=all` is fine for DRA (allocationMode All) and counted
      // later for device plugins; a MIG-looking name still needs its profile.
      if (qn.name === "all") k.all = true;
      else if (MIG_NAME.test(qn.name)) addMig(`name:${qn.name}`);
      else k.whole.add(`name:${qn.name}`);
      return;
    }
    const dev = registry.device(d);
    if (!dev) return; // the plan refused unknown devices already
    if (dev.name === "all") k.all = true;
    else if (dev.caps.length) addMig(`nodes:${dev.caps.join(",")}`);
    else k.whole.add(`nodes:${dev.core.join(",")}`);
  });
  const needs: GpuNeed[] = [];
  for (const [kind, k] of [...byKind].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    let allCount: number | undefined;
    if (k.all && registry.hasKind(kind)) {
      const wholes = new Set(
        registry.devices(kind).filter((d) => d.name !== "all" && d.caps.length === 0 && d.core.length)
          .map((d) => d.core.join(",")),
      );
      allCount = wholes.size;
    }
    needs.push({
      kind,
      vendor: VENDORS[kind],
      whole: k.all ? "all" : k.whole.size,
      allCount,
      mig: new Map(
        [...k.mig].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([p, set]) => [p, set.size]),
      ),
    });
  }
  // A MIG slice beside `=all` of its own kind is already inside `all`.
  for (const n of needs) if (n.whole === "all") n.mig.clear();
  return needs;
}

/** Device-plugin limits for the needs. @throws {KubeError} when `=all` cannot be counted. */
export function deviceLimits(s: Service, needs: GpuNeed[]): Record<string, string> {
  const limits: Record<string, string> = {};
  for (const n of needs) {
    let count: number;
    if (n.whole === "all") {
      if (n.allCount === undefined) {
        const i = (s.raw.devices ?? []).findIndex((d) => d === `${n.kind}=all`);
        throw new KubeError(
          `${s.path}.devices[${i}]`,
          `${
            JSON.stringify(`${n.kind}=all`)
          } needs a count for the device plugin, and no CDI spec on this host says how many GPUs "all" is`,
          "export on the GPU host (or point --cdi-dir at its specs), name the devices, or use --gpu dra",
        );
      }
      count = n.allCount;
    } else count = n.whole;
    if (count > 0) limits[n.vendor.resource] = String(count);
    for (const [profile, c] of n.mig) limits[n.vendor.migResource!(profile)] = String(c);
  }
  return limits;
}

/** One request of a DRA claim (`resource.k8s.io/v1` `DeviceRequest`). */
export interface DraRequest {
  name: string;
  exactly: {
    deviceClassName: string;
    allocationMode: "All" | "ExactCount";
    count?: number;
    selectors?: { cel: { expression: string } }[];
  };
}

/** DRA requests for the needs, in a stable order. */
export function draRequests(needs: GpuNeed[]): DraRequest[] {
  const out: DraRequest[] = [];
  for (const n of needs) {
    const base = n.vendor.deviceClass.split(".")[1] ?? "gpu";
    if (n.whole === "all") {
      out.push({
        name: `${base}-gpus`,
        exactly: { deviceClassName: n.vendor.deviceClass, allocationMode: "All" },
      });
    } else if (n.whole > 0) {
      out.push({
        name: `${base}-gpus`,
        exactly: { deviceClassName: n.vendor.deviceClass, allocationMode: "ExactCount", count: n.whole },
      });
    }
    for (const [profile, c] of n.mig) {
      out.push({
        name: `${base}-mig-${profile.replace(/[^a-z0-9]+/g, "-")}`,
        exactly: {
          deviceClassName: n.vendor.migClass!,
          allocationMode: "ExactCount",
          count: c,
          selectors: [{
            cel: { expression: `device.attributes['${n.vendor.deviceClass}'].profile == '${profile}'` },
          }],
        },
      });
    }
  }
  return out;
}
