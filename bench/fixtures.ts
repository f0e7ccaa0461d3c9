/**
 * Inputs shared by the benchmarks: generated Codexes (see gen.ts), the CDI registries they are
 * planned against, and the optional baseline checkout. Built once per process, at import.
 *
 * @module
 */
import { genCdiSpec, genCodex } from "./gen.ts";

/** The CDI fixture the `few` GPU mix claims from (two GPUs, MIG slices, UUID names). */
export const CDI_FIXTURE = new URL("../tests/fixtures/cdi/nvidia.yaml", import.meta.url);

/** The text of a generated spec with `gpus` whole GPUs (`nvidia.com/gpu=0..gpus-1`, `all`). */
export function manyGpuSpec(gpus: number): { path: string; text: string } {
  return { path: "/bench/cdi/nvidia.yaml", text: genCdiSpec(gpus) };
}

/** The sizes every per-service benchmark runs at. */
export const SIZES = [10, 100, 1000] as const;

/** Codex text per size (the realistic `few` GPU mix). */
export const CODEX_TEXT: Record<number, string> = Object.fromEntries(SIZES.map((n) => [n, genCodex(n)]));

/** What bench/stages.ts exports. */
export type Stages = typeof import("./stages.ts");

/**
 * The same functions as bench/stages.ts, from the checkout named by `LYCHD_BENCH_BASELINE`, or
 * undefined without it.
 */
export async function baselineStages(): Promise<Stages | undefined> {
  const dir = Deno.env.get("LYCHD_BENCH_BASELINE");
  if (!dir) return undefined;
  const root = Deno.realPathSync(dir);
  const out: Record<string, unknown> = {};
  for (
    const [mod, names] of [
      ["src/codex/load.ts", ["loadCodex"]],
      ["src/codex/schema.ts", ["CodexSchema"]],
      ["src/codex/validate.ts", ["validateCodex"]],
      ["src/plan/plan.ts", ["makePlan"]],
      ["src/quadlet/render.ts", ["renderPlan"]],
      ["src/cdi/registry.ts", ["CdiRegistry"]],
      ["src/plan/exclusivity.ts", ["conflictGraph"]],
    ] as const
  ) {
    const m = await import(new URL(`file://${root}/${mod}`).href);
    for (const n of names) out[n] = m[n];
  }
  // A checkout from before the generated validator has none: its stage is skipped. It was a .ts
  // module before it became a .js one.
  for (const ext of ["js", "ts"]) {
    try {
      const g = await import(new URL(`file://${root}/src/codex/validator.generated.${ext}`).href);
      out.validateGenerated = g.validate;
      break;
    } catch { /* absent */ }
  }
  return out as Stages;
}
