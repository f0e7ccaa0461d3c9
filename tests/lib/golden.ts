/**
 * Golden cases: `tests/golden/<case>/codex.toml` (+ optional `cdi/` specs and `case.json` with
 * `{ "podmanVersion": "5.4" }`) → the Runes in `expected/`. Rendered through the same pure
 * pipeline as `lychd render`, with the Codex path normalized to `codex.toml`.
 *
 * @module
 */
import { loadCodex } from "../../src/codex/load.ts";
import { parse as parseYaml } from "yaml";
import { DEFAULT_CODEX } from "../../src/codex/default.ts";
import { CdiRegistry, selectSpecFiles } from "../../src/cdi/registry.ts";
import { makePlan } from "../../src/plan/plan.ts";
import { type Rendered, renderPlan } from "../../src/quadlet/render.ts";

export const GOLDEN_DIR = new URL("../golden/", import.meta.url).pathname;

/** A golden case. */
export interface GoldenCase {
  name: string;
  dir: string;
  codexText: string;
  cdiDir?: string;
  podmanVersion: string;
}

/** Every case, sorted; `default` renders the embedded default Codex. */
export function goldenCases(): GoldenCase[] {
  const out: GoldenCase[] = [];
  for (const e of [...Deno.readDirSync(GOLDEN_DIR)].sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.isDirectory) continue;
    const dir = `${GOLDEN_DIR}${e.name}`;
    let codexText: string;
    try {
      codexText = Deno.readTextFileSync(`${dir}/codex.toml`);
    } catch {
      if (e.name !== "default") continue;
      codexText = DEFAULT_CODEX;
    }
    let podmanVersion = "5.4";
    try {
      podmanVersion = JSON.parse(Deno.readTextFileSync(`${dir}/case.json`)).podmanVersion ?? podmanVersion;
    } catch { /* default */ }
    let cdiDir: string | undefined = `${dir}/cdi`;
    try {
      Deno.statSync(cdiDir);
    } catch {
      cdiDir = undefined;
    }
    out.push({ name: e.name, dir, codexText, cdiDir, podmanVersion });
  }
  return out;
}

/** Read a case's CDI specs like the host layer does. */
export function registryOf(c: GoldenCase): CdiRegistry {
  if (!c.cdiDir) return CdiRegistry.fromSpecs([], parseYaml);
  const names = [...Deno.readDirSync(c.cdiDir)].map((e) => ({ name: e.name, isDirectory: e.isDirectory }));
  return CdiRegistry.fromSpecs(
    selectSpecFiles(c.cdiDir, names).map((path) => ({ path, text: Deno.readTextFileSync(path) })),
    parseYaml,
  );
}

/** Render a case (optionally for another Podman version). */
export function renderCase(c: GoldenCase, podmanVersion = c.podmanVersion): Rendered {
  const codex = loadCodex(c.codexText, "codex.toml");
  return renderPlan(makePlan(codex, registryOf(c)), { podmanVersion });
}
