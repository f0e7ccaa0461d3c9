/**
 * Kubernetes export of the golden cases: each `tests/golden/<case>` Codex through the same pure
 * pipeline as `lychd export kubernetes`, with the case's CDI specs (else the fixture host's
 * `tests/fixtures/cdi/etc`, two GPUs) and a stand-in text for every env file.
 *
 * @module
 */
import { parse as parseYaml, stringify } from "yaml";
import { loadCodex } from "../../src/codex/load.ts";
import { CdiRegistry, selectSpecFiles } from "../../src/cdi/registry.ts";
import { makePlan } from "../../src/plan/plan.ts";
import { type Exported, exportPlan } from "../../src/kube/objects.ts";
import type { GpuMode } from "../../src/kube/gpu.ts";
import { type KubeFile, toFiles } from "../../src/kube/emit.ts";
import type { GoldenCase } from "./golden.ts";

export const FIXTURE_CDI = new URL("../fixtures/cdi/etc", import.meta.url).pathname;
export const KUBE_GOLDEN_DIR = new URL("../golden-kube/", import.meta.url).pathname;
export const MODES: GpuMode[] = ["device-plugin", "dra"];

function registryFor(c: GoldenCase): CdiRegistry {
  const dir = c.cdiDir ?? FIXTURE_CDI;
  const names = [...Deno.readDirSync(dir)].map((e) => ({ name: e.name, isDirectory: e.isDirectory }));
  return CdiRegistry.fromSpecs(
    selectSpecFiles(dir, names).map((path) => ({ path, text: Deno.readTextFileSync(path) })),
    parseYaml,
  );
}

/** Export a golden case in one GPU mode. */
export function exportCase(c: GoldenCase, gpu: GpuMode, namespace?: string): Exported {
  const codex = loadCodex(c.codexText, "codex.toml");
  const envFiles = new Map<string, string>();
  for (const s of codex.services) {
    for (const f of s.raw.env_files ?? []) {
      envFiles.set(f, `# stand-in for ${f}\nFROM_FILE=${f}\nQUOTED="kept as is"\n`);
    }
  }
  const registry = registryFor(c);
  return exportPlan(makePlan(codex, registry), registry, { gpu, envFiles, namespace });
}

/** The files `--out` would write for a case. */
export function caseFiles(c: GoldenCase, gpu: GpuMode): KubeFile[] {
  return toFiles(exportCase(c, gpu).objects, "codex.toml", stringify);
}
