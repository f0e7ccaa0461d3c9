/**
 * Test-only fixtures of the conflict-graph tests (std's `_` prefix: not part of lychd): the CDI
 * registry of tests/fixtures/cdi/nvidia.yaml, its device names, and a soulstone claim.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { CdiRegistry } from "../cdi/registry.ts";
import type { StoneClaim } from "./exclusivity.ts";

export const SPEC = new URL("../../tests/fixtures/cdi/nvidia.yaml", import.meta.url);
export const UUID0 = "nvidia.com/gpu=GPU-4cf8db2d-06c0-7d70-1a51-e59b25b2c16c";
export const UUID1 = "nvidia.com/gpu=GPU-8a2b3c4d-1f2e-3d4c-5b6a-7f8e9d0c1b2a";
export const MIG00 = "nvidia.com/gpu=MIG-6d2f3a41-5e9b-5c1a-8f2e-0b7c9d4e1a23";
export const g = (n: string) => `nvidia.com/gpu=${n}`;

/** The registry of `text`, the spec at SPEC as the tests read it (src/plan reads no files itself). */
export function registry(text: string): CdiRegistry {
  return CdiRegistry.fromSpecs([{ path: "/etc/cdi/nvidia.yaml", text }], parseYaml);
}

export function stone(name: string, devices: string[], more: Partial<StoneClaim> = {}): StoneClaim {
  return { name, devices, exclusive: true, coexistsWith: [], ...more };
}
