/**
 * In-process cost of each stage of `lychd render` at 10, 100 and 1,000 services: TOML parse, the
 * zod schema alone, the validator generated from it alone (what the success path runs), the
 * whole-Codex checks alone, the whole load (parse + schema + checks +
 * normalize), plan (with the conflict graph) and render. `scripts/bench.ts` turns these into
 * per-service times and growth ratios.
 *
 * With `LYCHD_BENCH_BASELINE=DIR` (another lychd checkout) the n=1000 stages of that checkout run
 * in the same process too, named `… n=1000 baseline`, for before/after figures.
 *
 * Run: `deno bench -A bench/` (or `deno task bench` for everything).
 *
 * @module
 */
import { parse as parseToml } from "smol-toml";
import { parse as parseYaml } from "yaml";
import * as current from "./stages.ts";
import { baselineStages, CDI_FIXTURE, CODEX_TEXT, SIZES, type Stages } from "./fixtures.ts";

const FILE = "/bench/codex.toml";
const opts = { podmanVersion: "5.4" };

function register(m: Stages, sizes: readonly number[], suffix: string): void {
  const registry = m.CdiRegistry.fromSpecs([
    { path: CDI_FIXTURE.pathname, text: Deno.readTextFileSync(CDI_FIXTURE) },
  ], parseYaml);
  for (const n of sizes) {
    const text = CODEX_TEXT[n];
    const doc = parseToml(text);
    const codex = m.loadCodex(text, FILE);
    const plan = m.makePlan(codex, registry);
    const name = (stage: string) => `${stage} n=${n}${suffix}`;
    Deno.bench(name("parse"), { group: "parse" }, () => {
      parseToml(text);
    });
    Deno.bench(name("schema"), { group: "schema" }, () => {
      if (!m.CodexSchema.safeParse(doc, { reportInput: true }).success) throw new Error("invalid");
    });
    const generated = m.validateGenerated as ((doc: unknown) => boolean) | undefined;
    if (generated) {
      Deno.bench(name("validator"), { group: "validator" }, () => {
        if (!generated(doc)) throw new Error("invalid");
      });
    }
    Deno.bench(name("checks"), { group: "checks" }, () => {
      if (m.validateCodex(codex, {}).length) throw new Error("invalid");
    });
    Deno.bench(name("load"), { group: "load" }, () => {
      m.loadCodex(text, FILE);
    });
    Deno.bench(name("plan"), { group: "plan" }, () => {
      m.makePlan(codex, registry);
    });
    Deno.bench(name("render"), { group: "render" }, () => {
      m.renderPlan(plan, opts);
    });
    Deno.bench(name("total"), { group: "total" }, () => {
      m.renderPlan(m.makePlan(m.loadCodex(text, FILE), registry), opts);
    });
  }
}

register(current, SIZES, "");
const baseline = await baselineStages();
if (baseline) register(baseline, [1000], " baseline");
