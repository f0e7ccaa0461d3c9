import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { CdiRegistry } from "./cdi/registry.ts";
import { loadCodex } from "./codex/load.ts";
import "./codex/explain.ts";
import { makePlan } from "./plan/plan.ts";
import { addWarning, type Warning, warningLine } from "./warnings.ts";

Deno.test("warningLine(): file, path, message and hint as one line; no path, no prefix", () => {
  assert.equal(
    warningLine({ code: "cdi-kind-without-spec", path: "soulstones.a.devices[0]", message: "m", hint: "h" }),
    "soulstones.a.devices[0]: m (hint: h)",
  );
  assert.equal(warningLine({ code: "cdi-yml-ignored", path: "", message: "m" }), "m");
  assert.equal(
    warningLine({ code: "secret-missing", file: "/c.toml", path: "a.secrets", message: "m", hint: "h" }),
    "/c.toml: a.secrets: m (hint: h)",
  );
});

Deno.test("addWarning(): one per code and path; without a path, one per code and message", () => {
  const list: Warning[] = [];
  assert.equal(addWarning(list, { code: "quadlet-option-omitted", path: "a", message: "x" }), true);
  assert.equal(addWarning(list, { code: "quadlet-option-omitted", path: "a", message: "y" }), false);
  assert.equal(addWarning(list, { code: "cdi-kind-without-spec", path: "a", message: "x" }), true);
  assert.equal(addWarning(list, { code: "vram-key-not-cdi", path: "", message: "k1" }), true);
  assert.equal(addWarning(list, { code: "vram-key-not-cdi", path: "", message: "k2" }), true);
  assert.equal(addWarning(list, { code: "vram-key-not-cdi", path: "", message: "k1" }), false);
  assert.deepEqual(list.map((w) => w.message), ["x", "x", "k1", "k2"]);
});

Deno.test("makePlan(): a kind without a spec warns once, placed; the graph's unplaced repeat is dropped", () => {
  const reg = CdiRegistry.fromSpecs([], parseYaml);
  const stone = (n: string, d: string) =>
    `[soulstones.${n}]\nimage = "localhost/x"\ndevices = ["/dev/fuse", "${d}"]\n`;
  const text = `version = 1\n${stone("a", "amd.com/gpu=0")}${stone("b", "amd.com/gpu=1")}${
    stone("c", "intel.com/gpu=0")
  }`;
  const plan = makePlan(loadCodex(text, "codex.toml"), reg);
  assert.deepEqual(plan.warnings.map((w) => [w.code, w.path]), [
    ["cdi-kind-without-spec", "soulstones.a.devices[1]"],
    ["cdi-kind-without-spec", "soulstones.c.devices[1]"],
  ]);
  assert.match(warningLine(plan.warnings[0]), /^soulstones\.a\.devices\[1\]: .*"amd\.com\/gpu"/);
  assert.match(warningLine(plan.warnings[1]), /^soulstones\.c\.devices\[1\]: .*"intel\.com\/gpu"/);
});
