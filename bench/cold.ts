/**
 * One cold `lychd render` pipeline in a fresh process, timed stage by stage (module loading,
 * CDI specs, load — in a checkout that has src/codex/normalize.ts, its steps one by one — plan,
 * render, writing the Runes as `render --out` does). `scripts/bench.ts` runs it several times
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
  times[k] = (times[k] ?? 0) + n - t;
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
const text = Deno.readTextFileSync(codexPath);
let codex;
// A checkout with src/codex/normalize.ts: loadCodex's steps one by one (what it does on a valid
// Codex: parse, the text checks, the generated validator, normalize, the whole-Codex checks).
const fine = await import(url("src/codex/normalize.ts")).then(async (n) => ({
  normalize: n.normalize,
  parse: (await import("smol-toml")).parse,
  clean: (await import(url("src/codex/toml10_clean.ts"))).inlineTablesClean,
  validate: (await import(url("src/codex/validator.generated.js")).catch(() =>
    import(url("src/codex/validator.generated.ts")) // before it became a .js module
  )).validate,
  checks: (await import(url("src/codex/validate.ts"))).validateCodex,
}), () =>
  undefined);
if (fine) {
  lap("import lychd modules"); // the rest of them
  const doc = fine.parse(text);
  lap("load: TOML parse (smol-toml)");
  // deno-lint-ignore no-control-regex
  if (!fine.clean(text) || /[\u0000-\u0009\u000b-\u001f\u007f\\]/.test(text) || text.includes("__proto__")) {
    throw new Error("bench/cold.ts: this Codex needs loadCodex's slow paths");
  }
  lap("load: text checks (TOML 1.0, control characters)");
  if (!fine.validate(doc)) throw new Error("bench/cold.ts: the validator refuses the Codex");
  lap("load: generated validator");
  codex = fine.normalize(doc, codexPath);
  lap("load: normalize");
  if (fine.checks(codex, {}).length) {
    throw new Error("bench/cold.ts: the whole-Codex checks refuse the Codex");
  }
  lap("load: whole-Codex checks");
} else {
  codex = loadCodex(text, codexPath);
  lap("load (parse + validate)");
}
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
