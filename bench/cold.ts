/**
 * One cold `lychd render` pipeline in a fresh process, timed stage by stage (module loading,
 * CDI specs, load, plan, render, writing the Runes as `render --out` does). `scripts/bench.ts` runs it several times
 * and takes medians; it explains where the whole-process time goes.
 *
 * Usage: deno run -A bench/cold.ts ROOT CODEX CDI_SPEC OUT_DIR|-
 *
 * @module
 */
const t0 = performance.now();
const [root, codexPath, cdiPath, outDir] = Deno.args;
const url = (p: string) => new URL(`file://${root}/${p}`).href;
const { loadCodex } = await import(url("src/codex/load.ts"));
const { CdiRegistry } = await import(url("src/cdi/registry.ts"));
const { makePlan } = await import(url("src/plan/plan.ts"));
const { renderPlan } = await import(url("src/quadlet/render.ts"));
const { realFs } = await import(url("src/host/real.ts"));
const times: Record<string, number> = {};
let t = performance.now();
times["import lychd modules"] = t - t0;
const lap = (k: string) => {
  const n = performance.now();
  times[k] = n - t;
  t = n;
};
// The YAML parser is loaded by the CLI only when a spec exists: its import counts here. The
// checkout's own loader (src/cli/yaml.ts, the ES module build) when it has one.
const parseYaml = await import(url("src/cli/yaml.ts")).then(
  (m) => m.yamlParser() as Promise<(text: string) => unknown>,
  async () => (await import("yaml")).parse,
);
const registry = CdiRegistry.fromSpecs([{ path: cdiPath, text: Deno.readTextFileSync(cdiPath) }], parseYaml);
lap("CDI specs (import yaml + parse)");
const codex = loadCodex(Deno.readTextFileSync(codexPath), codexPath);
lap("load (parse + validate)");
const plan = makePlan(codex, registry);
lap("plan");
const rendered = renderPlan(plan, { podmanVersion: "5.4" }) as { runes: { name: string; text: string }[] };
lap("render");
if (outDir !== "-") {
  const fs = realFs();
  await fs.mkdirp(outDir);
  for (const r of rendered.runes) await fs.writeFile(`${outDir}/${r.name}`, r.text);
  lap("write Runes (realFs.writeFile, as render --out)");
}
console.log(JSON.stringify(times));
