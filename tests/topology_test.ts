/**
 * The eight-stone, two-GPU topology: exactly the expected conflict pairs, each on both units with
 * one ordering edge (the later name after the earlier). The oracle test runs the same Runes
 * through the real Quadlet generator.
 */
import assert from "node:assert/strict";
import { goldenCases, registryOf } from "./lib/golden.ts";
import { loadCodex } from "../src/codex/load.ts";
import { makePlan } from "../src/plan/plan.ts";
import { renderPlan } from "../src/quadlet/render.ts";

const c = goldenCases().find((g) => g.name === "topology8")!;

Deno.test("topology8: eight stones over two GPUs give exactly the expected conflict pairs", () => {
  const plan = makePlan(loadCodex(c.codexText, "codex.toml"), registryOf(c));
  assert.deepEqual(plan.pairs, [
    ["s1", "s2"],
    ["s1", "s3"],
    ["s1", "s4"],
    ["s1", "s6"],
    ["s1", "s7"],
    ["s2", "s6"],
    ["s2", "s7"],
    ["s3", "s6"],
    ["s3", "s7"],
    ["s4", "s5"],
  ]);
  const gpu0 = ["/dev/dri/card1", "/dev/dri/renderD128", "/dev/nvidia0"];
  const s3 = plan.services.find((p) => p.service.name === "s3")!;
  assert.deepEqual(s3.claims, [{
    device: "nvidia.com/gpu=GPU-4cf8db2d-06c0-7d70-1a51-e59b25b2c16c",
    physical: gpu0,
    byName: false,
  }]);
});

Deno.test("topology8: Conflicts= on both units, one After= per pair (later after earlier)", () => {
  const plan = makePlan(loadCodex(c.codexText, "codex.toml"), registryOf(c));
  const { runes } = renderPlan(plan, { podmanVersion: "5.4" });
  const keys = (name: string, key: string) =>
    runes.find((r) => r.name === `topo-soulstone-${name}.container`)!.text.split("\n").filter((l) =>
      l.startsWith(`${key}=`)
    )
      .map((l) => l.slice(key.length + 1).replace(/^topo-soulstone-|\.service$/g, ""));
  for (const [a, b] of plan.pairs) {
    assert.ok(keys(a, "Conflicts").includes(b), `${a} lacks Conflicts=${b}`);
    assert.ok(keys(b, "Conflicts").includes(a), `${b} lacks Conflicts=${a}`);
    assert.ok(keys(b, "After").includes(a), `${b} lacks After=${a}`);
    assert.ok(!keys(a, "After").includes(b), `${a} must not also be After=${b}`);
  }
  assert.deepEqual(keys("s8", "Conflicts"), []);
  assert.deepEqual(keys("s1", "Conflicts"), ["s2", "s3", "s4", "s6", "s7"]);
});
