/**
 * The soulstone conflict graph at 100 and 1,000 stones, in three shapes:
 * - `few GPUs`: the CDI fixture's two GPUs (=0, =1, a MIG slice, =all, a UUID name): nearly every
 *   pair conflicts, so the OUTPUT is quadratic by nature (the pair count is in the name);
 * - `many GPUs`: one GPU per stone (a spec with n GPUs): nothing conflicts, the work stays linear;
 * - `shared, not exclusive`: every stone on `=all` with `exclusive = false`: nothing conflicts.
 *
 * With `LYCHD_BENCH_BASELINE=DIR`, the n=1000 cases of that checkout too (`… baseline`).
 *
 * @module
 */
import type { StoneClaim } from "../src/plan/exclusivity.ts";
import { parse as parseYaml } from "yaml";
import * as current from "./stages.ts";
import { baselineStages, CDI_FIXTURE, manyGpuSpec, type Stages } from "./fixtures.ts";

const FEW = [
  ["nvidia.com/gpu=0"],
  ["nvidia.com/gpu=1"],
  ["nvidia.com/gpu=all"],
  ["nvidia.com/gpu=0:0"],
  ["nvidia.com/gpu=GPU-8a2b3c4d-1f2e-3d4c-5b6a-7f8e9d0c1b2a"],
  ["nvidia.com/gpu=0", "nvidia.com/gpu=1"],
];

function stones(n: number, devices: (i: number) => string[], exclusive = true): StoneClaim[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `stone-${String(i).padStart(4, "0")}`,
    devices: devices(i),
    exclusive,
    coexistsWith: [],
  }));
}

function register(m: Stages, sizes: number[], suffix: string): void {
  const fixture = m.CdiRegistry.fromSpecs([{
    path: CDI_FIXTURE.pathname,
    text: Deno.readTextFileSync(CDI_FIXTURE),
  }], parseYaml);
  for (const n of sizes) {
    const many = m.CdiRegistry.fromSpecs([manyGpuSpec(n)], parseYaml);
    const cases: [string, StoneClaim[], typeof many][] = [
      ["few GPUs", stones(n, (i) => FEW[i % FEW.length]), fixture],
      ["many GPUs", stones(n, (i) => [`nvidia.com/gpu=${i}`]), many],
      ["shared, not exclusive", stones(n, () => ["nvidia.com/gpu=all"], false), fixture],
    ];
    for (const [shape, claims, registry] of cases) {
      const pairs = m.conflictGraph(claims, registry, {}).pairs.length;
      Deno.bench(
        `conflict graph: ${shape}, n=${n} (${pairs} pairs)${suffix}`,
        { group: `conflicts ${shape}` },
        () => {
          m.conflictGraph(claims, registry, {});
        },
      );
    }
  }
}

register(current, [100, 1000], "");
const baseline = await baselineStages();
if (baseline) register(baseline, [1000], " baseline");
