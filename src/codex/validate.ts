/**
 * Checks that need the whole Codex but no host: volumes, devices, names, references, cycles,
 * ports within and across services, podman_args, on_demand. `validateCodex` runs them in a fixed
 * order (the order of the issues it returns); the checks live by concern in
 * validate_names.ts (names, units, references, graph), validate_paths.ts (mounts, devices, raw
 * flags, labels, secrets) and validate_serve.ts (ports, lifecycle, on_demand, gateway, subnet);
 * the graph walks themselves are in src/plan/graph.ts.
 *
 * @module
 */
import type { Codex, Service } from "./model.ts";
import type { LoadOptions } from "./load.ts";
import {
  cycleIssues,
  fallbackLoopIssues,
  referenceIssues,
  soulstoneReferenceIssues,
  uniqueNames,
  unitClashIssues,
  volumeSettingIssues,
} from "./validate_names.ts";
import { deviceIssues, labelIssues, mountIssues, podmanArgIssues, secretIssues } from "./validate_paths.ts";
import {
  gatewayIssues,
  ipcShmIssues,
  lifecycleIssues,
  onDemandIssues,
  portIssues,
  servedIssues,
  soulstoneOnlyIssues,
  subnetIssues,
} from "./validate_serve.ts";

export { pathsNest } from "./validate_paths.ts";

/** An issue with a path still in parts (load.ts places it). */
export interface RawIssue {
  path: (string | number)[];
  message: string;
  hint?: string;
}

/** The path of a service's field, in parts: `at(s, "volumes", 0)`. */
export type At = (s: Service, ...rest: (string | number)[]) => (string | number)[];

/** Run every whole-Codex check. */
export function validateCodex(codex: Codex, opts: LoadOptions): RawIssue[] {
  const at: At = (s, ...rest) => [...s.path.split("."), ...rest];
  const soulstones = new Set(codex.services.filter((s) => s.role === "soulstone").map((s) => s.name));
  const { byName, issues } = uniqueNames(codex, at);
  issues.push(...ipcShmIssues(codex, at));
  issues.push(...unitClashIssues(codex, at));

  const protectedDirs = (opts.protectedDirs ?? []).filter(Boolean);
  // Most checks find nothing: only a non-empty list is spread (a cold spread of an empty array
  // per check and service was ~4 ms of a 1,000-service Codex).
  const put = (found: RawIssue[]) => {
    if (found.length) issues.push(...found);
  };
  const services = codex.services;
  for (let i = 0; i < services.length; i++) {
    const s = services[i];
    put(mountIssues(s, at, protectedDirs));
    put(deviceIssues(s, at));
    put(portIssues(codex, s, at));
    put(lifecycleIssues(s, at));
    put(referenceIssues(s, at, byName));
    if (s.role === "soulstone") {
      put(soulstoneReferenceIssues(s, at, soulstones));
      put(onDemandIssues(s, at));
      put(servedIssues(s, at));
    }
    put(soulstoneOnlyIssues(s, at));
    put(podmanArgIssues(s, at));
    put(labelIssues(s, at));
    put(secretIssues(s, at));
  }

  issues.push(...fallbackLoopIssues(codex, at, byName));
  issues.push(...gatewayIssues(codex, at));
  issues.push(...subnetIssues(codex, at));
  issues.push(...cycleIssues(codex, byName));
  issues.push(...volumeSettingIssues(codex));
  return issues;
}
