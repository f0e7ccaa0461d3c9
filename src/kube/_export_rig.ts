/**
 * Test-only helpers of the Kubernetes export tests (std's `_` prefix: not part of lychd): a Codex
 * exported with the CDI fixture's registry, its warnings as printed, a Deployment's container,
 * and a refusal at a field path. The tests pass in the file reader (no `Deno.*` in src/kube).
 *
 * @module
 */
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { loadCodex } from "../codex/load.ts";
import "../codex/explain.ts"; // words a schema rejection (loadCodex alone only says it was rejected)
import { CdiRegistry } from "../cdi/registry.ts";
import { makePlan } from "../plan/plan.ts";
import { type ExportOptions, exportPlan } from "./objects.ts";
import { KubeError } from "./errors.ts";
import type { Container as IContainer, Deployment as IDeployment } from "./types.ts";
import { warningLine } from "../warnings.ts";

/** The helpers over `readTextFileSync` (the tests pass `Deno.readTextFileSync`). */
export function exportRig(readTextFileSync: (path: string) => string) {
  const SPEC = new URL("../../tests/fixtures/cdi/nvidia.yaml", import.meta.url).pathname;
  const TOPO = new URL("../../tests/golden/topology8/cdi/nvidia.yaml", import.meta.url).pathname;

  function registry(path?: string): CdiRegistry {
    return CdiRegistry.fromSpecs(path ? [{ path, text: readTextFileSync(path) }] : [], parseYaml);
  }

  function exp(toml: string, opts: Partial<ExportOptions> = {}, reg = registry(SPEC)) {
    const codex = loadCodex(`version = 1\n${toml}`, "codex.toml");
    return exportPlan(makePlan(codex, reg), reg, { gpu: "device-plugin", envFiles: new Map(), ...opts });
  }

  /** The export's warnings as printed (after `lychd: warning: `). */
  function lines(r: ReturnType<typeof exp>): string[] {
    return r.warnings.map(warningLine);
  }

  function container(r: ReturnType<typeof exp>, name: string): IContainer {
    const d = r.objects.find((o) =>
      o.kind === "Deployment" && o.metadata?.name?.endsWith(name)
    ) as IDeployment;
    return d.spec!.template.spec!.containers[0];
  }

  function refuses(f: () => unknown, path: string, re: RegExp): void {
    assert.throws(f, (e) => e instanceof KubeError && e.path === path && re.test(e.message));
  }

  return { SPEC, TOPO, registry, exp, lines, container, refuses };
}
